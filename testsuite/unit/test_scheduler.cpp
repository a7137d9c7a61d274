// Scheduler: priority levels, FIFO within a level, O(1) pick, enqueue_front;
// and the kernel's scheduling decisions (yield, tick, preemption).
#include "sched/scheduler.h"
#include "support/ops.h"

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

using namespace helios;
using namespace helios::test;

namespace {
std::vector<std::unique_ptr<Task>> make_tasks(unsigned n, uint8_t priority = HELIOS_PRIORITY_DEFAULT) {
    std::vector<std::unique_ptr<Task>> v;
    for (unsigned i = 0; i < n; ++i) {
        v.push_back(std::make_unique<Task>(i + 1));
        v.back()->priority = priority;
    }
    return v;
}
}  // namespace

TEST_CASE("scheduler: empty queue is idle and picks nothing", "[sched]") {
    Scheduler s;
    CHECK(s.idle());
    CHECK(s.best_priority() == -1);
    CHECK(s.pop_next() == nullptr);
}

TEST_CASE("scheduler: the highest priority is picked first", "[sched]") {
    Scheduler s;
    auto t = make_tasks(4);
    t[0]->priority = 3;
    t[1]->priority = 31;
    t[2]->priority = 0;
    t[3]->priority = 17;
    for (auto& x : t) s.enqueue(*x);
    CHECK(s.best_priority() == 31);
    CHECK(s.pop_next() == t[1].get());
    CHECK(s.pop_next() == t[3].get());
    CHECK(s.pop_next() == t[0].get());
    CHECK(s.best_priority() == 0);
    CHECK(s.pop_next() == t[2].get());
    CHECK(s.idle());
}

TEST_CASE("scheduler: FIFO within a level", "[sched]") {
    Scheduler s;
    auto t = make_tasks(5, 7);
    for (auto& x : t) s.enqueue(*x);
    for (auto& x : t) CHECK(s.pop_next() == x.get());
    CHECK(s.pop_next() == nullptr);
}

TEST_CASE("scheduler: enqueue_front puts a task at the head of its level", "[sched]") {
    Scheduler s;
    auto t = make_tasks(3, 9);
    s.enqueue(*t[0]);
    s.enqueue(*t[1]);
    s.enqueue_front(*t[2]);
    CHECK(s.pop_next() == t[2].get());
    CHECK(s.pop_next() == t[0].get());
    CHECK(s.pop_next() == t[1].get());
}

TEST_CASE("scheduler: enqueue of a queued task is a no-op (no reorder, no duplicate)", "[sched]") {
    Scheduler s;
    auto t = make_tasks(2, 5);
    s.enqueue(*t[0]);
    s.enqueue(*t[1]);
    s.enqueue(*t[0]);
    s.enqueue_front(*t[1]);
    CHECK(s.queued(*t[0]));
    CHECK(s.pop_next() == t[0].get());
    CHECK(s.pop_next() == t[1].get());
    CHECK(s.pop_next() == nullptr);
    CHECK_FALSE(s.queued(*t[0]));
}

TEST_CASE("scheduler: remove takes a task out and clears an emptied level", "[sched]") {
    Scheduler s;
    auto t = make_tasks(3);
    t[0]->priority = 20;
    t[1]->priority = 10;
    t[2]->priority = 10;
    for (auto& x : t) s.enqueue(*x);
    s.remove(*t[0]);
    CHECK_FALSE(s.queued(*t[0]));
    CHECK(s.best_priority() == 10);
    s.remove(*t[0]);  // harmless twice
    s.remove(*t[1]);
    CHECK(s.best_priority() == 10);
    s.remove(*t[2]);
    CHECK(s.idle());
}

TEST_CASE("scheduler: pick over all 32 levels with many tasks", "[sched]") {
    Scheduler s;
    auto t = make_tasks(96);
    for (unsigned i = 0; i < t.size(); ++i) {
        t[i]->priority = static_cast<uint8_t>(i % 32);
        s.enqueue(*t[i]);
    }
    int last_prio = 32;
    unsigned count = 0;
    while (Task* x = s.pop_next()) {
        CHECK(x->priority <= last_prio);
        last_prio = x->priority;
        ++count;
    }
    CHECK(count == 96);
}

TEST_CASE("sched: yield switches between two runnable tasks of equal priority", "[sched]") {
    World w;
    Proc a = w.spawn();
    Proc b = w.spawn();
    w.k.switch_to(*a.task);
    REQUIRE(w.sys(a, HELIOS_SYS_yield).ok());
    CHECK(w.k.current() == b.task);
    REQUIRE(w.sys(b, HELIOS_SYS_yield).ok());
    CHECK(w.k.current() == a.task);
}

TEST_CASE("sched: yield keeps running when only lower priorities wait", "[sched]") {
    World w;
    Proc a = w.spawn();
    Proc b = w.spawn();
    REQUIRE(w.invoke(a, kSlotTask, HELIOS_INV_task_set_priority, {20}).ok());
    REQUIRE(w.sys(a, HELIOS_SYS_yield).ok());
    CHECK(w.k.current() == a.task);
    CHECK(w.k.scheduler().queued(*b.task));
}

TEST_CASE("sched: tick rotates round robin among equals", "[sched]") {
    World w;
    Proc a = w.spawn();
    Proc b = w.spawn();
    Proc c = w.spawn();
    w.k.switch_to(*a.task);
    // Queue now: b, c (spawn order), a running.
    w.k.enter_tick();
    CHECK(w.k.current() == b.task);
    w.k.enter_tick();
    CHECK(w.k.current() == c.task);
    w.k.enter_tick();
    CHECK(w.k.current() == a.task);
}

TEST_CASE("sched: a woken higher-priority task preempts and the preempted keeps its turn", "[sched]") {
    World w;
    Proc hi = w.spawn();
    Proc lo = w.spawn();
    Proc lo2 = w.spawn();
    helios_caddr_t n = w.alloc(hi, HELIOS_CT_NOTIFICATION);
    REQUIRE(w.invoke(hi, kSlotTask, HELIOS_INV_task_set_priority, {30}).ok());
    // Share the notification with lo.
    helios_caddr_t lo_cs = give(hi, lo.cspace, HELIOS_CT_CSPACE);
    REQUIRE(cap_copy_to(w, hi, 20, n, lo_cs).ok());
    w.sys(hi, HELIOS_SYS_wait, n);
    REQUIRE(is_blocked(hi));
    // lo runs; lo2 is queued behind it.
    REQUIRE(w.sys(lo, HELIOS_SYS_signal, 20).ok());
    CHECK(w.k.current() == hi.task);
    CHECK(w.result_of(hi).value == 1);
    // hi blocks again: lo (preempted) comes before lo2.
    w.sys(hi, HELIOS_SYS_wait, n);
    CHECK(w.k.current() == lo.task);
    (void)lo2;
}

TEST_CASE("sched: lowering one's own priority below a queued task yields the CPU", "[sched]") {
    World w;
    Proc a = w.spawn();
    Proc b = w.spawn();
    REQUIRE(w.invoke(a, kSlotTask, HELIOS_INV_task_set_priority, {5}).ok());
    CHECK(w.k.current() == b.task);
    CHECK(w.k.scheduler().queued(*a.task));
}

TEST_CASE("sched: raising a queued task above the caller preempts the caller", "[sched]") {
    World w;
    Proc a = w.spawn();
    helios_caddr_t tcap = 0;
    Proc t = w.thread(a, 0x10100000, &tcap);
    REQUIRE(w.invoke(a, tcap, HELIOS_INV_task_set_priority, {25}).ok());
    CHECK(w.k.current() == t.task);
    CHECK(w.k.scheduler().queued(*a.task));
}

TEST_CASE("sched: idle when every task is blocked", "[sched]") {
    World w;
    Proc a = w.spawn();
    helios_caddr_t ep = w.alloc(a, HELIOS_CT_ENDPOINT);
    w.sys(a, HELIOS_SYS_recv, ep);
    CHECK(w.k.current() == nullptr);
    CHECK(w.k.scheduler().idle());
    // A tick with nothing to run stays idle.
    w.k.enter_tick();
    CHECK(w.k.current() == nullptr);
}

TEST_CASE("sched: a yield that switches is traced as a switch event", "[sched]") {
    World w;
    Proc a = w.spawn();
    Proc b = w.spawn();
    w.k.switch_to(*a.task);
    fake_arch().trace.clear();
    uint64_t switches = w.k.stats().switches;
    REQUIRE(w.sys(a, HELIOS_SYS_yield).ok());
    CHECK(w.k.stats().switches == switches + 1);
    bool found = false;
    for (auto& e : fake_arch().trace)
        if (e.kind == arch::TraceKind::Switch) {
            CHECK(e.task_id == a.task->id());
            CHECK(e.number == b.task->id());
            found = true;
        }
    CHECK(found);
}
