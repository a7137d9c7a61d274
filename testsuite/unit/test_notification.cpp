// Notification: signal, wait, nbwait, badges, several waiters, send/recv.
#include "support/ops.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

namespace {
struct Setup {
    Proc p;
    helios_caddr_t n;
    Notification* obj;
};
Setup make(World& w) {
    Setup s{w.spawn(), 0, nullptr};
    s.n = w.alloc(s.p, HELIOS_CT_NOTIFICATION);
    s.obj = static_cast<Notification*>(slot_of(s.p, s.n).object);
    return s;
}
}  // namespace

TEST_CASE("notification: signal never blocks and sets bit 0 without a badge", "[notification]") {
    World w;
    Setup s = make(w);
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, s.n).ok());
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, s.n).ok());
    CHECK_FALSE(is_blocked(s.p));
    CHECK(s.obj->word == 1);
}

TEST_CASE("notification: wait returns the word and clears it", "[notification]") {
    World w;
    Setup s = make(w);
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, s.n).ok());
    SysResult r = w.sys(s.p, HELIOS_SYS_wait, s.n);
    REQUIRE(r.ok());
    CHECK(r.value == 1);
    CHECK(s.obj->word == 0);
    CHECK_FALSE(is_blocked(s.p));
}

TEST_CASE("notification: nbwait gives WOULD_BLOCK on an empty word", "[notification]") {
    World w;
    Setup s = make(w);
    CHECK(w.sys(s.p, HELIOS_SYS_nbwait, s.n).status == Error::WOULD_BLOCK);
    CHECK_FALSE(is_blocked(s.p));
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, s.n).ok());
    SysResult r = w.sys(s.p, HELIOS_SYS_nbwait, s.n);
    REQUIRE(r.ok());
    CHECK(r.value == 1);
    CHECK(w.sys(s.p, HELIOS_SYS_nbwait, s.n).status == Error::WOULD_BLOCK);
}

TEST_CASE("notification: a waiter blocks until a signal and gets the word", "[notification]") {
    World w;
    Setup s = make(w);
    Proc t = w.thread(s.p, 0x10100000);
    REQUIRE(cap_mint(w, s.p, 20, s.n, HELIOS_RIGHT_SEND, 0x40).ok());
    w.sys(t, HELIOS_SYS_wait, s.n);
    REQUIRE(is_blocked(t));
    CHECK(t.task->blocked == BlockedOn::Wait);
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, 20).ok());
    CHECK_FALSE(is_blocked(t));
    CHECK(w.result_of(t).status == Error::NONE);
    CHECK(w.result_of(t).value == 0x40);
    CHECK(s.obj->word == 0);
}

TEST_CASE("notification: several waiters are all woken with the same word", "[notification]") {
    World w;
    Setup s = make(w);
    Proc t1 = w.thread(s.p, 0x10100000);
    Proc t2 = w.thread(s.p, 0x10101000);
    Proc t3 = w.thread(s.p, 0x10102000);
    w.sys(t1, HELIOS_SYS_wait, s.n);
    w.sys(t2, HELIOS_SYS_wait, s.n);
    w.sys(t3, HELIOS_SYS_recv, s.n);
    REQUIRE(cap_mint(w, s.p, 20, s.n, HELIOS_RIGHT_SEND, 0x6).ok());
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, 20).ok());
    for (Proc* t : {&t1, &t2, &t3}) {
        CHECK_FALSE(is_blocked(*t));
        CHECK(w.result_of(*t).value == 0x6);
    }
    CHECK(s.obj->waiters.empty());
    CHECK(s.obj->word == 0);
}

TEST_CASE("notification: badge bits OR together until waited for", "[notification]") {
    World w;
    Setup s = make(w);
    REQUIRE(cap_mint(w, s.p, 20, s.n, HELIOS_RIGHT_SEND, 0x1).ok());
    REQUIRE(cap_mint(w, s.p, 21, s.n, HELIOS_RIGHT_SEND, 0x10).ok());
    REQUIRE(cap_mint(w, s.p, 22, s.n, HELIOS_RIGHT_SEND, 0x8000000000000000ull).ok());
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, 21).ok());
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, 22).ok());
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, 21).ok());
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, 20).ok());
    SysResult r = w.sys(s.p, HELIOS_SYS_wait, s.n);
    REQUIRE(r.ok());
    CHECK(r.value == 0x8000000000000011ull);
}

TEST_CASE("notification: send and recv behave as signal and wait", "[notification]") {
    World w;
    Setup s = make(w);
    REQUIRE(cap_mint(w, s.p, 20, s.n, HELIOS_RIGHT_SEND, 0x4).ok());
    CHECK(w.sys(s.p, HELIOS_SYS_send, 20, HELIOS_TAG(1, 0, 0)).ok());
    CHECK(w.sys(s.p, HELIOS_SYS_nbsend, s.n, 0).ok());
    CHECK_FALSE(is_blocked(s.p));
    SysResult r = w.sys(s.p, HELIOS_SYS_recv, s.n);
    REQUIRE(r.ok());
    CHECK(r.value == 0x5);
    CHECK(w.sys(s.p, HELIOS_SYS_nbrecv, s.n).status == Error::WOULD_BLOCK);
    // call on a notification signals and does not wait for a reply.
    CHECK(w.sys(s.p, HELIOS_SYS_call, s.n, 0).ok());
    CHECK_FALSE(is_blocked(s.p));
    CHECK(s.obj->word == 1);
    Proc t = w.thread(s.p, 0x10100000);
    w.sys(t, HELIOS_SYS_recv, s.n);  // the word is consumed at once
    CHECK_FALSE(is_blocked(t));
    w.sys(t, HELIOS_SYS_recv, s.n);
    CHECK(is_blocked(t));
    REQUIRE(w.sys(s.p, HELIOS_SYS_send, 20, 0).ok());
    CHECK(w.result_of(t).value == 0x4);
}

TEST_CASE("notification: signal needs SEND, wait needs RECV, both need a notification", "[notification]") {
    World w;
    Setup s = make(w);
    REQUIRE(cap_copy(w, s.p, 20, s.n, HELIOS_RIGHT_RECV).ok());
    REQUIRE(cap_copy(w, s.p, 21, s.n, HELIOS_RIGHT_SEND).ok());
    CHECK(w.sys(s.p, HELIOS_SYS_signal, 20).status == Error::NO_RIGHTS);
    CHECK(w.sys(s.p, HELIOS_SYS_send, 20, 0).status == Error::NO_RIGHTS);
    CHECK(s.obj->word == 0);
    CHECK(w.sys(s.p, HELIOS_SYS_wait, 21).status == Error::NO_RIGHTS);
    CHECK(w.sys(s.p, HELIOS_SYS_nbwait, 21).status == Error::NO_RIGHTS);
    CHECK(w.sys(s.p, HELIOS_SYS_recv, 21).status == Error::NO_RIGHTS);
    helios_caddr_t ep = w.alloc(s.p, HELIOS_CT_ENDPOINT);
    CHECK(w.sys(s.p, HELIOS_SYS_signal, ep).status == Error::INVALID_CTYPE);
    CHECK(w.sys(s.p, HELIOS_SYS_wait, ep).status == Error::INVALID_CTYPE);
    CHECK(w.sys(s.p, HELIOS_SYS_signal, 200).status == Error::INVALID_CSLOT);
    CHECK(w.sys(s.p, HELIOS_SYS_wait, 999).status == Error::INVALID_CADDR);
    CHECK(w.sys(s.p, HELIOS_SYS_nbwait, 200).status == Error::INVALID_CSLOT);
}

TEST_CASE("notification: destroying it aborts the waiters", "[notification]") {
    World w;
    Setup s = make(w);
    Proc t = w.thread(s.p, 0x10100000);
    w.sys(t, HELIOS_SYS_wait, s.n);
    REQUIRE(is_blocked(t));
    REQUIRE(cap_destroy(w, s.p, s.n).ok());
    CHECK_FALSE(is_blocked(t));
    CHECK(w.result_of(t).status == Error::ABORTED);
}

TEST_CASE("notification: invoking kernel labels on it just signals", "[notification]") {
    // Endpoints and notifications are not invoked objects: a send with any
    // label is a signal.
    World w;
    Setup s = make(w);
    CHECK(w.invoke(s.p, s.n, 99, {1, 2}).ok());
    CHECK(s.obj->word == 1);
}

TEST_CASE("notification: a destroyed waiter leaves the queue", "[notification]") {
    World w;
    Setup s = make(w);
    helios_caddr_t tcap = 0;
    Proc t = w.thread(s.p, 0x10100000, &tcap);
    Proc u = w.thread(s.p, 0x10101000);
    w.sys(t, HELIOS_SYS_wait, s.n);
    w.sys(u, HELIOS_SYS_wait, s.n);
    REQUIRE(s.obj->waiters.size() == 2);
    REQUIRE(cap_destroy(w, s.p, tcap).ok());
    CHECK(s.obj->waiters.size() == 1);
    CHECK(s.obj->waiters.front() == u.task);
    REQUIRE(w.sys(s.p, HELIOS_SYS_signal, s.n).ok());
    CHECK(w.result_of(u).value == 1);
}
