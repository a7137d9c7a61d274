// Blocking, waking and picking the next task: the kernel's scheduling glue.
#include "arch/arch.h"
#include "core/kernel.h"

namespace helios {

void Kernel::block(Task& task, BlockedOn on, Object* object) {
    task.blocked = on;
    task.blocked_object = object;
    scheduler_.remove(task);
    if (current_ == &task) current_ = nullptr;
}

void Kernel::unblock_silently(Task& task) {
    task.wait_link.unlink();
    for (uint32_t i = 0; i < task.poll_count; ++i) task.polls[i].link.unlink();
    task.poll_count = 0;
    if (task.blocked == BlockedOn::Reply && task.replier) {
        task.replier->reply_to = nullptr;
        task.replier = nullptr;
    }
    task.blocked = BlockedOn::None;
    task.blocked_object = nullptr;
    task.msg_is_fault = false;
}

void Kernel::make_runnable(Task& task) {
    if (!task.runnable() || &task == current_) return;
    scheduler_.enqueue(task);
}

void Kernel::wake(Task& task, Error status, uint64_t value) {
    unblock_silently(task);
    task.set_result(status, value);
    // The result of a blocked syscall arrives here: trace it, so a reader
    // sees e.g. a client's call end in ABORTED when its server died.
    arch::TraceEvent ev{};
    ev.kind = arch::TraceKind::Wake;
    ev.task_id = task.id();
    ev.status = static_cast<uint64_t>(status);
    ev.value = value;
    arch::trace(ev);
    make_runnable(task);
}

void Kernel::set_suspended(Task& task, bool suspended) {
    task.suspended = suspended;
    if (suspended) {
        scheduler_.remove(task);
        if (current_ == &task) current_ = nullptr;
    } else {
        make_runnable(task);
    }
}

void Kernel::abort_reply_wait(Task& caller) {
    caller.reply_stored = false;
    if (caller.blocked == BlockedOn::Reply) wake(caller, Error::ABORTED, 0);
}

void Kernel::reschedule_after(Task* was_running, bool yielded) {
    Task* before = was_running;
    if (current_ && !current_->runnable()) current_ = nullptr;
    if (current_) {
        int best = scheduler_.best_priority();
        if (yielded && best >= current_->priority) {
            scheduler_.enqueue(*current_);
            current_ = scheduler_.pop_next();
        } else if (best > current_->priority) {
            // Preempted by a higher priority: keep its turn at the front.
            scheduler_.enqueue_front(*current_);
            current_ = scheduler_.pop_next();
        }
    } else {
        current_ = scheduler_.pop_next();
    }
    if (current_ != before) {
        stats_.switches++;
        arch::TraceEvent ev{};
        ev.kind = arch::TraceKind::Switch;
        ev.task_id = before ? before->id() : 0;
        ev.number = current_ ? current_->id() : 0;
        arch::trace(ev);
    }
}

void Kernel::switch_to(Task& task) {
    if (current_ == &task) return;
    if (current_ && current_->runnable()) scheduler_.enqueue(*current_);
    scheduler_.remove(task);
    current_ = &task;
}

void Kernel::enter_tick() {
    // Round robin among equals: the running task goes to the tail.
    reschedule_after(current_, true);
}

bool Kernel::task_may_access_port(Task& task, uint32_t port, unsigned width) {
    CSpace* cs = task.cspace();
    if (!cs || width == 0 || port + width - 1 > 0xFFFF) return false;
    const Slot* lo = cs->slot_at(0);
    const Slot* hi = lo + cs->capacity();
    // Few IoPort objects exist; for each covering one, look for a cap to it
    // inside this task's cspace.
    for (Object* o = ioports_.front(); o; o = ioports_.next(o)) {
        auto* io = static_cast<IoPort*>(o);
        if (!io->covers(port, width)) continue;
        for (Slot* s = io->caps.front(); s; s = io->caps.next(s))
            if (s >= lo && s < hi) return true;
    }
    return false;
}

}  // namespace helios
