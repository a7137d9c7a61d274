// rdtsc: reads the time-stamp counter twice; the simulator answers from
// virtual time, so the values (and the run) are the same every time.
#include <helios/rt.h>
#include <helios/syscall.h>

int main() {
    unsigned lo1, hi1, lo2, hi2;
    asm volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
    helios::sys::yield();
    asm volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
    unsigned long a = (static_cast<unsigned long>(hi1) << 32) | lo1;
    unsigned long b = (static_cast<unsigned long>(hi2) << 32) | lo2;
    // Report the difference through the trace (identify's argument).
    helios::sys::identify(b - a);
    return b > a ? 0 : 1;
}
