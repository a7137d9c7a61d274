// The clock syscall: the arch's monotonic nanoseconds in rdx, one traced
// event per read, no effect on scheduling or on any other register.
#include <catch2/catch.hpp>

#include "support/ops.h"

using namespace helios;
using namespace helios::test;

TEST_CASE("clock: rdx is the arch's monotonic nanoseconds, unchanged", "[syscalls][clock]") {
    World w;
    Proc p = w.spawn();
    for (uint64_t now :
         {uint64_t{0}, uint64_t{1}, uint64_t{999}, uint64_t{10'000'000'000}, uint64_t{1} << 63, ~uint64_t{0}}) {
        INFO("now " << now);
        fake_arch().now = now;
        SysResult r = w.sys(p, HELIOS_SYS_clock);
        CHECK(r.status == Error::NONE);
        CHECK(r.value == now);
    }
}

TEST_CASE("clock: successive reads follow the arch's clock forward", "[syscalls][clock]") {
    World w;
    Proc a = w.spawn();
    Proc b = w.spawn();
    fake_arch().now = 1000;
    SysResult ra = w.sys(a, HELIOS_SYS_clock);
    fake_arch().now = 1000;  // no time passed: the same value, not an error
    SysResult rb = w.sys(b, HELIOS_SYS_clock);
    fake_arch().now = 25'000;
    SysResult ra2 = w.sys(a, HELIOS_SYS_clock);
    REQUIRE(ra.ok());
    REQUIRE(rb.ok());
    REQUIRE(ra2.ok());
    // One clock for every task: b's reading lies between a's two.
    CHECK(ra.value == 1000);
    CHECK(rb.value == 1000);
    CHECK(ra2.value == 25'000);
}

TEST_CASE("clock: arguments are ignored; only rax and rdx change; the task keeps running", "[syscalls][clock]") {
    World w;
    Proc p = w.spawn();
    Proc other = w.spawn();  // runnable at the same priority: clock must not yield to it
    helios_regs& r = p.task->regs;
    r.rbx = 0xB;
    r.rbp = 0xBB;
    r.rsp = 0x10004000;
    r.r12 = 12;
    r.r15 = 15;
    r.rip = 0x401000;
    fake_arch().now = 0x1234'5678'9ABCull;
    uint64_t switches = w.k.stats().switches;
    SysResult res = w.sys(p, HELIOS_SYS_clock, ~0ull, 0xDEAD, 0xBEEF, 0x77, 0x88, 0x99);
    REQUIRE(res.ok());
    CHECK(res.value == 0x1234'5678'9ABCull);
    CHECK(r.rdi == ~0ull);
    CHECK(r.rsi == 0xDEAD);
    CHECK(r.rbx == 0xB);
    CHECK(r.rbp == 0xBB);
    CHECK(r.rsp == 0x10004000);
    CHECK(r.r12 == 12);
    CHECK(r.r15 == 15);
    CHECK(r.rip == 0x401000);
    CHECK(r.r10 == 0x77);
    CHECK(r.r8 == 0x88);
    CHECK(r.r9 == 0x99);
    CHECK_FALSE(is_blocked(p));
    CHECK(w.k.current() == p.task);
    CHECK(w.k.stats().switches == switches);
    (void)other;
}

TEST_CASE("clock: each read is one traced syscall event carrying the value", "[syscalls][clock]") {
    World w;
    Proc p = w.spawn();
    fake_arch().trace.clear();
    fake_arch().now = 42'000;
    REQUIRE(w.sys(p, HELIOS_SYS_clock).ok());
    fake_arch().now = 43'000;
    REQUIRE(w.sys(p, HELIOS_SYS_clock).ok());
    REQUIRE(fake_arch().trace.size() == 2);
    for (unsigned i = 0; i < 2; ++i) {
        const arch::TraceEvent& e = fake_arch().trace[i];
        CHECK(e.kind == arch::TraceKind::Syscall);
        CHECK(e.task_id == p.task->id());
        CHECK(e.number == HELIOS_SYS_clock);
        CHECK(e.status == 0);
        CHECK(e.value == 42'000 + 1000 * i);
    }
}
