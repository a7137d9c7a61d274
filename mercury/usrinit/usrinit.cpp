// usrinit: the default user program. An echo loop over the serial driver: characters are echoed as typed, each line is
// sent back.
#include <helios/console.h>
#include <helios/manifest.h>
#include <helios/procinfo.h>
#include <helios/rt.h>
#include <helios/serial.h>

#include "lib/string.h"

// Not a driver: it asks init for one service, the first serial device.
HELIOS_MANIFEST(
    "[driver]\n"
    "name = usrinit\n"
    "desc = the default user program: a line echo loop on the first serial port\n"
    "[cspace]\n"
    "radix = 4\n"
    "[services]\n"
    "serial =\n");

namespace {

constexpr size_t kLineMax = 1024;

helios_caddr_t g_serial = HELIOS_CADDR_UNDEF;

// Output is gathered and written in as few calls as possible.
char g_out[2048];
size_t g_out_len = 0;

// Writes the gathered output. A driver restarted under a write (ABORTED)
// may or may not have taken the bytes of that call: they are sent again.
bool flush() {
    size_t done = 0;
    while (done < g_out_len) {
        helios::SysResult r = helios::serial::write_all(g_serial, g_out + done, g_out_len - done);
        done += r.value;
        if (!r.ok() && r.status != HELIOS_EABORTED) return false;
    }
    g_out_len = 0;
    return true;
}

bool put(const char* data, size_t n) {
    while (n > 0) {
        size_t room = sizeof g_out - g_out_len;
        size_t take = n < room ? n : room;
        helios::lib::copy(g_out + g_out_len, data, take);
        g_out_len += take;
        data += take;
        n -= take;
        if (g_out_len == sizeof g_out && !flush()) return false;
    }
    return true;
}

char g_line[kLineMax];
size_t g_line_len = 0;
bool g_after_cr = false;

// The line discipline: printable input is echoed, backspace (BS or DEL)
// erases, CR, LF or CR LF ends the line, which is then written back. A line
// longer than kLineMax is sent back in pieces.
bool feed(char c) {
    bool after_cr = g_after_cr;
    g_after_cr = c == '\r';
    if (c == '\n' && after_cr) return true;  // the LF of a CR LF
    if (c == '\r' || c == '\n') {
        bool ok = put("\n", 1) && put(g_line, g_line_len) && put("\n", 1);
        g_line_len = 0;
        return ok;
    }
    if (c == '\b' || c == 0x7F) {
        if (g_line_len == 0) return true;
        --g_line_len;
        return put("\b \b", 3);
    }
    if (g_line_len == kLineMax) {
        if (!put("\n", 1) || !put(g_line, g_line_len) || !put("\n", 1)) return false;
        g_line_len = 0;
    }
    g_line[g_line_len++] = c;
    return put(&c, 1);
}

}  // namespace

int main() {
    g_serial = helios::rt::find_service("serial");
    if (g_serial == HELIOS_CADDR_UNDEF) {
        helios::print("[usrinit] no serial device; nothing to do\n");
        return 1;
    }
    uint64_t restarts = 0;
    (void)helios::rt::find_aux_value("restarts", &restarts);
    static const char kHello[] = "[usrinit] echo loop on the serial line: type a line, get it back\n";
    if (restarts == 0 && !(put(kHello, sizeof kHello - 1) && flush())) {
        helios::print("[usrinit] cannot write to the serial device\n");
        return 1;
    }
    char buf[helios::serial::kMaxData];
    for (;;) {
        helios::SysResult r = helios::serial::read(g_serial, buf, sizeof buf);
        if (r.status == HELIOS_EABORTED) continue;  // the driver restarted under our request
        if (!r.ok()) {
            helios::printf("[usrinit] the serial device is gone (%lu); stopping\n", r.status);
            return 1;
        }
        bool ok = true;
        for (size_t i = 0; i < r.value && ok; ++i) ok = feed(buf[i]);
        if (ok && g_out_len > 0) ok = flush();
        if (!ok) {
            helios::print("[usrinit] the serial device is gone; stopping\n");
            return 1;
        }
    }
}
