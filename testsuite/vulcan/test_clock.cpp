// clock: the kernel's monotonic clock (the clock syscall), read around a yield and a block, and by another task.
#include <helios/clock.h>

#include "vulcan.h"

using namespace helios;
using namespace vulcan;

namespace {
struct Shared {
    helios_caddr_t n = 0;
    volatile uint64_t read_by_thread = 0;
};
}  // namespace

VULCAN_TEST(clock, monotonic) {
    sys::SysResult r = sys::clock();
    CHECK_OK(r);
    uint64_t before = r.value;
    CHECK_OK(sys::yield());
    uint64_t after = clock_ns();
    CHECK(after >= before);
    // Arguments are ignored; the value still never goes back.
    r = sys::raw(HELIOS_SYS_clock, ~0ull, 1, 2, 3, 4, 5);
    CHECK_OK(r);
    CHECK(r.value >= after);
    // Consecutive readings never decrease, and the clock does move: within a
    // bounded number of yields (hardware: the PIT's ~0.84 us steps; the
    // simulator: every kernel entry costs virtual time).
    uint64_t last = r.value;
    bool moved = false;
    for (unsigned i = 0; i < 100000 && !moved; ++i) {
        (void)sys::yield();
        uint64_t now = clock_ns();
        if (now < last) fail_values(__FILE__, __LINE__, "clock_ns() >= the previous reading", now, last);
        moved = now > r.value;
        last = now;
    }
    CHECK(moved);
    CHECK(elapsed_ns(before) >= last - before);
}

VULCAN_TEST(clock, one_clock_for_every_task) {
    // The main thread blocks on a notification; a thread reads the clock and
    // signals it. Its reading lies between the main thread's two.
    static Shared s;
    s = Shared{};
    s.n = alloc(HELIOS_CT_NOTIFICATION);
    uint64_t before = clock_ns();
    CHECK_NE(before, 0);
    threads::Thread* t = spawn(
        [](uint64_t) {
            s.read_by_thread = clock_ns();
            CHECK_OK(sys::signal(s.n));
        },
        0);
    CHECK_OK(sys::wait(s.n));
    uint64_t after = clock_ns();
    join_thread(t);
    CHECK(s.read_by_thread >= before);
    CHECK(after >= s.read_by_thread);
}
