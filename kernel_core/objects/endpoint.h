// Endpoint: synchronous rendezvous IPC with FIFO sender and receiver queues.
#pragma once

#include "objects/object.h"
#include "objects/task.h"

namespace helios {

class Endpoint final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_ENDPOINT;

    List<Task, &Task::wait_link> senders;    // blocked in send/call (or a fault)
    List<Task, &Task::wait_link> receivers;  // blocked in recv
    List<PollWait, &PollWait::link> pollers;
};

// Notification: a word of bits; signal never blocks, wait wakes every waiter.
class Notification final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_NOTIFICATION;

    uint64_t word = 0;
    List<Task, &Task::wait_link> waiters;
    List<PollWait, &PollWait::link> pollers;
};

}  // namespace helios
