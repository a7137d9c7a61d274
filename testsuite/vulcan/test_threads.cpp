// threads: create, join, detach, TLS per thread, suspend/resume; scheduler: yield and priorities.
#include <helios/tls.h>

#include "vulcan.h"

using namespace helios;
using namespace vulcan;

namespace {
using threads::Thread;

struct Shared {
    volatile uint64_t value = 0;
    volatile uint64_t stop = 0;
    uint64_t values[8] = {};
    helios_caddr_t n = 0;
    unsigned log_len = 0;
    char log[16] = {};
};
Shared* shared(uint64_t arg) {
    return reinterpret_cast<Shared*>(arg);
}
uint64_t arg_of(Shared& s) {
    return reinterpret_cast<uint64_t>(&s);
}

thread_local uint64_t tl_data = 0x1234;  // .tdata
thread_local uint64_t tl_bss;            // .tbss
alignas(64) thread_local uint8_t tl_aligned[64];

[[noreturn]] void nested_exit(uint64_t status) {
    threads::exit(status);
}
}  // namespace

VULCAN_TEST(threads, create_join) {
    Shared s;
    CHECK(threads::self() == nullptr);  // the main thread
    CHECK_EQ(live_threads(), 0);
    Thread* t = spawn(
        [](uint64_t arg) {
            CHECK(threads::self() != nullptr);
            shared(arg)->value = 42;
            nested_exit(7);
        },
        arg_of(s), HELIOS_PRIORITY_DEFAULT, false);
    CHECK_EQ(live_threads(), 1);
    // Created suspended: nothing runs before start.
    CHECK(task_flags(t) & HELIOS_TASK_SUSPENDED);
    (void)sys::yield();
    CHECK_EQ(s.value, 0);
    CHECK_OK(threads::start(t));
    CHECK_EQ(join_thread(t), 7);
    CHECK_EQ(s.value, 42);
    CHECK_EQ(live_threads(), 0);
    // Returning from the entry ends the thread with status 0.
    t = spawn([](uint64_t arg) { shared(arg)->value = 43; }, arg_of(s));
    CHECK_EQ(join_thread(t), 0);
    CHECK_EQ(s.value, 43);
    // A thread may itself make and join threads.
    t = spawn(
        [](uint64_t arg) {
            Thread* inner = spawn([](uint64_t a) { shared(a)->value = 44; }, arg);
            CHECK_EQ(join_thread(inner), 0);
        },
        arg_of(s));
    join_thread(t);
    CHECK_EQ(s.value, 44);
}

VULCAN_TEST(threads, detach) {
    Shared s;
    s.n = alloc(HELIOS_CT_NOTIFICATION);
    // Detached while running: it frees itself when it ends.
    Thread* t = spawn([](uint64_t arg) { CHECK_OK(sys::wait(shared(arg)->n)); }, arg_of(s));
    CHECK(wait_blocked(t));
    CHECK_OK(threads::detach(t));
    forget_thread(t);
    CHECK_EQ(live_threads(), 1);
    CHECK_OK(sys::signal(s.n));
    for (int i = 0; i < 100 && live_threads() != 0; ++i) (void)sys::yield();
    CHECK_EQ(live_threads(), 0);
    // Detached after it ended: freed at once.
    t = spawn([](uint64_t arg) { shared(arg)->value = 1; }, arg_of(s));
    for (int i = 0; i < 100 && s.value == 0; ++i) (void)sys::yield();
    CHECK_EQ(s.value, 1);
    CHECK_OK(threads::detach(t));
    forget_thread(t);
    CHECK_EQ(live_threads(), 0);
}

VULCAN_TEST(threads, tls) {
    static Shared s;
    s = Shared{};
    tl_data = 1;
    tl_bss = 2;
    auto body = [](uint64_t slot) {
        // A fresh copy of the template in every thread.
        CHECK_EQ(tl_data, 0x1234);
        CHECK_EQ(tl_bss, 0);
        uintptr_t aligned = reinterpret_cast<uintptr_t>(tl_aligned);
        asm("" : "+r"(aligned));  // no folding: the address is computed at run time
        CHECK_EQ(aligned % 64, 0);
        tl_aligned[0] = static_cast<uint8_t>(slot + 1);
        CHECK_EQ(tls::thread_pointer(), reinterpret_cast<uintptr_t>(tls::tcb()));
        CHECK(tls::tcb()->thread == threads::self());
        tl_data = 100 + slot;
        tl_bss = 200 + slot;
        s.values[slot] = reinterpret_cast<uintptr_t>(&tl_data);
        s.values[slot + 2] = reinterpret_cast<uintptr_t>(ipcbuf());
        for (int i = 0; i < 3; ++i) (void)sys::yield();  // let the other thread run
        CHECK_EQ(tl_data, 100 + slot);
        CHECK_EQ(tl_bss, 200 + slot);
        CHECK_EQ(tl_aligned[0], slot + 1);
    };
    Thread* a = spawn(body, 0);
    Thread* b = spawn(body, 1);
    join_thread(a);
    join_thread(b);
    // The main thread's copy is its own.
    CHECK_EQ(tl_data, 1);
    CHECK_EQ(tl_bss, 2);
    uintptr_t mine = reinterpret_cast<uintptr_t>(&tl_data);
    CHECK(s.values[0] != s.values[1] && s.values[0] != mine && s.values[1] != mine);
    // Each thread has its own IPC buffer too.
    uintptr_t my_buffer = reinterpret_cast<uintptr_t>(ipcbuf());
    CHECK(s.values[2] != s.values[3] && s.values[2] != my_buffer && s.values[3] != my_buffer);
    CHECK_EQ(my_buffer, HELIOS_INIT_IPCBUF_ADDR);
}

VULCAN_TEST(threads, suspend_resume) {
    Shared s;
    Thread* t = spawn(
        [](uint64_t arg) {
            while (!shared(arg)->stop) {
                shared(arg)->value = shared(arg)->value + 1;
                (void)sys::yield();
            }
        },
        arg_of(s));
    for (int i = 0; i < 3; ++i) (void)sys::yield();
    CHECK(s.value > 0);
    CHECK_OK(threads::suspend(t));
    CHECK(task_flags(t) & HELIOS_TASK_SUSPENDED);
    uint64_t frozen = s.value;
    for (int i = 0; i < 5; ++i) (void)sys::yield();
    CHECK_EQ(s.value, frozen);
    CHECK_OK(threads::resume(t));
    for (int i = 0; i < 3; ++i) (void)sys::yield();
    CHECK(s.value > frozen);
    s.stop = 1;
    join_thread(t);
}

VULCAN_TEST(threads, many) {
    static Shared s;
    s = Shared{};
    Thread* t[8];
    for (uint64_t i = 0; i < 8; ++i)
        t[i] = spawn([](uint64_t v) { __atomic_add_fetch(&s.value, v, __ATOMIC_RELAXED); }, i + 1);
    CHECK_EQ(live_threads(), 8);
    for (Thread* th : t) join_thread(th);
    CHECK_EQ(s.value, 36);
    CHECK_EQ(live_threads(), 0);
}

// ---- scheduler ----

VULCAN_TEST(sched, yield) {
    static Shared s;
    s = Shared{};
    auto body = [](uint64_t id) {
        for (int i = 0; i < 3; ++i) {
            unsigned at = __atomic_fetch_add(&s.log_len, 1, __ATOMIC_RELAXED);
            s.log[at] = static_cast<char>(id);
            (void)sys::yield();
        }
    };
    Thread* a = spawn(body, 'A');
    Thread* b = spawn(body, 'B');
    join_thread(a);
    join_thread(b);
    // Equal priorities take turns (timer preemption may reorder them).
    CHECK_EQ(s.log_len, 6);
    unsigned as = 0;
    for (unsigned i = 0; i < 6; ++i) as += s.log[i] == 'A';
    CHECK_EQ(as, 3);
    if (!cmdline_has("free-running"))
        for (unsigned i = 0; i < 6; ++i) CHECK_EQ(s.log[i], i % 2 ? 'B' : 'A');
}

VULCAN_TEST(sched, priorities) {
    Shared s;
    // A higher priority runs as soon as it can: before start() returns.
    Thread* hi = spawn([](uint64_t arg) { shared(arg)->value = 1; }, arg_of(s), HELIOS_PRIORITY_DEFAULT + 4);
    CHECK_EQ(s.value, 1);
    join_thread(hi);
    // A lower priority waits while a higher one is runnable, yields or not.
    Thread* lo = spawn([](uint64_t arg) { shared(arg)->value = 2; }, arg_of(s), HELIOS_PRIORITY_DEFAULT - 4);
    for (int i = 0; i < 5; ++i) (void)sys::yield();
    CHECK_EQ(s.value, 1);
    join_thread(lo);  // now the main thread blocks
    CHECK_EQ(s.value, 2);
    // A higher-priority waiter preempts its signaller.
    s.n = alloc(HELIOS_CT_NOTIFICATION);
    hi = spawn(
        [](uint64_t arg) {
            CHECK_OK(sys::wait(shared(arg)->n));
            shared(arg)->value = 3;
        },
        arg_of(s), HELIOS_PRIORITY_DEFAULT + 4);
    CHECK_EQ(s.value, 2);  // it ran and blocked already
    CHECK_OK(sys::signal(s.n));
    CHECK_EQ(s.value, 3);
    join_thread(hi);
    CHECK_ERR(task_set_priority(HELIOS_INIT_CAP_TASK, HELIOS_PRIORITY_MAX + 1), INVALID_PARAM);
}

VULCAN_TEST(sched, spinner_does_not_starve) {
    // Needs timer preemption: helios-sim --free-running (or hardware), and
    // the word `free-running` on the kernel command line to say so. In the
    // deterministic simulator a task that never enters the kernel keeps the
    // processor.
    if (!cmdline_has("free-running")) skip("needs timer preemption: run with --free-running --cmdline free-running");
    static Shared s;
    s = Shared{};
    Thread* spinner = spawn(
        [](uint64_t) {
            while (!s.stop) {
            }
        },
        0);
    Thread* other = spawn([](uint64_t) { s.value = 1; }, 0);
    join_thread(other);  // the spinner runs first; only preemption lets `other` run
    CHECK_EQ(s.value, 1);
    s.stop = 1;
    join_thread(spinner);
}
