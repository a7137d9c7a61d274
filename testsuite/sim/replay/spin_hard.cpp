// spin_hard: a guest that never enters the kernel (for timeout and preemption tests).
#include <helios/rt.h>

int main() {
    volatile unsigned long counter = 0;
    for (;;) counter = counter + 1;
}
