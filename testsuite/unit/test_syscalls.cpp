// Syscall entry: dispatch of every number, unknown numbers, writecons, yield,
// register conventions and the trace.
#include "support/ops.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace helios;
using namespace helios::test;

namespace {
// A process with a signalled notification at kN, so waits return at once.
constexpr helios_caddr_t kN = 20;
struct Setup {
    Proc p, q;
};
Setup make(World& w) {
    Setup s{w.spawn(), w.spawn()};
    helios_caddr_t n = w.alloc(s.p, HELIOS_CT_NOTIFICATION);
    REQUIRE(cap_move(w, s.p, kN, n).ok());
    return s;
}
}  // namespace

TEST_CASE("syscalls: every syscall number reaches its handler", "[syscalls]") {
    struct Case {
        uint64_t nr;
        uint64_t a0, a1;
        Error expect;
    };
    const uint64_t poll_at = kDataAddr + 0x40;
    const Case cases[] = {
        {HELIOS_SYS_writecons, kDataAddr, 0, Error::NONE},
        {HELIOS_SYS_yield, 0, 0, Error::NONE},
        {HELIOS_SYS_identify, kN, 0, Error::NONE},
        {HELIOS_SYS_send, kN, 0, Error::NONE},
        {HELIOS_SYS_nbsend, kN, 0, Error::NONE},
        {HELIOS_SYS_recv, kN, 0, Error::NONE},
        {HELIOS_SYS_nbrecv, kN, 0, Error::NONE},
        {HELIOS_SYS_call, kN, 0, Error::NONE},
        {HELIOS_SYS_reply, 0, 0, Error::INVALID_CSLOT},
        {HELIOS_SYS_signal, kN, 0, Error::NONE},
        {HELIOS_SYS_wait, kN, 0, Error::NONE},
        {HELIOS_SYS_nbwait, kN, 0, Error::NONE},
        {HELIOS_SYS_poll, poll_at, 1, Error::NONE},
        {HELIOS_SYS_store_reply, HELIOS_CADDR_UNDEF, 0, Error::INVALID_CSLOT},
        {HELIOS_SYS_replyrecv, 0, kN, Error::NONE},
        {HELIOS_SYS_exit, 3, 0, Error::NONE},
        {HELIOS_SYS_clock, 0, 0, Error::NONE},
    };
    STATIC_REQUIRE(sizeof cases / sizeof cases[0] == HELIOS_SYSCALL_COUNT);
    for (const Case& c : cases) {
        INFO("syscall " << c.nr);
        World w;
        Setup s = make(w);
        REQUIRE(w.sys(s.p, HELIOS_SYS_signal, kN).ok());
        helios_pollcap pc{kN, HELIOS_POLL_RECV, 0};
        REQUIRE(w.poke(s.p, poll_at, &pc, sizeof pc));
        SysResult r = w.sys(s.p, c.nr, c.a0, c.a1);
        CHECK(r.status == c.expect);
        CHECK_FALSE(is_blocked(s.p));
    }
}

TEST_CASE("syscalls: unknown numbers are INVALID_SYSCALL", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    for (uint64_t nr : {uint64_t{HELIOS_SYSCALL_COUNT}, uint64_t{60}, uint64_t{231}, uint64_t{1} << 32,
                        ~uint64_t{0}}) {
        INFO("nr " << nr);
        p.task->regs.rdx = 0x1234;
        SysResult r = w.sys(p, nr, 1, 2, 3);
        CHECK(r.status == Error::INVALID_SYSCALL);
        CHECK(r.value == 0);
        CHECK(w.k.current() == p.task);
    }
}

TEST_CASE("syscalls: results in rax and rdx; other registers are preserved", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    helios_regs& r = p.task->regs;
    r.rbx = 0xB;
    r.rbp = 0xBB;
    r.rsp = 0x10004000;
    r.r12 = 12;
    r.r15 = 15;
    r.rip = 0x401000;
    SysResult res = w.sys(p, HELIOS_SYS_identify, kSlotTask, 0, 0, 0x77, 0x88, 0x99);
    REQUIRE(res.ok());
    CHECK(r.rbx == 0xB);
    CHECK(r.rbp == 0xBB);
    CHECK(r.rsp == 0x10004000);
    CHECK(r.r12 == 12);
    CHECK(r.r15 == 15);
    CHECK(r.rip == 0x401000);
    CHECK(r.r10 == 0x77);
    CHECK(r.r8 == 0x88);
    CHECK(r.r9 == 0x99);
    CHECK(p.task->dirty == kDirtyResult);
}

TEST_CASE("syscalls: a caddr argument wider than 32 bits never aliases a slot", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    CHECK(w.sys(p, HELIOS_SYS_signal, (1ull << 32) | n).status == Error::INVALID_CADDR);
    CHECK(w.sys(p, HELIOS_SYS_send, (1ull << 40) | kSlotMemory, 0).status == Error::INVALID_CADDR);
    CHECK(w.sys(p, HELIOS_SYS_wait, (1ull << 32) | n).status == Error::INVALID_CADDR);
}

TEST_CASE("writecons: bytes go to the console and rdx is the count", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    const char msg[] = "hello, helios\n";
    REQUIRE(w.poke(p, kDataAddr, msg, sizeof msg - 1));
    fake_arch().console.clear();
    SysResult r = w.sys(p, HELIOS_SYS_writecons, kDataAddr, sizeof msg - 1);
    REQUIRE(r.ok());
    CHECK(r.value == sizeof msg - 1);
    CHECK(fake_arch().console == msg);
    r = w.sys(p, HELIOS_SYS_writecons, 0, 0);  // nothing to write, any address
    REQUIRE(r.ok());
    CHECK(r.value == 0);
    CHECK(fake_arch().console == msg);
}

TEST_CASE("writecons: a long write spanning pages arrives whole", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    std::string text;
    for (int i = 0; text.size() < 3 * HELIOS_PAGE_SIZE; ++i) text += "line " + std::to_string(i) + "\n";
    text.resize(3 * HELIOS_PAGE_SIZE);
    const uint64_t at = kDataAddr + 123;
    REQUIRE(w.poke(p, at, text.data(), text.size()));
    fake_arch().console.clear();
    SysResult r = w.sys(p, HELIOS_SYS_writecons, at, text.size());
    REQUIRE(r.ok());
    CHECK(r.value == text.size());
    CHECK(fake_arch().console == text);
}

TEST_CASE("writecons: unmapped or too long is INVALID_PARAM and writes nothing", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    fake_arch().console.clear();
    CHECK(w.sys(p, HELIOS_SYS_writecons, 0x20000000, 4).status == Error::INVALID_PARAM);
    // Starts mapped, ends past the last data page.
    const uint64_t end = kDataAddr + kDataPages * HELIOS_PAGE_SIZE;
    CHECK(w.sys(p, HELIOS_SYS_writecons, end - 300, 301).status == Error::INVALID_PARAM);
    CHECK(w.sys(p, HELIOS_SYS_writecons, end - 300, 300).ok());
    fake_arch().console.clear();
    CHECK(w.sys(p, HELIOS_SYS_writecons, kDataAddr, 64 * 1024 + 1).status == Error::INVALID_PARAM);
    CHECK(w.sys(p, HELIOS_SYS_writecons, kDataAddr, ~0ull).status == Error::INVALID_PARAM);
    CHECK(w.sys(p, HELIOS_SYS_writecons, HELIOS_USER_TOP - 2, 4).status == Error::INVALID_PARAM);
    CHECK(w.sys(p, HELIOS_SYS_writecons, ~0ull - 1, 4).status == Error::INVALID_PARAM);
    CHECK(fake_arch().console.empty());
}

TEST_CASE("writecons: exactly 64 KiB is accepted", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    const uint64_t base = 0x10040000;  // 16 more pages in the same table
    for (unsigned i = 0; i < 16; ++i) map_page(w, p, base + i * HELIOS_PAGE_SIZE);
    std::string text(64 * 1024, 'x');
    REQUIRE(w.poke(p, base, text.data(), text.size()));
    fake_arch().console.clear();
    SysResult r = w.sys(p, HELIOS_SYS_writecons, base, text.size());
    REQUIRE(r.ok());
    CHECK(r.value == 64 * 1024);
    CHECK(fake_arch().console.size() == 64 * 1024);
}

TEST_CASE("yield: alone, a task keeps running", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    uint64_t switches = w.k.stats().switches;
    REQUIRE(w.sys(p, HELIOS_SYS_yield).ok());
    CHECK(w.k.current() == p.task);
    REQUIRE(w.sys(p, HELIOS_SYS_yield).ok());
    CHECK(w.k.current() == p.task);
    CHECK(w.k.stats().switches == switches);
}

TEST_CASE("yield: two tasks of equal priority alternate", "[syscalls]") {
    World w;
    Proc a = w.spawn();
    Proc b = w.spawn();
    for (int i = 0; i < 4; ++i) {
        REQUIRE(w.sys(a, HELIOS_SYS_yield).ok());
        CHECK(w.k.current() == b.task);
        REQUIRE(w.sys(b, HELIOS_SYS_yield).ok());
        CHECK(w.k.current() == a.task);
    }
}

TEST_CASE("trace: each syscall is recorded with its arguments and result", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    fake_arch().trace.clear();
    uint64_t before = w.k.stats().syscalls;
    SysResult r = w.sys(p, HELIOS_SYS_identify, kSlotMemory, 11, 22, 33, 44, 55);
    REQUIRE(r.ok());
    CHECK(w.k.stats().syscalls == before + 1);
    REQUIRE(fake_arch().trace.size() == 1);
    const arch::TraceEvent& e = fake_arch().trace[0];
    CHECK(e.kind == arch::TraceKind::Syscall);
    CHECK(e.task_id == p.task->id());
    CHECK(e.number == HELIOS_SYS_identify);
    CHECK(e.args[0] == kSlotMemory);
    CHECK(e.args[1] == 11);
    CHECK(e.args[2] == 22);
    CHECK(e.args[3] == 33);
    CHECK(e.args[4] == 44);
    CHECK(e.args[5] == 55);
    CHECK(e.status == 0);
    CHECK(e.value == r.value);
    w.sys(p, 99);
    REQUIRE(fake_arch().trace.size() == 2);
    CHECK(fake_arch().trace[1].number == 99);
    CHECK(fake_arch().trace[1].status == static_cast<uint64_t>(Error::INVALID_SYSCALL));
}

TEST_CASE("trace: a syscall that blocks is recorded without a result", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    fake_arch().trace.clear();
    w.sys(p, HELIOS_SYS_recv, ep);
    REQUIRE_FALSE(fake_arch().trace.empty());
    const arch::TraceEvent& e = fake_arch().trace[0];
    CHECK(e.kind == arch::TraceKind::Syscall);
    CHECK(e.number == HELIOS_SYS_recv);
    CHECK(e.status == ~0ull);
}

TEST_CASE("trace: interrupts are recorded", "[syscalls]") {
    World w;
    Proc p = w.spawn();
    w.k.switch_to(*p.task);
    fake_arch().trace.clear();
    w.k.enter_irq(7);
    REQUIRE_FALSE(fake_arch().trace.empty());
    CHECK(fake_arch().trace[0].kind == arch::TraceKind::Irq);
    CHECK(fake_arch().trace[0].number == 7);
    CHECK(fake_arch().trace[0].task_id == p.task->id());
}
