// spin: a guest that runs for a long time making syscalls (for cut-off tests).
#include <helios/rt.h>
#include <helios/syscall.h>

int main() {
    for (unsigned long i = 0;; ++i) {
        helios::sys::yield();
        if (i == ~0ul) break;
    }
    return 0;
}
