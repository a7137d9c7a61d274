// Scheduler: priority round-robin, uniprocessor, O(1) pick.
#pragma once

#include "objects/task.h"

namespace helios {

// 32 priority levels, each a FIFO run queue, plus a bitmap of non-empty
// levels: picking the next task is one count-leading-zeros. Only runnable
// tasks are queued; the running task is not in a queue.
class Scheduler {
public:
    static constexpr unsigned kLevels = HELIOS_PRIORITY_MAX + 1;

    // Queue a runnable task at the tail of its level (no-op if queued).
    void enqueue(Task& task);
    // Queue at the head: a preempted task by a higher priority keeps its turn.
    void enqueue_front(Task& task);
    void remove(Task& task);
    bool queued(const Task& task) const { return task.run_link.linked(); }

    // Highest-priority queued task, removed from its queue; null when idle.
    Task* pop_next();
    // Priority of the best queued task, or -1.
    int best_priority() const { return bitmap_ ? 31 - __builtin_clz(bitmap_) : -1; }
    bool idle() const { return bitmap_ == 0; }

private:
    List<Task, &Task::run_link> queues_[kLevels];
    uint32_t bitmap_ = 0;
};

}  // namespace helios
