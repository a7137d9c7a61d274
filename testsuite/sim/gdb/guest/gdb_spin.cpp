// gdb_spin: loops forever through the kernel (yield), for interrupting with Ctrl-C.
#include <helios/syscall.h>
#include <stdint.h>

volatile uint64_t g_spins = 0;

extern "C" void spin_once() {
    g_spins = g_spins + 1;
    (void)helios::sys::yield();
}

int main() {
    for (;;) spin_once();
}
