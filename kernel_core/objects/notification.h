// Notification: a word of bits; signal never blocks, wait wakes every waiter.
#pragma once

#include "objects/object.h"
#include "objects/task.h"

namespace helios {

class Notification final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_NOTIFICATION;

    // OR `bits` into the word; waiters wake with it and consume it.
    void signal(Kernel& kernel, uint64_t bits);
    // Take the word if non-zero, else wait (blocking) or WOULD_BLOCK.
    void wait(Kernel& kernel, Task& task, bool blocking);
    // Which of HELIOS_POLL_RECV / HELIOS_POLL_SEND would not block now.
    unsigned ready(unsigned events) const;

    // Read by the invariant checker and tests; changed only by the above.
    uint64_t word = 0;
    List<Task, &Task::wait_link> waiters;
    List<PollWait, &PollWait::link> pollers;
};

}  // namespace helios
