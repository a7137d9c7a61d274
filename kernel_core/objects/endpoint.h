// Endpoint: synchronous rendezvous IPC with FIFO sender and receiver queues.
#pragma once

#include "objects/object.h"
#include "objects/task.h"

namespace helios {

class Endpoint final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_ENDPOINT;

    // A message from `sender` (checked by the caller): handed to the first
    // waiting receiver, else queued (blocking) or refused with WOULD_BLOCK.
    // A call leaves the sender waiting for the receiver's reply.
    void send(Kernel& kernel, Task& sender, uint64_t tag, uint64_t badge, bool grant, bool blocking, bool call);
    // Take the first queued message, else wait (blocking) or WOULD_BLOCK.
    void receive(Kernel& kernel, Task& receiver, bool blocking);
    // A fault record from `task` (already suspended): to a waiting receiver,
    // else queued like a blocked sender.
    void send_fault(Kernel& kernel, Task& task);
    // Which of HELIOS_POLL_RECV / HELIOS_POLL_SEND would not block now.
    unsigned ready(unsigned events) const;

    // Read by the invariant checker and tests; changed only by the above.
    List<Task, &Task::wait_link> senders;    // blocked in send/call (or a fault)
    List<Task, &Task::wait_link> receivers;  // blocked in recv
    List<PollWait, &PollWait::link> pollers;
};

}  // namespace helios
