// Scheduler run queues.
#include "sched/scheduler.h"

namespace helios {

void Scheduler::enqueue(Task& task) {
    if (queued(task)) return;
    queues_[task.priority].push_back(&task);
    bitmap_ |= 1u << task.priority;
}

void Scheduler::enqueue_front(Task& task) {
    if (queued(task)) return;
    queues_[task.priority].push_front(&task);
    bitmap_ |= 1u << task.priority;
}

void Scheduler::remove(Task& task) {
    if (!queued(task)) return;
    task.run_link.unlink();
    if (queues_[task.priority].empty()) bitmap_ &= ~(1u << task.priority);
}

Task* Scheduler::pop_next() {
    int level = best_priority();
    if (level < 0) return nullptr;
    Task* task = queues_[level].pop_front();
    if (queues_[level].empty()) bitmap_ &= ~(1u << level);
    return task;
}

}  // namespace helios
