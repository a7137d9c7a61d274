// IRQ control and IRQ handlers: issue, delivery to a notification, ack, teardown.
#include "support/ops.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

namespace {
struct Setup {
    Proc p;
    helios_caddr_t ctl = 0;
    helios_caddr_t n = 0;
};
Setup make(World& w) {
    Setup s{w.spawn()};
    auto ctl = w.k.create_boot_object(HELIOS_CT_IRQCONTROL, 0, 0);
    REQUIRE(ctl.ok());
    s.ctl = give(s.p, *ctl, HELIOS_CT_IRQCONTROL);
    s.n = w.alloc(s.p, HELIOS_CT_NOTIFICATION);
    return s;
}
SysResult issue(World& w, Setup& s, uint64_t line, helios_caddr_t dest = HELIOS_CADDR_UNDEF) {
    return w.invoke(s.p, s.ctl, HELIOS_INV_irqcontrol_issue, {line}, {s.n, dest});
}
}  // namespace

TEST_CASE("irq: issue binds a line to a notification and masks it", "[irq]") {
    World w;
    Setup s = make(w);
    SysResult r = issue(w, s, 4);
    REQUIRE(r.ok());
    auto irq_cap = static_cast<helios_caddr_t>(r.value);
    CHECK(s.p.ipc->caps[1] == irq_cap);
    CHECK(slot_of(s.p, irq_cap).type == HELIOS_CT_IRQ);
    CHECK(slot_of(s.p, irq_cap).rights == HELIOS_RIGHT_SEND);
    auto* irq = static_cast<Irq*>(slot_of(s.p, irq_cap).object);
    CHECK(irq->line() == 4);
    CHECK(w.k.irq_line(4) == irq);
    CHECK(fake_arch().masked[4]);
    CHECK(irq->notification.object == slot_of(s.p, s.n).object);
    // Issued at a chosen slot.
    REQUIRE(issue(w, s, 5, 77).ok());
    CHECK(slot_of(s.p, 77).type == HELIOS_CT_IRQ);
}

TEST_CASE("irq: lines 0, 2 and >= 16 are INVALID_PARAM", "[irq]") {
    World w;
    Setup s = make(w);
    for (uint64_t line : {0ull, 2ull, 16ull, 255ull, ~0ull}) {
        INFO("line " << line);
        CHECK(issue(w, s, line).status == Error::INVALID_PARAM);
    }
    CHECK(slot_of(s.p, s.n + 1).is_null());
    CHECK(issue(w, s, 1).ok());
    CHECK(issue(w, s, 15).ok());
}

TEST_CASE("irq: a line bound twice is BUSY", "[irq]") {
    World w;
    Setup s = make(w);
    REQUIRE(issue(w, s, 7).ok());
    uint64_t frames = w.frames_used();
    CHECK(issue(w, s, 7).status == Error::BUSY);
    CHECK(w.frames_used() == frames);
}

TEST_CASE("irq: issue checks the notification and the destination slot", "[irq]") {
    World w;
    Setup s = make(w);
    helios_caddr_t ep = w.alloc(s.p, HELIOS_CT_ENDPOINT);
    CHECK(w.invoke(s.p, s.ctl, HELIOS_INV_irqcontrol_issue, {3}, {ep, HELIOS_CADDR_UNDEF}).status ==
          Error::INVALID_CTYPE);
    REQUIRE(cap_copy(w, s.p, 40, s.n, HELIOS_RIGHT_RECV).ok());
    CHECK(w.invoke(s.p, s.ctl, HELIOS_INV_irqcontrol_issue, {3}, {40, HELIOS_CADDR_UNDEF}).status ==
          Error::NO_RIGHTS);
    CHECK(issue(w, s, 3, kSlotTask).status == Error::INVALID_CSLOT);
    CHECK(issue(w, s, 3, 9999).status == Error::INVALID_CADDR);
    CHECK(w.k.irq_line(3) == nullptr);
    CHECK_FALSE(fake_arch().masked[3]);
    CHECK(w.invoke(s.p, s.ctl, 2, {3}, {s.n, HELIOS_CADDR_UNDEF}).status == Error::INVALID_SYSCALL);
}

TEST_CASE("irq: an interrupt signals bit 1<<line and masks the line", "[irq]") {
    World w;
    Setup s = make(w);
    SysResult r = issue(w, s, 4);
    REQUIRE(r.ok());
    auto irq_cap = static_cast<helios_caddr_t>(r.value);
    REQUIRE(w.invoke(s.p, irq_cap, HELIOS_INV_irq_ack, {}).ok());
    CHECK_FALSE(fake_arch().masked[4]);
    Proc t = w.thread(s.p, 0x10100000);
    w.sys(t, HELIOS_SYS_wait, s.n);
    REQUIRE(is_blocked(t));
    w.k.enter_irq(4);
    CHECK(fake_arch().masked[4]);
    CHECK_FALSE(is_blocked(t));
    CHECK(w.result_of(t).value == (1u << 4));
    CHECK(w.k.stats().irqs == 1);
}

TEST_CASE("irq: bits of several lines accumulate in the word", "[irq]") {
    World w;
    Setup s = make(w);
    REQUIRE(issue(w, s, 3).ok());
    REQUIRE(issue(w, s, 12).ok());
    w.k.enter_irq(3);
    w.k.enter_irq(12);
    SysResult r = w.sys(s.p, HELIOS_SYS_wait, s.n);
    REQUIRE(r.ok());
    CHECK(r.value == ((1u << 3) | (1u << 12)));
}

TEST_CASE("irq: ack unmasks the line for the next interrupt", "[irq]") {
    World w;
    Setup s = make(w);
    auto irq_cap = static_cast<helios_caddr_t>(issue(w, s, 6).value);
    auto* irq = static_cast<Irq*>(slot_of(s.p, irq_cap).object);
    CHECK(irq->pending_ack);
    REQUIRE(w.invoke(s.p, irq_cap, HELIOS_INV_irq_ack, {}).ok());
    CHECK_FALSE(irq->pending_ack);
    CHECK_FALSE(fake_arch().masked[6]);
    w.k.enter_irq(6);
    CHECK(irq->pending_ack);
    CHECK(fake_arch().masked[6]);
    REQUIRE(w.invoke(s.p, irq_cap, HELIOS_INV_irq_ack, {}).ok());
    CHECK_FALSE(fake_arch().masked[6]);
    CHECK(w.invoke(s.p, irq_cap, 2, {}).status == Error::INVALID_SYSCALL);
}

TEST_CASE("irq: an interrupt on an unbound line masks it and signals nobody", "[irq]") {
    World w;
    Setup s = make(w);
    w.k.enter_irq(9);
    CHECK(fake_arch().masked[9]);
    CHECK(static_cast<Notification*>(slot_of(s.p, s.n).object)->word == 0);
    w.k.enter_irq(40);  // out of range: ignored
    CHECK(w.k.stats().irqs == 2);
}

TEST_CASE("irq: destroying the irq capability masks and unbinds the line", "[irq]") {
    World w;
    Setup s = make(w);
    auto irq_cap = static_cast<helios_caddr_t>(issue(w, s, 5).value);
    REQUIRE(w.invoke(s.p, irq_cap, HELIOS_INV_irq_ack, {}).ok());
    size_t irqs = w.k.irqs().size();
    REQUIRE(cap_destroy(w, s.p, irq_cap).ok());
    CHECK(fake_arch().masked[5]);
    CHECK(w.k.irq_line(5) == nullptr);
    CHECK(w.k.irqs().size() == irqs - 1);
    w.k.enter_irq(5);
    CHECK(static_cast<Notification*>(slot_of(s.p, s.n).object)->word == 0);
    // The line can be issued again.
    CHECK(issue(w, s, 5).ok());
}

TEST_CASE("irq: the irq keeps its notification alive; losing it silences the line", "[irq]") {
    World w;
    Setup s = make(w);
    auto irq_cap = static_cast<helios_caddr_t>(issue(w, s, 10).value);
    auto* irq = static_cast<Irq*>(slot_of(s.p, irq_cap).object);
    Object* n = slot_of(s.p, s.n).object;
    REQUIRE(cap_destroy(w, s.p, s.n).ok());
    CHECK(irq->notification.object == n);  // still alive through the irq
    w.k.destroy(n);
    CHECK(irq->notification.is_null());
    w.k.enter_irq(10);  // nothing to signal, must not crash
    CHECK(fake_arch().masked[10]);
    REQUIRE(cap_destroy(w, s.p, irq_cap).ok());
}

TEST_CASE("irq: destroying the bound notification's memory leaves the irq harmless", "[irq]") {
    World w;
    Setup s = make(w);
    helios_caddr_t m = w.alloc(s.p, HELIOS_CT_MEMORY, 4);
    REQUIRE(mem_alloc(w, s.p, m, HELIOS_CT_NOTIFICATION, 0, 1, {50}).ok());
    REQUIRE(w.invoke(s.p, s.ctl, HELIOS_INV_irqcontrol_issue, {11}, {50, 51}).ok());
    REQUIRE(cap_destroy(w, s.p, m).ok());
    CHECK(slot_of(s.p, 50).is_null());
    CHECK(slot_of(s.p, 51).type == HELIOS_CT_IRQ);
    w.k.enter_irq(11);
    CHECK(w.invoke(s.p, 51, HELIOS_INV_irq_ack, {}).ok());
}
