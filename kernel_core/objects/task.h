// Task: a thread of execution with its cspace, vspace, IPC buffer and state.
#pragma once

#include "objects/object.h"

namespace helios {

class CSpace;
class VSpace;
class Endpoint;
class Notification;

// What a blocked task is waiting for. Blocked and suspended are independent:
// a suspended task that is also blocked stays queued and wakes suspended.
enum class BlockedOn : uint8_t {
    None,
    Send,       // queued on an endpoint with a message
    Recv,       // queued on an endpoint for a message
    Reply,      // called, waiting for the answer
    Wait,       // waiting on a notification
    Poll,       // waiting on several objects
};

// One registration of a polling task on one object.
struct PollWait {
    ListNode link;  // in the object's poller list
    class Task* task = nullptr;
};

// Which saved registers the kernel changed since the arch last loaded them,
// so the simulator can write back only those (one POKEUSER for rax).
enum RegsDirty : uint8_t { kDirtyNone = 0, kDirtyResult = 1, kDirtyAll = 2 };

class Task final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_TASK;
    static constexpr unsigned kMaxPoll = HELIOS_POLL_MAX;

    explicit Task(uint32_t id) : id_(id) {}

    uint32_t id() const { return id_; }

    // ---- configuration: embedded capabilities keep their objects alive ----
    Slot cspace_slot;
    Slot vspace_slot;
    Slot fault_slot;
    uint64_t ipcbuf = 0;
    uint64_t fault_cookie = 0;
    CSpace* cspace() const;
    VSpace* vspace() const;
    Endpoint* fault_endpoint() const;
    bool configured() const { return !cspace_slot.is_null() && !vspace_slot.is_null() && ipcbuf != 0; }

    // ---- registers ----
    helios_regs regs{};
    uint8_t dirty = kDirtyNone;
    // Write the syscall results (rax, rdx) into the saved registers.
    void set_result(Error status, uint64_t value = 0) {
        regs.rax = static_cast<uint64_t>(status);
        regs.rdx = value;
        if (dirty == kDirtyNone) dirty = kDirtyResult;
    }
    void mark_all_dirty() { dirty = kDirtyAll; }

    // ---- scheduling state ----
    bool suspended = true;  // new tasks start suspended
    bool faulted = false;   // stopped by a fault nobody handled yet
    bool exited = false;
    uint64_t exit_status = 0;
    uint8_t priority = HELIOS_PRIORITY_DEFAULT;
    ListNode run_link;  // in the scheduler's run queue
    bool runnable() const { return configured() && !suspended && !exited && blocked == BlockedOn::None; }

    // ---- blocking state ----
    BlockedOn blocked = BlockedOn::None;
    Object* blocked_object = nullptr;  // endpoint or notification waited on
    ListNode wait_link;                // in that object's queue
    uint64_t msg_tag = 0;              // message being sent
    uint64_t msg_badge = 0;            // badge of the capability used to send
    bool msg_is_call = false;
    bool msg_can_grant = false;
    bool msg_is_fault = false;         // the message is a fault record
    uint64_t fault_params[HELIOS_FAULT_NPARAMS] = {};

    // call/reply: the caller this task must answer (implicit reply), and
    // the task holding this task's pending reply.
    Task* reply_to = nullptr;
    Task* replier = nullptr;
    bool reply_stored = false;  // the reply to this task sits in a cspace

    // poll registrations
    PollWait polls[kMaxPoll];
    uint64_t poll_user_ptr = 0;
    uint32_t poll_count = 0;

private:
    uint32_t id_;
};

}  // namespace helios
