// serialctl: a test client of the serial protocol on COM2 (serial device 1): settings, edge cases, then an echo with a
// prefix.
#include <helios/console.h>
#include <helios/manifest.h>
#include <helios/procinfo.h>
#include <helios/serial.h>

HELIOS_MANIFEST(
    "[driver]\n"
    "name = serialctl\n"
    "desc = test client of the serial protocol on COM2\n"
    "[cspace]\n"
    "radix = 4\n"
    "[services]\n"
    "serial1 =\n");

namespace {

namespace serial = helios::serial;

unsigned g_passed = 0, g_failed = 0;

void expect(const char* what, helios::SysResult r, uint64_t status, uint64_t value = 0, bool check_value = false) {
    bool ok = r.status == status && (!check_value || r.value == value);
    if (ok) {
        ++g_passed;
    } else {
        ++g_failed;
        helios::printf("[serialctl] FAILED %s: status %lu value %lu (wanted %lu, %lu)\n", what, r.status, r.value,
                       status, value);
    }
}

// A raw call with nparams parameters already in the IPC buffer.
helios::SysResult raw_call(helios_caddr_t ep, uint64_t label, unsigned nparams) {
    return serial::detail::finish(helios::sys::call(ep, HELIOS_TAG(label, 0, nparams)));
}

}  // namespace

int main() {
    helios_caddr_t ep = helios::rt::find_service("serial1");
    if (ep == HELIOS_CADDR_UNDEF) {
        helios::print("[serialctl] no serial1 service\n");
        return 1;
    }
    expect("get_baud", serial::get(ep, serial::kGetBaud), HELIOS_ENONE, 115200, true);
    expect("set_baud 9600", serial::set(ep, serial::kSetBaud, 9600), HELIOS_ENONE);
    expect("get_baud after", serial::get(ep, serial::kGetBaud), HELIOS_ENONE, 9600, true);
    expect("set_baud 7", serial::set(ep, serial::kSetBaud, 7), HELIOS_EINVALID_PARAM);
    expect("set_baud 0", serial::set(ep, serial::kSetBaud, 0), HELIOS_EINVALID_PARAM);
    expect("set_charlen 7", serial::set(ep, serial::kSetCharlen, 7), HELIOS_ENONE);
    expect("get_charlen", serial::get(ep, serial::kGetCharlen), HELIOS_ENONE, 7, true);
    expect("set_charlen 4", serial::set(ep, serial::kSetCharlen, 4), HELIOS_EINVALID_PARAM);
    expect("set_stopbits 2", serial::set(ep, serial::kSetStopbits, 2), HELIOS_ENONE);
    expect("get_stopbits", serial::get(ep, serial::kGetStopbits), HELIOS_ENONE, 2, true);
    expect("set_stopbits 3", serial::set(ep, serial::kSetStopbits, 3), HELIOS_EINVALID_PARAM);
    expect("set_parity even", serial::set(ep, serial::kSetParity, 2), HELIOS_ENONE);
    expect("get_parity", serial::get(ep, serial::kGetParity), HELIOS_ENONE, 2, true);
    expect("set_parity 5", serial::set(ep, serial::kSetParity, 5), HELIOS_EINVALID_PARAM);
    // Back to 115200 8N1 for the echo below.
    expect("set_baud 115200", serial::set(ep, serial::kSetBaud, 115200), HELIOS_ENONE);
    expect("set_charlen 8", serial::set(ep, serial::kSetCharlen, 8), HELIOS_ENONE);
    expect("set_stopbits 1", serial::set(ep, serial::kSetStopbits, 1), HELIOS_ENONE);
    expect("set_parity none", serial::set(ep, serial::kSetParity, 0), HELIOS_ENONE);
    char buf[serial::kMaxData];
    expect("read of 0 bytes", serial::read(ep, buf, 0), HELIOS_ENONE, 0, true);
    expect("write of 0 bytes", serial::write(ep, buf, 0), HELIOS_ENONE, 0, true);
    expect("unknown method", raw_call(ep, serial::label(99), 0), HELIOS_EINVALID_SYSCALL);
    expect("another interface", raw_call(ep, 0x1234, 0), HELIOS_EINVALID_SYSCALL);
    helios::ipcbuf()->params[0] = serial::kMaxData + 1;
    expect("write longer than a message", raw_call(ep, serial::label(serial::kWrite), HELIOS_MAX_PARAMS),
           HELIOS_EINVALID_PARAM);
    helios::ipcbuf()->params[0] = 100;
    expect("write with too few parameters", raw_call(ep, serial::label(serial::kWrite), 3), HELIOS_EINVALID_PARAM);
    expect("read without parameters", raw_call(ep, serial::label(serial::kRead), 0), HELIOS_EINVALID_PARAM);
    helios::printf("[serialctl] protocol checks: %u passed, %u failed\n", g_passed, g_failed);

    // Echo COM2's lines back with a prefix.
    char line[256];
    size_t len = 0;
    for (;;) {
        helios::SysResult r = serial::read(ep, buf, sizeof buf);
        if (!r.ok()) return 1;
        for (size_t i = 0; i < r.value; ++i) {
            char c = buf[i];
            if (c == '\n') {
                static const char kPrefix[] = "pong: ";
                (void)serial::write_all(ep, kPrefix, sizeof kPrefix - 1);
                (void)serial::write_all(ep, line, len);
                (void)serial::write_all(ep, "\n", 1);
                len = 0;
            } else if (len < sizeof line) {
                line[len++] = c;
            }
        }
    }
}
