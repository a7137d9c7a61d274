// Endpoint IPC: rendezvous, queues, non-blocking variants, call/reply, reply
// capabilities, replyrecv, capability transfer, badges, rights, teardown.
#include "support/ops.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

namespace {
// Two processes, each holding a capability to one endpoint at slot kEp.
constexpr helios_caddr_t kEp = 10;

struct Pair {
    Proc a, b;
    Endpoint* ep;
};
Pair make_pair_on_endpoint(World& w, uint8_t rights_a = HELIOS_RIGHTS_ALL, uint8_t rights_b = HELIOS_RIGHTS_ALL) {
    Pair x{w.spawn(), w.spawn(), nullptr};
    helios_caddr_t e = w.alloc(x.a, HELIOS_CT_ENDPOINT);
    x.ep = static_cast<Endpoint*>(slot_of(x.a, e).object);
    REQUIRE(cap_move(w, x.a, kEp, e).ok());
    slot_of(x.a, kEp).rights = rights_a;
    give(x.b, x.ep, HELIOS_CT_ENDPOINT, rights_b, kEp);
    return x;
}

void set_params(Proc& p, std::initializer_list<uint64_t> v) {
    unsigned i = 0;
    for (uint64_t x : v) p.ipc->params[i++] = x;
}
}  // namespace

TEST_CASE("endpoint: receiver first, then sender: the message arrives", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    REQUIRE(is_blocked(x.b));
    CHECK(x.ep->receivers.front() == x.b.task);
    set_params(x.a, {11, 22, 33});
    SysResult r = w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(0x55, 0, 3));
    CHECK(r.ok());
    CHECK_FALSE(is_blocked(x.a));
    CHECK_FALSE(is_blocked(x.b));
    CHECK(w.result_of(x.b).status == Error::NONE);
    CHECK(w.result_of(x.b).value == HELIOS_TAG(0x55, 0, 3));
    CHECK(x.b.ipc->params[0] == 11);
    CHECK(x.b.ipc->params[1] == 22);
    CHECK(x.b.ipc->params[2] == 33);
    CHECK(x.ep->receivers.empty());
}

TEST_CASE("endpoint: sender first, then receiver: the sender blocks until taken", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    set_params(x.a, {7});
    w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(3, 0, 1));
    REQUIRE(is_blocked(x.a));
    CHECK(x.a.task->blocked == BlockedOn::Send);
    CHECK(x.ep->senders.front() == x.a.task);
    // The sender's buffer is read when the message is taken.
    x.a.ipc->params[0] = 8;
    SysResult r = w.sys(x.b, HELIOS_SYS_recv, kEp);
    REQUIRE(r.ok());
    CHECK(r.value == HELIOS_TAG(3, 0, 1));
    CHECK(x.b.ipc->params[0] == 8);
    CHECK_FALSE(is_blocked(x.a));
    CHECK(w.result_of(x.a).status == Error::NONE);
    CHECK(w.k.scheduler().queued(*x.a.task));
}

TEST_CASE("endpoint: several senders are served in FIFO order", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    Proc s2 = w.thread(x.a, 0x10100000);
    Proc s3 = w.thread(x.a, 0x10101000);
    w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 0));
    w.sys(s2, HELIOS_SYS_send, kEp, HELIOS_TAG(2, 0, 0));
    w.sys(s3, HELIOS_SYS_send, kEp, HELIOS_TAG(3, 0, 0));
    CHECK(x.ep->senders.size() == 3);
    for (uint64_t label = 1; label <= 3; ++label) {
        SysResult r = w.sys(x.b, HELIOS_SYS_recv, kEp);
        REQUIRE(r.ok());
        CHECK(HELIOS_TAG_LABEL(r.value) == label);
    }
    CHECK(w.sys(x.b, HELIOS_SYS_nbrecv, kEp).status == Error::WOULD_BLOCK);
}

TEST_CASE("endpoint: several receivers are served in FIFO order", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    Proc r2 = w.thread(x.b, 0x10100000);
    Proc r3 = w.thread(x.b, 0x10101000);
    w.sys(r2, HELIOS_SYS_recv, kEp);
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    w.sys(r3, HELIOS_SYS_recv, kEp);
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 0)).ok());
    CHECK_FALSE(is_blocked(r2));
    CHECK(is_blocked(x.b));
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(2, 0, 0)).ok());
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(3, 0, 0)).ok());
    CHECK(HELIOS_TAG_LABEL(w.result_of(r2).value) == 1);
    CHECK(HELIOS_TAG_LABEL(w.result_of(x.b).value) == 2);
    CHECK(HELIOS_TAG_LABEL(w.result_of(r3).value) == 3);
}

TEST_CASE("endpoint: nbsend and nbrecv give WOULD_BLOCK with nobody waiting", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    CHECK(w.sys(x.a, HELIOS_SYS_nbsend, kEp, HELIOS_TAG(1, 0, 0)).status == Error::WOULD_BLOCK);
    CHECK_FALSE(is_blocked(x.a));
    CHECK(x.ep->senders.empty());
    CHECK(w.sys(x.b, HELIOS_SYS_nbrecv, kEp).status == Error::WOULD_BLOCK);
    CHECK(x.ep->receivers.empty());
}

TEST_CASE("endpoint: nbsend and nbrecv succeed when the peer waits", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    CHECK(w.sys(x.a, HELIOS_SYS_nbsend, kEp, HELIOS_TAG(4, 0, 0)).ok());
    CHECK(HELIOS_TAG_LABEL(w.result_of(x.b).value) == 4);
    w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(5, 0, 0));
    SysResult r = w.sys(x.b, HELIOS_SYS_nbrecv, kEp);
    REQUIRE(r.ok());
    CHECK(HELIOS_TAG_LABEL(r.value) == 5);
}

TEST_CASE("endpoint: call and reply carry tag and params both ways", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);  // a = client, b = server
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    set_params(x.a, {100, 200});
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(0x10, 0, 2));
    REQUIRE(is_blocked(x.a));
    CHECK(x.a.task->blocked == BlockedOn::Reply);
    CHECK(x.b.task->reply_to == x.a.task);
    CHECK(w.result_of(x.b).value == HELIOS_TAG(0x10, 0, 2));
    CHECK(x.b.ipc->params[1] == 200);
    set_params(x.b, {300, 400, 500});
    SysResult r = w.sys(x.b, HELIOS_SYS_reply, HELIOS_TAG(0x20, 0, 3));
    REQUIRE(r.ok());
    CHECK_FALSE(is_blocked(x.a));
    CHECK(w.result_of(x.a).status == Error::NONE);
    CHECK(w.result_of(x.a).value == HELIOS_TAG(0x20, 0, 3));
    CHECK(x.a.ipc->params[0] == 300);
    CHECK(x.a.ipc->params[2] == 500);
    CHECK(x.b.task->reply_to == nullptr);
    // The implicit reply is used up.
    CHECK(w.sys(x.b, HELIOS_SYS_reply, HELIOS_TAG(0, 0, 0)).status == Error::INVALID_CSLOT);
}

TEST_CASE("endpoint: a call queued before the server receives still gets its reply", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    CHECK(x.a.task->blocked == BlockedOn::Send);
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    CHECK(x.a.task->blocked == BlockedOn::Reply);
    CHECK_FALSE(w.k.scheduler().queued(*x.a.task));
    REQUIRE(w.sys(x.b, HELIOS_SYS_reply, HELIOS_TAG(9, 0, 0)).ok());
    CHECK(HELIOS_TAG_LABEL(w.result_of(x.a).value) == 9);
    CHECK(w.k.scheduler().queued(*x.a.task));
}

TEST_CASE("endpoint: reply without a caller is INVALID_CSLOT", "[endpoint]") {
    World w;
    Proc p = w.spawn();
    CHECK(w.sys(p, HELIOS_SYS_reply, HELIOS_TAG(0, 0, 0)).status == Error::INVALID_CSLOT);
    // A plain send (not a call) leaves no reply behind either.
    Pair x = make_pair_on_endpoint(w);
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 0)).ok());
    CHECK(w.sys(x.b, HELIOS_SYS_reply, HELIOS_TAG(0, 0, 0)).status == Error::INVALID_CSLOT);
}

TEST_CASE("endpoint: store_reply then send on the reply capability (used once)", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    SysResult st = w.sys(x.b, HELIOS_SYS_store_reply, HELIOS_CADDR_UNDEF);
    REQUIRE(st.ok());
    auto reply = static_cast<helios_caddr_t>(st.value);
    CHECK(reply == 4);  // the lowest free slot
    CHECK(slot_of(x.b, reply).type == HELIOS_CT_REPLY);
    CHECK(x.b.task->reply_to == nullptr);
    CHECK(x.a.task->reply_stored);
    // The implicit reply moved into the cspace.
    CHECK(w.sys(x.b, HELIOS_SYS_reply, HELIOS_TAG(0, 0, 0)).status == Error::INVALID_CSLOT);
    // The server can receive other messages meanwhile.
    CHECK(w.sys(x.b, HELIOS_SYS_nbrecv, kEp).status == Error::WOULD_BLOCK);
    set_params(x.b, {0xFEED});
    REQUIRE(w.sys(x.b, HELIOS_SYS_send, reply, HELIOS_TAG(0x33, 0, 1)).ok());
    CHECK_FALSE(is_blocked(x.a));
    CHECK(w.result_of(x.a).value == HELIOS_TAG(0x33, 0, 1));
    CHECK(x.a.ipc->params[0] == 0xFEED);
    CHECK(slot_of(x.b, reply).is_null());
    CHECK(w.sys(x.b, HELIOS_SYS_send, reply, HELIOS_TAG(0x33, 0, 0)).status == Error::INVALID_CSLOT);
}

TEST_CASE("endpoint: store_reply to an explicit slot, and its errors", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    CHECK(w.sys(x.b, HELIOS_SYS_store_reply, 50).status == Error::INVALID_CSLOT);  // no caller
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    CHECK(w.sys(x.b, HELIOS_SYS_store_reply, kSlotTask).status == Error::INVALID_CSLOT);
    CHECK(w.sys(x.b, HELIOS_SYS_store_reply, 256).status == Error::INVALID_CADDR);
    CHECK(x.b.task->reply_to == x.a.task);  // failures keep the implicit reply
    SysResult st = w.sys(x.b, HELIOS_SYS_store_reply, 50);
    REQUIRE(st.ok());
    CHECK(st.value == 50);
    SysResult id = w.sys(x.b, HELIOS_SYS_identify, 50);
    CHECK(HELIOS_IDENTIFY_TYPE(id.value) == HELIOS_CT_REPLY);
}

TEST_CASE("endpoint: destroying a stored reply capability aborts the caller", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    REQUIRE(w.sys(x.b, HELIOS_SYS_store_reply, 50).ok());
    REQUIRE(cap_destroy(w, x.b, 50).ok());
    CHECK_FALSE(is_blocked(x.a));
    CHECK(w.result_of(x.a).status == Error::ABORTED);
    CHECK_FALSE(x.a.task->reply_stored);
    CHECK(w.k.scheduler().queued(*x.a.task));
}

TEST_CASE("endpoint: a new call aborts the unanswered implicit reply", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    Proc c2 = w.thread(x.a, 0x10100000);
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    w.sys(c2, HELIOS_SYS_call, kEp, HELIOS_TAG(2, 0, 0));
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    CHECK(w.result_of(x.a).status == Error::ABORTED);
    CHECK(x.b.task->reply_to == c2.task);
    REQUIRE(w.sys(x.b, HELIOS_SYS_reply, HELIOS_TAG(7, 0, 0)).ok());
    CHECK(HELIOS_TAG_LABEL(w.result_of(c2).value) == 7);
}

TEST_CASE("endpoint: replyrecv answers the caller and waits for the next message", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    Proc c2 = w.thread(x.a, 0x10100000);
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    set_params(x.b, {77});
    w.sys(x.b, HELIOS_SYS_replyrecv, HELIOS_TAG(0x99, 0, 1), kEp);
    CHECK(w.result_of(x.a).value == HELIOS_TAG(0x99, 0, 1));
    CHECK(x.a.ipc->params[0] == 77);
    CHECK(is_blocked(x.b));
    CHECK(x.b.task->blocked == BlockedOn::Recv);
    // The next call goes straight to the waiting server.
    w.sys(c2, HELIOS_SYS_call, kEp, HELIOS_TAG(2, 0, 0));
    CHECK(HELIOS_TAG_LABEL(w.result_of(x.b).value) == 2);
    CHECK(x.b.task->reply_to == c2.task);
}

TEST_CASE("endpoint: replyrecv without a caller just receives; a bad cap replies to nobody", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(4, 0, 0));
    SysResult r = w.sys(x.b, HELIOS_SYS_replyrecv, HELIOS_TAG(0, 0, 0), kEp);
    REQUIRE(r.ok());
    CHECK(HELIOS_TAG_LABEL(r.value) == 4);
    // With a caller but a bad receive capability nothing is sent.
    Proc c = w.thread(x.a, 0x10100000);
    w.sys(c, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    CHECK(w.sys(x.b, HELIOS_SYS_replyrecv, HELIOS_TAG(0, 0, 0), 200).status == Error::INVALID_CSLOT);
    CHECK(is_blocked(c));
    CHECK(x.b.task->reply_to == c.task);
}

TEST_CASE("endpoint: capabilities move with GRANT; the receiver's slot is picked for UNDEF", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    helios_caddr_t n = w.alloc(x.a, HELIOS_CT_NOTIFICATION);
    Object* obj = slot_of(x.a, n).object;
    REQUIRE(cap_mint(w, x.a, 40, n, HELIOS_RIGHT_SEND, 0x5).ok());
    x.b.ipc->caps[0] = HELIOS_CADDR_UNDEF;
    x.b.ipc->caps[1] = HELIOS_CADDR_UNDEF;
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    x.a.ipc->caps[0] = n;
    x.a.ipc->caps[1] = 40;
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 2, 0)).ok());
    CHECK(w.result_of(x.b).value == HELIOS_TAG(1, 2, 0));
    helios_caddr_t got0 = x.b.ipc->caps[0], got1 = x.b.ipc->caps[1];
    CHECK(got0 == 4);
    CHECK(got1 == 5);
    CHECK(slot_of(x.b, got0).object == obj);
    CHECK(slot_of(x.b, got1).badge == 0x5);
    CHECK(slot_of(x.b, got1).rights == HELIOS_RIGHT_SEND);
    CHECK(slot_of(x.a, n).is_null());
    CHECK(slot_of(x.a, 40).is_null());
    CHECK(obj->owning_caps() == 2);
}

TEST_CASE("endpoint: the receiver may name the slots for received capabilities", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    helios_caddr_t n = w.alloc(x.a, HELIOS_CT_NOTIFICATION);
    x.a.ipc->caps[0] = n;
    w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 1, 0));  // queued first
    x.b.ipc->caps[0] = 77;
    SysResult r = w.sys(x.b, HELIOS_SYS_recv, kEp);
    REQUIRE(r.ok());
    CHECK(HELIOS_TAG_NCAPS(r.value) == 1);
    CHECK(x.b.ipc->caps[0] == 77);
    CHECK(slot_of(x.b, 77).type == HELIOS_CT_NOTIFICATION);
    CHECK(slot_of(x.a, n).is_null());
}

TEST_CASE("endpoint: a capability that cannot be placed stays with the sender", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    helios_caddr_t n = w.alloc(x.a, HELIOS_CT_NOTIFICATION);
    x.b.ipc->caps[0] = kSlotTask;  // occupied
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    x.a.ipc->caps[0] = n;
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 1, 0)).ok());
    CHECK(HELIOS_TAG_NCAPS(w.result_of(x.b).value) == 0);
    CHECK(slot_of(x.a, n).type == HELIOS_CT_NOTIFICATION);
    CHECK(slot_of(x.b, kSlotTask).type == HELIOS_CT_TASK);
}

TEST_CASE("endpoint: sending capabilities without GRANT is NO_RIGHTS and moves nothing", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w, HELIOS_RIGHT_SEND | HELIOS_RIGHT_RECV);
    helios_caddr_t n = w.alloc(x.a, HELIOS_CT_NOTIFICATION);
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    x.a.ipc->caps[0] = n;
    CHECK(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 1, 0)).status == Error::NO_RIGHTS);
    CHECK(slot_of(x.a, n).type == HELIOS_CT_NOTIFICATION);
    CHECK(is_blocked(x.b));
    // Without capabilities the same endpoint works.
    CHECK(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 0)).ok());
}

TEST_CASE("endpoint: sending an empty or invalid slot is refused before anything moves", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    helios_caddr_t n = w.alloc(x.a, HELIOS_CT_NOTIFICATION);
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    x.a.ipc->caps[0] = n;
    x.a.ipc->caps[1] = 90;
    CHECK(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 2, 0)).status == Error::INVALID_CSLOT);
    x.a.ipc->caps[1] = 5000;
    CHECK(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 2, 0)).status == Error::INVALID_CADDR);
    CHECK(slot_of(x.a, n).type == HELIOS_CT_NOTIFICATION);
    CHECK(is_blocked(x.b));
}

TEST_CASE("endpoint: the badge of a minted capability arrives in ipcbuf.badge", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    REQUIRE(cap_mint(w, x.a, 11, kEp, HELIOS_RIGHT_SEND, 0xB00B).ok());
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, 11, HELIOS_TAG(1, 0, 0)).ok());
    CHECK(x.b.ipc->badge == 0xB00B);
    // Unbadged sends arrive with badge 0; queued senders keep their badge.
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 0)).ok());
    CHECK(x.b.ipc->badge == 0);
    w.sys(x.a, HELIOS_SYS_send, 11, HELIOS_TAG(1, 0, 0));
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    CHECK(x.b.ipc->badge == 0xB00B);
}

TEST_CASE("endpoint: send needs SEND and recv needs RECV", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w, HELIOS_RIGHT_RECV, HELIOS_RIGHT_SEND);
    CHECK(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 0)).status == Error::NO_RIGHTS);
    CHECK(w.sys(x.a, HELIOS_SYS_nbsend, kEp, HELIOS_TAG(1, 0, 0)).status == Error::NO_RIGHTS);
    CHECK(w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0)).status == Error::NO_RIGHTS);
    CHECK(w.sys(x.b, HELIOS_SYS_recv, kEp).status == Error::NO_RIGHTS);
    CHECK(w.sys(x.b, HELIOS_SYS_nbrecv, kEp).status == Error::NO_RIGHTS);
    CHECK(w.sys(x.b, HELIOS_SYS_replyrecv, 0, kEp).status == Error::NO_RIGHTS);
    CHECK(x.ep->senders.empty());
    CHECK(x.ep->receivers.empty());
}

TEST_CASE("endpoint: bad capabilities for send and recv", "[endpoint]") {
    World w;
    Proc p = w.spawn();
    CHECK(w.sys(p, HELIOS_SYS_send, 100, 0).status == Error::INVALID_CSLOT);
    CHECK(w.sys(p, HELIOS_SYS_recv, 100).status == Error::INVALID_CSLOT);
    CHECK(w.sys(p, HELIOS_SYS_call, 256, 0).status == Error::INVALID_CADDR);
    CHECK(w.sys(p, HELIOS_SYS_nbrecv, 1ull << 33).status == Error::INVALID_CADDR);
    CHECK(w.sys(p, HELIOS_SYS_recv, kSlotMemory).status == Error::INVALID_CTYPE);
    CHECK(w.sys(p, HELIOS_SYS_nbrecv, kSlotTask).status == Error::INVALID_CTYPE);
}

TEST_CASE("endpoint: destroying an endpoint aborts queued senders, callers and receivers", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    Proc s2 = w.thread(x.a, 0x10100000);
    Proc r1 = w.thread(x.b, 0x10100000);
    w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 0));
    w.sys(s2, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    REQUIRE(is_blocked(x.a));
    REQUIRE(is_blocked(s2));
    w.k.destroy(x.ep);
    CHECK(w.result_of(x.a).status == Error::ABORTED);
    CHECK(w.result_of(s2).status == Error::ABORTED);
    CHECK_FALSE(is_blocked(x.a));
    CHECK_FALSE(is_blocked(s2));
    CHECK(slot_of(x.a, kEp).is_null());
    CHECK(slot_of(x.b, kEp).is_null());
    (void)r1;
}

TEST_CASE("endpoint: destroying the last capability aborts a waiting receiver", "[endpoint]") {
    World w;
    Proc p = w.spawn();
    Proc r = w.thread(p, 0x10100000);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    w.sys(r, HELIOS_SYS_recv, ep);
    REQUIRE(is_blocked(r));
    REQUIRE(cap_destroy(w, p, ep).ok());
    CHECK(w.result_of(r).status == Error::ABORTED);
    CHECK(w.k.scheduler().queued(*r.task));
}

TEST_CASE("endpoint: too many params or caps is INVALID_PARAM", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    CHECK(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 65)).status == Error::INVALID_PARAM);
    CHECK(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 127)).status == Error::INVALID_PARAM);
    CHECK(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 9, 0)).status == Error::INVALID_PARAM);
    CHECK(w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 15, 0)).status == Error::INVALID_PARAM);
    CHECK(is_blocked(x.b));
    // The same limits hold for replies and invocations.
    CHECK(w.invoke(x.a, kSlotMemory, HELIOS_INV_memory_info, {}, {}).ok());
    CHECK(w.sys(x.a, HELIOS_SYS_send, kSlotMemory, HELIOS_TAG(HELIOS_INV_memory_info, 0, 65)).status ==
          Error::INVALID_PARAM);
    CHECK(w.sys(x.a, HELIOS_SYS_send, kSlotMemory, HELIOS_TAG(HELIOS_INV_memory_info, 9, 0)).status ==
          Error::INVALID_PARAM);
}

TEST_CASE("endpoint: the full 64 params arrive", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    for (unsigned i = 0; i < HELIOS_MAX_PARAMS; ++i) x.a.ipc->params[i] = 1000 + i;
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(1, 0, 64)).ok());
    for (unsigned i = 0; i < HELIOS_MAX_PARAMS; ++i) CHECK(x.b.ipc->params[i] == 1000 + i);
    CHECK(HELIOS_TAG_NPARAMS(w.result_of(x.b).value) == 64);
}

TEST_CASE("endpoint: a reply may carry capabilities", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w, HELIOS_RIGHT_SEND, HELIOS_RIGHT_RECV);  // no GRANT anywhere
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    helios_caddr_t n = w.alloc(x.b, HELIOS_CT_NOTIFICATION);
    x.b.ipc->caps[0] = n;
    x.a.ipc->caps[0] = HELIOS_CADDR_UNDEF;
    REQUIRE(w.sys(x.b, HELIOS_SYS_reply, HELIOS_TAG(2, 1, 0)).ok());
    CHECK(HELIOS_TAG_NCAPS(w.result_of(x.a).value) == 1);
    CHECK(slot_of(x.a, x.a.ipc->caps[0]).type == HELIOS_CT_NOTIFICATION);
    CHECK(slot_of(x.b, n).is_null());
}

TEST_CASE("endpoint: replyrecv on a capability it cannot receive on does not reply", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    REQUIRE(w.sys(x.b, HELIOS_SYS_recv, kEp).ok());
    REQUIRE(cap_copy(w, x.b, 11, kEp, HELIOS_RIGHT_SEND).ok());
    // Decode, then perform: a receive that cannot start leaves the reply unsent.
    CHECK(w.sys(x.b, HELIOS_SYS_replyrecv, HELIOS_TAG(2, 0, 0), kSlotMemory).status == Error::INVALID_CTYPE);
    CHECK(w.sys(x.b, HELIOS_SYS_replyrecv, HELIOS_TAG(2, 0, 0), 11).status == Error::NO_RIGHTS);
    CHECK(is_blocked(x.a));
    CHECK(x.b.task->reply_to == x.a.task);
    // A bad reply message is refused before the receive as well.
    CHECK(w.sys(x.b, HELIOS_SYS_replyrecv, HELIOS_TAG(2, 0, 65), kEp).status == Error::INVALID_PARAM);
    CHECK(is_blocked(x.a));
    CHECK_FALSE(is_blocked(x.b));
    // A notification is a valid thing to wait on after replying.
    helios_caddr_t n = w.alloc(x.b, HELIOS_CT_NOTIFICATION);
    REQUIRE(w.sys(x.b, HELIOS_SYS_signal, n).ok());
    SysResult r = w.sys(x.b, HELIOS_SYS_replyrecv, HELIOS_TAG(3, 0, 0), n);
    REQUIRE(r.ok());
    CHECK(r.value == 1);
    CHECK(HELIOS_TAG_LABEL(w.result_of(x.a).value) == 3);
}

TEST_CASE("endpoint: a call to a waiting server that owes a reply aborts the old caller", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    Proc c2 = w.thread(x.a, 0x10100000);
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    w.sys(x.a, HELIOS_SYS_call, kEp, HELIOS_TAG(1, 0, 0));
    REQUIRE(x.b.task->reply_to == x.a.task);
    w.sys(x.b, HELIOS_SYS_recv, kEp);  // waits again without answering
    w.sys(c2, HELIOS_SYS_call, kEp, HELIOS_TAG(2, 0, 0));
    CHECK_FALSE(is_blocked(x.a));
    CHECK(w.result_of(x.a).status == Error::ABORTED);
    CHECK(x.a.task->replier == nullptr);
    CHECK(x.b.task->reply_to == c2.task);
    CHECK(c2.task->replier == x.b.task);
}

TEST_CASE("endpoint: a receiver without an IPC buffer gets the label only", "[endpoint]") {
    World w;
    Pair x = make_pair_on_endpoint(w);
    helios_caddr_t n = w.alloc(x.a, HELIOS_CT_NOTIFICATION);
    w.sys(x.b, HELIOS_SYS_recv, kEp);
    // The receiver's IPC buffer page disappears while it waits.
    for (Page* pg = x.b.vspace->pages.front(); pg; pg = x.b.vspace->pages.next(pg))
        if (pg->vaddr() == kIpcBufAddr) {
            w.k.paging().unmap_page(*pg);
            break;
        }
    REQUIRE(w.k.ipcbuf_of(*x.b.task) == nullptr);
    x.a.ipc->params[0] = 5;
    x.a.ipc->caps[0] = n;
    REQUIRE(w.sys(x.a, HELIOS_SYS_send, kEp, HELIOS_TAG(0x42, 1, 1)).ok());
    CHECK(w.result_of(x.b).status == Error::NONE);
    CHECK(w.result_of(x.b).value == HELIOS_TAG(0x42, 0, 0));
    CHECK(slot_of(x.a, n).type == HELIOS_CT_NOTIFICATION);  // not lost
}
