// Poll: readiness of endpoints and notifications, blocking and waking, errors.
#include "support/ops.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace helios;
using namespace helios::test;

namespace {
constexpr uint64_t kPollAddr = kDataAddr + 0x100;

void put(World& w, Proc& p, std::vector<helios_pollcap> v, uint64_t at = kPollAddr) {
    REQUIRE(w.poke(p, at, v.data(), v.size() * sizeof(helios_pollcap)));
}
std::vector<helios_pollcap> get(World& w, Proc& p, size_t n, uint64_t at = kPollAddr) {
    std::vector<helios_pollcap> v(n);
    REQUIRE(w.peek(p, at, v.data(), n * sizeof(helios_pollcap)));
    return v;
}
helios_pollcap entry(helios_caddr_t cap, uint16_t events) { return helios_pollcap{cap, events, 0xFFFF}; }
}  // namespace

TEST_CASE("poll: ready entries are reported in revents and counted", "[poll]") {
    World w;
    Proc p = w.spawn();
    Proc s = w.thread(p, 0x10100000);
    helios_caddr_t n_set = w.alloc(p, HELIOS_CT_NOTIFICATION);
    helios_caddr_t n_empty = w.alloc(p, HELIOS_CT_NOTIFICATION);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    helios_caddr_t ep_idle = w.alloc(p, HELIOS_CT_ENDPOINT);
    REQUIRE(w.sys(p, HELIOS_SYS_signal, n_set).ok());
    w.sys(s, HELIOS_SYS_send, ep, HELIOS_TAG(1, 0, 0));  // a sender waits on ep
    REQUIRE(is_blocked(s));
    put(w, p,
        {entry(n_set, HELIOS_POLL_RECV), entry(n_empty, HELIOS_POLL_RECV), entry(ep, HELIOS_POLL_RECV),
         entry(ep, HELIOS_POLL_SEND), entry(ep_idle, HELIOS_POLL_RECV | HELIOS_POLL_SEND)});
    SysResult r = w.sys(p, HELIOS_SYS_poll, kPollAddr, 5);
    REQUIRE(r.ok());
    CHECK(r.value == 2);
    auto out = get(w, p, 5);
    CHECK(out[0].revents == HELIOS_POLL_RECV);
    CHECK(out[1].revents == 0);
    CHECK(out[2].revents == HELIOS_POLL_RECV);
    CHECK(out[3].revents == 0);
    CHECK(out[4].revents == 0);
    CHECK(out[0].cap == n_set);  // the rest of the entry is left alone
    CHECK(out[0].events == HELIOS_POLL_RECV);
    // Polling does not consume anything.
    CHECK(static_cast<Notification*>(slot_of(p, n_set).object)->word == 1);
    CHECK(is_blocked(s));
}

TEST_CASE("poll: SEND readiness: a waiting receiver, or any notification", "[poll]") {
    World w;
    Proc p = w.spawn();
    Proc r = w.thread(p, 0x10100000);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    w.sys(r, HELIOS_SYS_recv, ep);
    put(w, p, {entry(ep, HELIOS_POLL_SEND | HELIOS_POLL_RECV), entry(n, HELIOS_POLL_SEND)});
    SysResult res = w.sys(p, HELIOS_SYS_poll, kPollAddr, 2);
    REQUIRE(res.ok());
    CHECK(res.value == 2);
    auto out = get(w, p, 2);
    CHECK(out[0].revents == HELIOS_POLL_SEND);
    CHECK(out[1].revents == HELIOS_POLL_SEND);
}

TEST_CASE("poll: a blocking poll is woken by a signal", "[poll]") {
    World w;
    Proc p = w.spawn();
    Proc t = w.thread(p, 0x10100000);
    helios_caddr_t n1 = w.alloc(p, HELIOS_CT_NOTIFICATION);
    helios_caddr_t n2 = w.alloc(p, HELIOS_CT_NOTIFICATION);
    put(w, t, {entry(n1, HELIOS_POLL_RECV), entry(n2, HELIOS_POLL_RECV)});
    w.sys(t, HELIOS_SYS_poll, kPollAddr, 2);
    REQUIRE(is_blocked(t));
    CHECK(t.task->blocked == BlockedOn::Poll);
    REQUIRE(w.sys(p, HELIOS_SYS_signal, n2).ok());
    CHECK_FALSE(is_blocked(t));
    CHECK(w.result_of(t).status == Error::NONE);
    CHECK(w.result_of(t).value == 1);
    auto out = get(w, t, 2);
    CHECK(out[0].revents == 0);
    CHECK(out[1].revents == HELIOS_POLL_RECV);
    CHECK(w.k.scheduler().queued(*t.task));
    // The registrations are gone: another signal finds no poller.
    CHECK(static_cast<Notification*>(slot_of(p, n1).object)->pollers.empty());
    CHECK(static_cast<Notification*>(slot_of(p, n2).object)->pollers.empty());
}

TEST_CASE("poll: a blocking poll is woken by an arriving sender", "[poll]") {
    World w;
    Proc p = w.spawn();
    Proc t = w.thread(p, 0x10100000);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    put(w, t, {entry(ep, HELIOS_POLL_RECV)});
    w.sys(t, HELIOS_SYS_poll, kPollAddr, 1);
    REQUIRE(is_blocked(t));
    w.sys(p, HELIOS_SYS_send, ep, HELIOS_TAG(5, 0, 0));
    CHECK(is_blocked(p));  // the sender still waits for a receiver
    CHECK_FALSE(is_blocked(t));
    CHECK(w.result_of(t).value == 1);
    CHECK(get(w, t, 1)[0].revents == HELIOS_POLL_RECV);
    // The poller can now take the message.
    SysResult r = w.sys(t, HELIOS_SYS_recv, ep);
    REQUIRE(r.ok());
    CHECK(HELIOS_TAG_LABEL(r.value) == 5);
}

TEST_CASE("poll: a blocking poll for SEND is woken by an arriving receiver", "[poll]") {
    World w;
    Proc p = w.spawn();
    Proc t = w.thread(p, 0x10100000);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    put(w, t, {entry(ep, HELIOS_POLL_SEND)});
    w.sys(t, HELIOS_SYS_poll, kPollAddr, 1);
    REQUIRE(is_blocked(t));
    w.sys(p, HELIOS_SYS_recv, ep);
    CHECK_FALSE(is_blocked(t));
    CHECK(get(w, t, 1)[0].revents == HELIOS_POLL_SEND);
}

TEST_CASE("poll: an event that does not make an entry ready keeps the poll blocked", "[poll]") {
    World w;
    Proc p = w.spawn();
    Proc t = w.thread(p, 0x10100000);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    put(w, t, {entry(ep, HELIOS_POLL_RECV)});
    w.sys(t, HELIOS_SYS_poll, kPollAddr, 1);
    REQUIRE(is_blocked(t));
    w.sys(p, HELIOS_SYS_recv, ep);  // a receiver does not make RECV ready
    CHECK(is_blocked(t));
    CHECK(t.task->blocked == BlockedOn::Poll);
    CHECK(static_cast<Endpoint*>(slot_of(p, ep).object)->pollers.size() == 1);
}

TEST_CASE("poll: nothing ready without anything to wait on blocks; count bounds", "[poll]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    std::vector<helios_pollcap> many(HELIOS_POLL_MAX, entry(n, HELIOS_POLL_RECV));
    put(w, p, many);
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, 0).status == Error::INVALID_PARAM);
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, HELIOS_POLL_MAX + 1).status == Error::INVALID_PARAM);
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, ~0ull).status == Error::INVALID_PARAM);
    REQUIRE(w.sys(p, HELIOS_SYS_signal, n).ok());
    SysResult r = w.sys(p, HELIOS_SYS_poll, kPollAddr, HELIOS_POLL_MAX);
    REQUIRE(r.ok());
    CHECK(r.value == HELIOS_POLL_MAX);
}

TEST_CASE("poll: a bad entry pointer is INVALID_PARAM", "[poll]") {
    World w;
    Proc p = w.spawn();
    CHECK(w.sys(p, HELIOS_SYS_poll, 0x20000000, 1).status == Error::INVALID_PARAM);
    CHECK(w.sys(p, HELIOS_SYS_poll, HELIOS_USER_TOP - 4, 1).status == Error::INVALID_PARAM);
    // Entries running off the end of the mapped data.
    const uint64_t edge = kDataAddr + kDataPages * HELIOS_PAGE_SIZE - sizeof(helios_pollcap);
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    put(w, p, {entry(n, HELIOS_POLL_SEND)}, edge);
    CHECK(w.sys(p, HELIOS_SYS_poll, edge, 2).status == Error::INVALID_PARAM);
    CHECK(w.sys(p, HELIOS_SYS_poll, edge, 1).ok());
    CHECK_FALSE(is_blocked(p));
}

TEST_CASE("poll: entries in a read-only page cannot be answered", "[poll]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    const uint64_t ro = kDataAddr + 8 * HELIOS_PAGE_SIZE;
    helios_caddr_t pg = map_page(w, p, ro);
    put(w, p, {entry(n, HELIOS_POLL_SEND)}, ro);
    REQUIRE(w.invoke(p, pg, HELIOS_INV_page_protect, {0}).ok());
    CHECK(w.sys(p, HELIOS_SYS_poll, ro, 1).status == Error::INVALID_PARAM);
}

TEST_CASE("poll: wrong object type is INVALID_CTYPE; bad caps, events and rights", "[poll]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    put(w, p, {entry(n, HELIOS_POLL_RECV), entry(kSlotMemory, HELIOS_POLL_RECV)});
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, 2).status == Error::INVALID_CTYPE);
    put(w, p, {entry(100, HELIOS_POLL_RECV)});
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, 1).status == Error::INVALID_CSLOT);
    put(w, p, {entry(5000, HELIOS_POLL_RECV)});
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, 1).status == Error::INVALID_CADDR);
    put(w, p, {entry(n, 0)});
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, 1).status == Error::INVALID_PARAM);
    put(w, p, {entry(n, 0x4)});
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, 1).status == Error::INVALID_PARAM);
    REQUIRE(cap_copy(w, p, 30, n, HELIOS_RIGHT_SEND).ok());
    put(w, p, {entry(30, HELIOS_POLL_RECV)});
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, 1).status == Error::NO_RIGHTS);
    REQUIRE(cap_copy(w, p, 31, n, HELIOS_RIGHT_RECV).ok());
    put(w, p, {entry(31, HELIOS_POLL_SEND)});
    CHECK(w.sys(p, HELIOS_SYS_poll, kPollAddr, 1).status == Error::NO_RIGHTS);
    CHECK_FALSE(is_blocked(p));
    CHECK(static_cast<Notification*>(slot_of(p, n).object)->pollers.empty());
}

TEST_CASE("poll: destroying a polled object wakes the poller with an error", "[poll]") {
    World w;
    Proc p = w.spawn();
    Proc t = w.thread(p, 0x10100000);
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    put(w, t, {entry(ep, HELIOS_POLL_RECV), entry(n, HELIOS_POLL_RECV)});
    w.sys(t, HELIOS_SYS_poll, kPollAddr, 2);
    REQUIRE(is_blocked(t));
    REQUIRE(cap_destroy(w, p, n).ok());
    CHECK_FALSE(is_blocked(t));
    CHECK(w.result_of(t).status == Error::INVALID_CSLOT);
    CHECK(static_cast<Endpoint*>(slot_of(p, ep).object)->pollers.empty());
}

TEST_CASE("poll: destroying a polling task unregisters it everywhere", "[poll]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t tcap = 0;
    Proc t = w.thread(p, 0x10100000, &tcap);
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    put(w, t, {entry(n, HELIOS_POLL_RECV), entry(ep, HELIOS_POLL_RECV), entry(n, HELIOS_POLL_RECV)});
    w.sys(t, HELIOS_SYS_poll, kPollAddr, 3);
    REQUIRE(is_blocked(t));
    CHECK(static_cast<Notification*>(slot_of(p, n).object)->pollers.size() == 2);
    REQUIRE(cap_destroy(w, p, tcap).ok());
    CHECK(static_cast<Notification*>(slot_of(p, n).object)->pollers.empty());
    CHECK(static_cast<Endpoint*>(slot_of(p, ep).object)->pollers.empty());
    CHECK(w.sys(p, HELIOS_SYS_signal, n).ok());
}

TEST_CASE("poll: one object polled twice by a task wakes it once", "[poll]") {
    World w;
    Proc p = w.spawn();
    Proc t = w.thread(p, 0x10100000);
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    put(w, t, {entry(n, HELIOS_POLL_RECV), entry(n, HELIOS_POLL_RECV)});
    w.sys(t, HELIOS_SYS_poll, kPollAddr, 2);
    REQUIRE(is_blocked(t));
    REQUIRE(w.sys(p, HELIOS_SYS_signal, n).ok());
    CHECK_FALSE(is_blocked(t));
    CHECK(w.result_of(t).value == 2);
    CHECK(static_cast<Notification*>(slot_of(p, n).object)->pollers.empty());
}

TEST_CASE("poll: a poller that lost its cspace is woken safely by a signal", "[poll]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    // A task with a cspace of its own (holding the notification) in p's vspace.
    helios_caddr_t cs = w.alloc(p, HELIOS_CT_CSPACE, 4);
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    const uint64_t ipc = kDataAddr + 3 * HELIOS_PAGE_SIZE;
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_configure, {ipc}, {cs, kSlotVSpace}).ok());
    REQUIRE(cap_copy_to(w, p, 1, n, cs).ok());
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_resume, {}).ok());
    Proc tp = p;
    tp.task = static_cast<Task*>(slot_of(p, t).object);
    tp.cspace = static_cast<CSpace*>(slot_of(p, cs).object);
    tp.ipc = w.k.ipcbuf_of(*tp.task);
    put(w, tp, {entry(1, HELIOS_POLL_RECV)});
    w.sys(tp, HELIOS_SYS_poll, kPollAddr, 1);
    REQUIRE(is_blocked(tp));
    w.k.destroy(tp.cspace);
    CHECK_FALSE(tp.task->configured());
    // The notification survives (p holds it); signalling re-evaluates the poll.
    REQUIRE(w.sys(p, HELIOS_SYS_signal, n).ok());
    CHECK_FALSE(is_blocked(tp));
    CHECK(w.result_of(tp).status == Error::INVALID_CSLOT);
    CHECK_FALSE(w.k.scheduler().queued(*tp.task));
}
