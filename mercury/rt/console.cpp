// Kernel-console output for user programs: print and a small printf over writecons.
#include <helios/console.h>
#include <helios/syscall.h>

#include <helios/format.h>
#include "lib/string.h"

namespace helios {

bool write_console(const char* data, size_t len) {
    while (len > 0) {
        sys::SysResult r = sys::writecons(reinterpret_cast<uint64_t>(data), len);
        if (!r.ok() || r.value == 0 || r.value > len) return false;
        data += r.value;
        len -= r.value;
    }
    return true;
}

bool print(const char* text) { return write_console(text, lib::length(text)); }

size_t vprintf(const char* fmt, va_list ap) {
    char buf[128];
    size_t used = 0;
    size_t total = 0;
    format_to(
        [&](char c) {
            buf[used++] = c;
            ++total;
            if (used == sizeof buf) {
                write_console(buf, used);
                used = 0;
            }
        },
        fmt, ap);
    if (used > 0) write_console(buf, used);
    return total;
}

size_t printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

}  // namespace helios
