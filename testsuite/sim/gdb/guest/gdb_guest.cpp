// gdb_guest: the program the gdb stub tests step through (built -O0 so every local lives in memory).
//
// main sums 1..4 in accumulate(), adds the sum to the watched global
// g_counter, starts a worker thread that computes worker_step(5) and signals
// a notification, adds 1 to g_counter and exits with status 3.
#include "thread.h"

helios_caddr_t g_done = 0;
volatile int g_counter = 0;
volatile uint64_t g_worker_result = 0;

extern "C" int accumulate(int n) {
    int total = 0;
    for (int i = 1; i <= n; ++i) {
        total += i;
    }
    return total;
}

extern "C" void bump_counter(int by) {
    int before = g_counter;
    g_counter = before + by;
}

extern "C" uint64_t worker_step(uint64_t x) {
    uint64_t y = x * 3 + 1;
    return y;
}

extern "C" [[noreturn]] void worker(uint64_t arg) {
    g_worker_result = worker_step(arg);
    (void)helios::sys::signal(g_done);
    (void)helios::sys::exit(0);
    for (;;) (void)helios::sys::yield();
}

int main() {
    int sum = accumulate(4);
    bump_counter(sum);
    g_done = gdbtest::make(HELIOS_CT_NOTIFICATION, "allocate notification");
    gdbtest::start_thread(0x10000000, worker, 5, 0);
    gdbtest::check("wait", helios::sys::wait(g_done));
    bump_counter(1);
    helios::printf("gdb_guest: sum=%d counter=%d worker=%lu\n", sum, g_counter,
                   static_cast<unsigned long>(g_worker_result));
    return 3;
}
