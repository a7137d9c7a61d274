// endpoint and notification: rendezvous, FIFO, non-blocking, call/reply, stored replies, capability transfer, badges;
// signal and wait.
#include "vulcan.h"

using namespace helios;
using namespace vulcan;

namespace {
constexpr helios_caddr_t CS = HELIOS_INIT_CAP_CSPACE;
using threads::Thread;

struct Shared {
    helios_caddr_t ep = 0;
    helios_caddr_t n = 0;
    uint64_t value = 0;
    uint64_t values[8] = {};
    uint64_t status = 0;
    uint64_t tag = 0;
    volatile unsigned count = 0;
};
Shared* shared(uint64_t arg) {
    return reinterpret_cast<Shared*>(arg);
}
uint64_t arg_of(Shared& s) {
    return reinterpret_cast<uint64_t>(&s);
}

// A thread body: send params {1, 2, 3} with label 0x42 on s->ep.
void send_123(uint64_t arg) {
    Shared* s = shared(arg);
    ipcbuf()->params[0] = 1;
    ipcbuf()->params[1] = 2;
    ipcbuf()->params[2] = 3;
    CHECK_OK(sys::send(s->ep, HELIOS_TAG(0x42, 0, 3)));
}

void check_123(sys::SysResult r) {
    CHECK_OK(r);
    CHECK_EQ(HELIOS_TAG_LABEL(r.value), 0x42);
    CHECK_EQ(HELIOS_TAG_NPARAMS(r.value), 3);
    CHECK_EQ(HELIOS_TAG_NCAPS(r.value), 0);
    CHECK_EQ(ipcbuf()->params[0], 1);
    CHECK_EQ(ipcbuf()->params[1], 2);
    CHECK_EQ(ipcbuf()->params[2], 3);
}
}  // namespace

VULCAN_TEST(endpoint, send_first) {
    Shared s;
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    Thread* t = spawn(send_123, arg_of(s));
    CHECK(wait_blocked(t));  // the sender waits for a receiver
    CHECK(task_flags(t) & HELIOS_TASK_BLOCKED);
    check_123(sys::recv(s.ep));
    join_thread(t);
}

VULCAN_TEST(endpoint, recv_first) {
    Shared s;
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    Thread* t = spawn(
        [](uint64_t arg) {
            Shared* sh = shared(arg);
            // The main thread is blocked in recv by the time this runs.
            CHECK_OK(task_info(HELIOS_INIT_CAP_TASK));
            sh->status = ipcbuf()->params[0];
            send_123(arg);
        },
        arg_of(s));
    check_123(sys::recv(s.ep));
    CHECK(s.status & HELIOS_TASK_BLOCKED);
    join_thread(t);
}

VULCAN_TEST(endpoint, fifo) {
    static Shared s;
    s = Shared{};
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    Thread* senders[3];
    uint64_t ids[3] = {11, 22, 33};
    for (int i = 0; i < 3; ++i) {
        senders[i] = spawn(
            [](uint64_t id) {
                ipcbuf()->params[0] = id;
                CHECK_OK(sys::send(s.ep, HELIOS_TAG(1, 0, 1)));
            },
            ids[i]);
        CHECK(wait_blocked(senders[i]));
    }
    // Senders leave in the order they came.
    for (int i = 0; i < 3; ++i) {
        CHECK_OK(sys::recv(s.ep));
        CHECK_EQ(ipcbuf()->params[0], ids[i]);
    }
    for (Thread* t : senders) join_thread(t);
    // Receivers too.
    Thread* receivers[3];
    for (int i = 0; i < 3; ++i) {
        receivers[i] = spawn(
            [](uint64_t slot) {
                CHECK_OK(sys::recv(s.ep));
                s.values[slot] = ipcbuf()->params[0];
            },
            static_cast<uint64_t>(i));
        CHECK(wait_blocked(receivers[i]));
    }
    for (int i = 0; i < 3; ++i) {
        ipcbuf()->params[0] = 100 + i;
        CHECK_OK(sys::send(s.ep, HELIOS_TAG(1, 0, 1)));
    }
    for (Thread* t : receivers) join_thread(t);
    for (int i = 0; i < 3; ++i) CHECK_EQ(s.values[i], 100 + i);
}

VULCAN_TEST(endpoint, nonblocking) {
    Shared s;
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    CHECK_ERR(sys::nbrecv(s.ep), WOULD_BLOCK);
    CHECK_ERR(sys::nbsend(s.ep, HELIOS_TAG(1, 0, 0)), WOULD_BLOCK);
    // With a receiver waiting, nbsend delivers.
    Thread* r = spawn(
        [](uint64_t arg) {
            sys::SysResult got = sys::recv(shared(arg)->ep);
            CHECK_OK(got);
            shared(arg)->tag = got.value;
            shared(arg)->value = ipcbuf()->params[0];
        },
        arg_of(s));
    CHECK(wait_blocked(r));
    ipcbuf()->params[0] = 7;
    CHECK_OK(sys::nbsend(s.ep, HELIOS_TAG(9, 0, 1)));
    join_thread(r);
    CHECK_EQ(HELIOS_TAG_LABEL(s.tag), 9);
    CHECK_EQ(s.value, 7);
    // With a sender waiting, nbrecv takes the message.
    Thread* w = spawn(send_123, arg_of(s));
    CHECK(wait_blocked(w));
    check_123(sys::nbrecv(s.ep));
    join_thread(w);
    CHECK_ERR(sys::nbrecv(s.ep), WOULD_BLOCK);
}

VULCAN_TEST(endpoint, call_reply) {
    Shared s;
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    Thread* t = spawn(
        [](uint64_t arg) {
            SysResult r = call(shared(arg)->ep, 1, {20, 22});
            CHECK_OK(r);
            CHECK_EQ(HELIOS_TAG_LABEL(r.value), 2);
            CHECK_EQ(HELIOS_TAG_NPARAMS(r.value), 1);
            shared(arg)->value = ipcbuf()->params[0];
        },
        arg_of(s));
    sys::SysResult got = sys::recv(s.ep);
    CHECK_OK(got);
    CHECK_EQ(HELIOS_TAG_LABEL(got.value), 1);
    uint64_t sum = ipcbuf()->params[0] + ipcbuf()->params[1];
    CHECK(task_flags(t) & HELIOS_TASK_BLOCKED);  // waits for the answer
    CHECK_OK(reply(2, {sum}));
    CHECK_ERR(reply(2, {sum}), INVALID_CSLOT);  // answered once
    join_thread(t);
    CHECK_EQ(s.value, 42);
}

VULCAN_TEST(endpoint, store_reply) {
    Shared s;
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    CHECK_ERR(sys::store_reply(HELIOS_CADDR_UNDEF), INVALID_CSLOT);  // nothing to store
    auto caller = [](uint64_t arg) {
        SysResult r = call(shared(arg)->ep, 1, {5});
        shared(arg)->status = r.status;
        shared(arg)->tag = r.value;
        shared(arg)->value = ipcbuf()->params[0];
    };
    Thread* t = spawn(caller, arg_of(s));
    CHECK_OK(sys::recv(s.ep));
    sys::SysResult stored = sys::store_reply(HELIOS_CADDR_UNDEF);
    CHECK_OK(stored);
    auto rc = static_cast<helios_caddr_t>(stored.value);
    CHECK_EQ(type_of(rc), HELIOS_CT_REPLY);
    CHECK_ERR(sys::reply(HELIOS_TAG(3, 0, 0)), INVALID_CSLOT);  // the implicit reply is gone
    CHECK_ERR(cspace_copy(CS, HELIOS_CADDR_UNDEF, rc), UNSUPPORTED);
    SysResult moved = cspace_move(CS, HELIOS_CADDR_UNDEF, rc);
    CHECK_OK(moved);
    rc = static_cast<helios_caddr_t>(moved.value);
    // Answer later with an ordinary send on the stored reply; it is used up.
    ipcbuf()->params[0] = 99;
    CHECK_OK(sys::send(rc, HELIOS_TAG(3, 0, 1)));
    CHECK_EQ(type_of(rc), HELIOS_CT_NULL_CAP);
    join_thread(t);
    CHECK_EQ(s.status, HELIOS_ENONE);
    CHECK_EQ(HELIOS_TAG_LABEL(s.tag), 3);
    CHECK_EQ(s.value, 99);
    // A stored reply destroyed unanswered aborts the caller's wait.
    t = spawn(caller, arg_of(s));
    CHECK_OK(sys::recv(s.ep));
    stored = sys::store_reply(HELIOS_CADDR_UNDEF);
    CHECK_OK(stored);
    destroy(static_cast<helios_caddr_t>(stored.value));
    join_thread(t);
    CHECK_EQ(s.status, HELIOS_EABORTED);
}

VULCAN_TEST(endpoint, capability_transfer) {
    static Shared s;
    s = Shared{};
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    Thread* t = spawn(
        [](uint64_t arg) {
            ipcbuf()->caps[0] = HELIOS_CADDR_UNDEF;
            sys::SysResult r = sys::recv(shared(arg)->ep);
            CHECK_OK(r);
            CHECK_EQ(HELIOS_TAG_NCAPS(r.value), 1);
            helios_caddr_t got = ipcbuf()->caps[0];
            CHECK_EQ(type_of(got), HELIOS_CT_NOTIFICATION);
            shared(arg)->n = got;
            CHECK_OK(sys::signal(got));
        },
        arg_of(s));
    CHECK(wait_blocked(t));
    CHECK_OK(invoke(s.ep, 5, {}, {n}));
    join_thread(t);
    // The capability moved: gone here, usable there.
    CHECK_EQ(type_of(n), HELIOS_CT_NULL_CAP);
    CHECK_EQ(type_of(s.n), HELIOS_CT_NOTIFICATION);
    sys::SysResult w = sys::nbwait(s.n);
    CHECK_OK(w);
    CHECK_EQ(w.value, 1);
    // Without GRANT no capability travels.
    SysResult nogrant = cspace_copy(CS, HELIOS_CADDR_UNDEF, s.ep, HELIOS_RIGHT_SEND | HELIOS_RIGHT_RECV);
    CHECK_OK(nogrant);
    CHECK_ERR(invoke(static_cast<helios_caddr_t>(nogrant.value), 5, {}, {s.n}), NO_RIGHTS);
    CHECK_EQ(type_of(s.n), HELIOS_CT_NOTIFICATION);
    // A capability the receiver has no room for stays with the sender.
    helios_caddr_t occupied = alloc(HELIOS_CT_ENDPOINT);
    s.value = occupied;
    t = spawn(
        [](uint64_t) {
            ipcbuf()->caps[0] = static_cast<helios_caddr_t>(s.value);
            sys::SysResult r = sys::recv(s.ep);
            CHECK_OK(r);
            s.tag = r.value;
        },
        0);
    CHECK(wait_blocked(t));
    CHECK_OK(invoke(s.ep, 6, {}, {s.n}));
    join_thread(t);
    CHECK_EQ(HELIOS_TAG_NCAPS(s.tag), 0);
    CHECK_EQ(type_of(s.n), HELIOS_CT_NOTIFICATION);
    CHECK_EQ(type_of(occupied), HELIOS_CT_ENDPOINT);
    CHECK_OK(cspace_destroy(CS, {s.n, static_cast<helios_caddr_t>(nogrant.value), occupied}));
}

VULCAN_TEST(endpoint, badge) {
    Shared s;
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    SysResult minted = cspace_mint(CS, HELIOS_CADDR_UNDEF, s.ep, HELIOS_RIGHTS_ALL, 0x1234);
    CHECK_OK(minted);
    s.n = static_cast<helios_caddr_t>(minted.value);
    Thread* t = spawn(
        [](uint64_t arg) {
            CHECK_OK(sys::send(shared(arg)->n, HELIOS_TAG(1, 0, 0)));
            CHECK_OK(sys::send(shared(arg)->ep, HELIOS_TAG(2, 0, 0)));
        },
        arg_of(s));
    CHECK_OK(sys::recv(s.ep));
    CHECK_EQ(ipcbuf()->badge, 0x1234);
    CHECK_OK(sys::recv(s.ep));
    CHECK_EQ(ipcbuf()->badge, 0);
    join_thread(t);
    destroy(s.n);
}

VULCAN_TEST(endpoint, destroy_wakes) {
    Shared s;
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    auto receiver = [](uint64_t arg) { shared(arg)->status = sys::recv(shared(arg)->ep).status; };
    Thread* t = spawn(receiver, arg_of(s));
    CHECK(wait_blocked(t));
    destroy(s.ep);
    join_thread(t);
    CHECK_EQ(s.status, HELIOS_EABORTED);
    // A blocked sender too.
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    t = spawn([](uint64_t arg) { shared(arg)->status = sys::send(shared(arg)->ep, HELIOS_TAG(1, 0, 0)).status; },
              arg_of(s));
    CHECK(wait_blocked(t));
    destroy(s.ep);
    join_thread(t);
    CHECK_EQ(s.status, HELIOS_EABORTED);
}

// ---- notification ----

VULCAN_TEST(notification, wait) {
    Shared s;
    s.n = alloc(HELIOS_CT_NOTIFICATION);  // destroyed with the test's memory
    Thread* t = spawn(
        [](uint64_t arg) {
            sys::SysResult r = sys::wait(shared(arg)->n);
            CHECK_OK(r);
            shared(arg)->value = r.value;
        },
        arg_of(s));
    CHECK(wait_blocked(t));
    CHECK_OK(sys::signal(s.n));
    join_thread(t);
    CHECK_EQ(s.value, 1);
}

VULCAN_TEST(notification, nbwait) {
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    CHECK_ERR(sys::nbwait(n), WOULD_BLOCK);
    CHECK_OK(sys::signal(n));
    sys::SysResult r = sys::nbwait(n);
    CHECK_OK(r);
    CHECK_EQ(r.value, 1);
    CHECK_ERR(sys::nbwait(n), WOULD_BLOCK);  // consumed
    // Badges OR into the word until it is taken.
    SysResult a = cspace_mint(CS, HELIOS_CADDR_UNDEF, n, HELIOS_RIGHTS_ALL, 0x4);
    SysResult b = cspace_mint(CS, HELIOS_CADDR_UNDEF, n, HELIOS_RIGHTS_ALL, 0x10);
    CHECK_OK(a);
    CHECK_OK(b);
    CHECK_OK(sys::signal(static_cast<helios_caddr_t>(a.value)));
    CHECK_OK(sys::signal(static_cast<helios_caddr_t>(b.value)));
    CHECK_OK(sys::signal(static_cast<helios_caddr_t>(b.value)));
    r = sys::wait(n);  // already signalled: does not block
    CHECK_OK(r);
    CHECK_EQ(r.value, 0x14);
    // recv on a notification waits too; send signals.
    CHECK_OK(sys::send(n, HELIOS_TAG(0, 0, 0)));
    CHECK_OK(sys::nbrecv(n));
    CHECK_OK(cspace_destroy(CS, {static_cast<helios_caddr_t>(a.value), static_cast<helios_caddr_t>(b.value)}));
}

VULCAN_TEST(notification, several_waiters) {
    static Shared s;
    s = Shared{};
    s.n = alloc(HELIOS_CT_NOTIFICATION);
    Thread* t[3];
    for (uint64_t i = 0; i < 3; ++i) {
        t[i] = spawn(
            [](uint64_t slot) {
                sys::SysResult r = sys::wait(s.n);
                CHECK_OK(r);
                s.values[slot] = r.value;
            },
            i);
        CHECK(wait_blocked(t[i]));
    }
    // One signal wakes them all.
    CHECK_OK(sys::signal(s.n));
    for (Thread* th : t) join_thread(th);
    for (int i = 0; i < 3; ++i) CHECK_EQ(s.values[i], 1);
    CHECK_ERR(sys::nbwait(s.n), WOULD_BLOCK);
}

VULCAN_TEST(notification, signal_never_blocks) {
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    for (int i = 0; i < 100; ++i) CHECK_OK(sys::signal(n));
    CHECK_OK(task_info(HELIOS_INIT_CAP_TASK));
    CHECK_EQ(ipcbuf()->params[0] & HELIOS_TASK_BLOCKED, 0);
    sys::SysResult r = sys::nbwait(n);
    CHECK_OK(r);
    CHECK_EQ(r.value, 1);
    // Signalling with a waiter blocked elsewhere does not block either.
    Shared s;
    s.n = n;
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    Thread* t = spawn([](uint64_t arg) { (void)sys::recv(shared(arg)->ep); }, arg_of(s));
    CHECK(wait_blocked(t));
    CHECK_OK(sys::signal(n));
    CHECK_OK(sys::nbwait(n));
    CHECK_OK(sys::send(s.ep, HELIOS_TAG(1, 0, 0)));
    join_thread(t);
}

VULCAN_TEST(notification, rights_and_types) {
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    SysResult so = cspace_copy(CS, HELIOS_CADDR_UNDEF, n, HELIOS_RIGHT_SEND);
    SysResult ro = cspace_copy(CS, HELIOS_CADDR_UNDEF, n, HELIOS_RIGHT_RECV);
    CHECK_OK(so);
    CHECK_OK(ro);
    auto send_only = static_cast<helios_caddr_t>(so.value);
    auto recv_only = static_cast<helios_caddr_t>(ro.value);
    CHECK_ERR(sys::wait(send_only), NO_RIGHTS);
    CHECK_ERR(sys::nbwait(send_only), NO_RIGHTS);
    CHECK_ERR(sys::signal(recv_only), NO_RIGHTS);
    CHECK_OK(sys::signal(send_only));
    CHECK_OK(sys::nbwait(recv_only));
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    CHECK_ERR(sys::signal(ep), INVALID_CTYPE);
    CHECK_ERR(sys::nbwait(ep), INVALID_CTYPE);
    CHECK_ERR(sys::signal(HELIOS_INIT_CAP_MEMORY), INVALID_CTYPE);
    // Destroying a notification wakes its waiters with ABORTED.
    Shared s;
    s.n = n;
    Thread* t = spawn([](uint64_t arg) { shared(arg)->status = sys::wait(shared(arg)->n).status; }, arg_of(s));
    CHECK(wait_blocked(t));
    CHECK_OK(cspace_destroy(CS, {n, send_only, recv_only}));
    join_thread(t);
    CHECK_EQ(s.status, HELIOS_EABORTED);
}

// ---- poll ----

VULCAN_TEST(poll, notifications) {
    helios_caddr_t a = alloc(HELIOS_CT_NOTIFICATION);
    helios_caddr_t b = alloc(HELIOS_CT_NOTIFICATION);
    helios_pollcap set[2] = {{a, HELIOS_POLL_RECV, 0}, {b, HELIOS_POLL_RECV, 0}};
    CHECK_OK(sys::signal(b));
    sys::SysResult r = sys::poll(reinterpret_cast<uint64_t>(set), 2);
    CHECK_OK(r);
    CHECK_EQ(r.value, 1);
    CHECK_EQ(set[0].revents, 0);
    CHECK_EQ(set[1].revents, HELIOS_POLL_RECV);
    // Poll does not consume the signal.
    CHECK_OK(sys::nbwait(b));
    // Nothing ready: poll blocks until a signal arrives.
    static helios_caddr_t g_a;
    g_a = a;
    Thread* t = spawn([](uint64_t) { CHECK_OK(sys::signal(g_a)); }, 0);
    r = sys::poll(reinterpret_cast<uint64_t>(set), 2);
    CHECK_OK(r);
    CHECK_EQ(r.value, 1);
    CHECK_EQ(set[0].revents, HELIOS_POLL_RECV);
    CHECK_EQ(set[1].revents, 0);
    join_thread(t);
    CHECK_OK(sys::nbwait(a));
}

VULCAN_TEST(poll, endpoints) {
    Shared s;
    s.ep = alloc(HELIOS_CT_ENDPOINT);
    s.n = alloc(HELIOS_CT_NOTIFICATION);
    helios_pollcap set[2] = {{s.n, HELIOS_POLL_RECV, 0}, {s.ep, HELIOS_POLL_RECV | HELIOS_POLL_SEND, 0}};
    // A queued sender makes the endpoint readable.
    Thread* t = spawn(send_123, arg_of(s));
    CHECK(wait_blocked(t));
    sys::SysResult r = sys::poll(reinterpret_cast<uint64_t>(set), 2);
    CHECK_OK(r);
    CHECK_EQ(set[1].revents, HELIOS_POLL_RECV);
    check_123(sys::recv(s.ep));
    join_thread(t);
    // A queued receiver makes it writable.
    t = spawn([](uint64_t arg) { CHECK_OK(sys::recv(shared(arg)->ep)); }, arg_of(s));
    CHECK(wait_blocked(t));
    r = sys::poll(reinterpret_cast<uint64_t>(set), 2);
    CHECK_OK(r);
    CHECK_EQ(set[1].revents, HELIOS_POLL_SEND);
    CHECK_OK(sys::nbsend(s.ep, HELIOS_TAG(1, 0, 0)));
    join_thread(t);
    // Blocked in poll, woken by a sender arriving.
    t = spawn(send_123, arg_of(s));
    helios_pollcap one[1] = {{s.ep, HELIOS_POLL_RECV, 0}};
    r = sys::poll(reinterpret_cast<uint64_t>(one), 1);
    CHECK_OK(r);
    CHECK_EQ(one[0].revents, HELIOS_POLL_RECV);
    check_123(sys::recv(s.ep));
    join_thread(t);
}

VULCAN_TEST(poll, errors) {
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    helios_caddr_t page = alloc(HELIOS_CT_PAGE);
    SysResult so = cspace_copy(CS, HELIOS_CADDR_UNDEF, n, HELIOS_RIGHT_SEND);
    CHECK_OK(so);
    CHECK_OK(sys::signal(n));
    helios_pollcap e[1] = {{n, HELIOS_POLL_RECV, 0}};
    auto p = reinterpret_cast<uint64_t>(e);
    CHECK_ERR(sys::poll(p, 0), INVALID_PARAM);
    CHECK_ERR(sys::poll(p, HELIOS_POLL_MAX + 1), INVALID_PARAM);
    CHECK_ERR(sys::poll(p, 1ull << 40), INVALID_PARAM);
    CHECK_ERR(sys::poll(ctx().va, 1), INVALID_PARAM);  // unmapped
    CHECK_ERR(sys::poll(HELIOS_USER_TOP, 1), INVALID_PARAM);
    e[0] = {n, 0, 0};
    CHECK_ERR(sys::poll(p, 1), INVALID_PARAM);
    e[0] = {n, 0x4, 0};
    CHECK_ERR(sys::poll(p, 1), INVALID_PARAM);
    e[0] = {4096, HELIOS_POLL_RECV, 0};
    CHECK_ERR(sys::poll(p, 1), INVALID_CADDR);
    e[0] = {empty_slot(), HELIOS_POLL_RECV, 0};
    CHECK_ERR(sys::poll(p, 1), INVALID_CSLOT);
    e[0] = {page, HELIOS_POLL_RECV, 0};
    CHECK_ERR(sys::poll(p, 1), INVALID_CTYPE);
    e[0] = {static_cast<helios_caddr_t>(so.value), HELIOS_POLL_RECV, 0};
    CHECK_ERR(sys::poll(p, 1), NO_RIGHTS);
    destroy(static_cast<helios_caddr_t>(so.value));
}
