// sys_repout: one very long string I/O instruction, or endless console output (the simulator's bounds on both).
//
// Command line "MIB [PORT]": map MIB MiB (at most 15: init has 4096 slots) of zeroed pages at 0x40000000, say
// so, then write all of them to PORT (decimal, default COM1's THR, 1016)
// with ONE `rep outsb`, and exit 0 ("sys_repout: done"). The simulator must
// stop that instruction at --timeout and keep its trace to one event.
// Command line "print": print lines forever through the kernel console.
#include <helios/portio.h>

#include "common.h"

namespace {
constexpr const char* kProg = "sys_repout";
constexpr uint64_t kBuffer = 0x40000000;
constexpr uint64_t kPage = 4096;
}  // namespace

int main() {
    char mode[16] = "";
    (void)systest::cmdline_word(0, mode, sizeof mode);
    if (systest::str_eq(mode, "print")) {
        for (uint64_t i = 0;; ++i)
            helios::printf("sys_repout: line %lu of output nobody reads, padded to be long enough ........\n",
                           static_cast<unsigned long>(i));
    }
    const uint64_t mib = systest::cmdline_number(0, 64);
    const auto port = static_cast<uint16_t>(systest::cmdline_number(1, 0x3F8));
    systest::expect_ok(kProg, "iocontrol_issue", helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, port, port));
    const uint64_t bytes = mib << 20;
    for (uint64_t off = 0; off < bytes; off += kPage) systest::map_new_page(kProg, kBuffer + off);
    helios::printf("%s: mapped %lu MiB\n", kProg, static_cast<unsigned long>(mib));
    const void* src = reinterpret_cast<const void*>(kBuffer);
    uint64_t count = bytes;
    asm volatile("cld; rep outsb" : "+S"(src), "+c"(count) : "d"(port) : "memory");
    helios::printf("%s: done, rcx=%lu\n", kProg, static_cast<unsigned long>(count));
    return 0;
}
