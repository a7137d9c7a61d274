// sys_spin: announces itself, then spins without ever entering the kernel
// (command line "block": waits forever on a notification nobody signals).
#include "common.h"

int main() {
    char mode[16] = "spin";
    (void)systest::cmdline_word(0, mode, sizeof mode);
    if (systest::str_eq(mode, "block")) {
        helios_caddr_t note = systest::make("sys_spin", HELIOS_CT_NOTIFICATION, "allocate notification");
        helios::print("sys_spin: blocking\n");
        (void)helios::sys::wait(note);
        helios::print("sys_spin: FAIL woke up\n");
        return 1;
    }
    helios::print("sys_spin: spinning\n");
    volatile uint64_t spins = 0;
    for (;;) spins = spins + 1;
}
