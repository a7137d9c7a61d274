// Task: accessors, its descriptor, teardown and invocations.
#include "objects/task.h"

#include "arch/arch.h"
#include "core/kernel.h"
#include "objects/cspace.h"
#include "objects/endpoint.h"
#include "objects/invocation.h"
#include "objects/object_type.h"
#include "objects/paging.h"

#include <new>

namespace helios {

CSpace* Task::cspace() const { return static_cast<CSpace*>(cspace_slot.object); }
VSpace* Task::vspace() const { return static_cast<VSpace*>(vspace_slot.object); }
Endpoint* Task::fault_endpoint() const { return static_cast<Endpoint*>(fault_slot.object); }

namespace {
Object* construct_task(Kernel& kernel, const Placement& p) { return new (p.frames) Task(kernel.next_task_id()); }

void teardown_task(Kernel& kernel, Object& object) {
    auto& task = static_cast<Task&>(object);
    kernel.forget_task(task);
    kernel.unblock_silently(task);
    task.reply_stored = false;
    if (Task* caller = task.reply_to) {
        // The task died holding a caller's implicit reply: the caller learns.
        task.reply_to = nullptr;
        caller->replier = nullptr;
        kernel.wake(*caller, Error::ABORTED, 0);
    }
    arch::task_destroyed(task);
    kernel.release(task.cspace_slot);
    kernel.release(task.vspace_slot);
    kernel.release(task.fault_slot);
}

// Replace an embedded capability, keeping the old object alive until the new
// one is in (it may be the same object, held only by this slot).
void replace_embedded(Kernel& kernel, Task& task, Slot& slot, Object* object, CapType type, uint8_t rights) {
    Slot holder;
    if (!slot.is_null()) {
        Caps::install(holder, slot.object, slot.type, 0, 0);
        Caps::clear(slot);
    }
    Caps::install(slot, object, type, rights, 0, &task);
    kernel.delete_cap(holder);
}

// May the task's registers be read or written? Only while it cannot run.
bool stopped(const Task& task) { return task.suspended || !task.configured() || task.exited; }
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_TASK>() {
    static constexpr ObjectType kTask{HELIOS_CT_TASK, true, any_size, one_frame, construct_task, nullptr, teardown_task, nullptr};
    return kTask;
}

// A reply capability names the task waiting for the answer; it owns nothing.
template <>
const ObjectType& object_type_of<HELIOS_CT_REPLY>() {
    static constexpr ObjectType kReply{HELIOS_CT_REPLY, false, nullptr, one_frame, nullptr, nullptr, nullptr, nullptr};
    return kReply;
}

Error perform_task_configure(Invocation& invocation, uint64_t ipcbuf) {
    Kernel& k = invocation.kernel;
    auto& target = invocation.target<Task>();
    auto* cs = invocation.argument<CSpace>(0);
    auto* vs = invocation.argument<VSpace>(1);
    auto where = k.paging().translate(*vs, ipcbuf, true);
    // ipcbuf 0 means "not configured" (Task::configured): a page mapped at 0
    // must not be accepted, or a queued target would become unrunnable while
    // still on the run queue.
    if (ipcbuf == 0 || ipcbuf % HELIOS_PAGE_SIZE || !where.ok() || !k.kernel_may_touch(*where))
        return Error::INVALID_PARAM;
    CSpace& mine = invocation.cspace();
    uint8_t cs_rights = (*mine.slot(invocation.buffer.caps[0]))->rights;
    uint8_t vs_rights = (*mine.slot(invocation.buffer.caps[1]))->rights;
    // Both old objects stay alive until both new ones are in.
    Slot old_cs, old_vs;
    if (!target.cspace_slot.is_null()) {
        Caps::install(old_cs, target.cspace_slot.object, HELIOS_CT_CSPACE, 0, 0);
        Caps::clear(target.cspace_slot);
    }
    if (!target.vspace_slot.is_null()) {
        Caps::install(old_vs, target.vspace_slot.object, HELIOS_CT_VSPACE, 0, 0);
        Caps::clear(target.vspace_slot);
    }
    Caps::install(target.cspace_slot, cs, HELIOS_CT_CSPACE, cs_rights, 0, &target);
    Caps::install(target.vspace_slot, vs, HELIOS_CT_VSPACE, vs_rights, 0, &target);
    target.ipcbuf = ipcbuf;
    k.delete_cap(old_cs);
    k.delete_cap(old_vs);
    k.make_runnable(target);
    return Error::NONE;
}

Error perform_task_write_registers(Invocation& invocation, uint64_t regs_ptr) {
    auto& target = invocation.target<Task>();
    if (!stopped(target)) return Error::BUSY;
    helios_regs regs;
    if (!invocation.kernel.copy_from_user(*invocation.caller.vspace(), regs_ptr, &regs, sizeof regs))
        return Error::INVALID_PARAM;
    if (regs.rip >= HELIOS_USER_TOP || regs.fs_base >= HELIOS_USER_TOP || regs.gs_base >= HELIOS_USER_TOP)
        return Error::INVALID_PARAM;
    regs.rflags = (regs.rflags & HELIOS_USER_RFLAGS_MASK) | HELIOS_USER_RFLAGS_FIXED;
    target.regs = regs;
    target.mark_all_dirty();
    return Error::NONE;
}

Error perform_task_read_registers(Invocation& invocation, uint64_t regs_ptr) {
    auto& target = invocation.target<Task>();
    if (!stopped(target)) return Error::BUSY;
    if (!invocation.kernel.copy_to_user(*invocation.caller.vspace(), regs_ptr, &target.regs, sizeof target.regs))
        return Error::INVALID_PARAM;
    return Error::NONE;
}

Error perform_task_write_tls_base(Invocation& invocation, uint64_t base) {
    auto& target = invocation.target<Task>();
    if (!stopped(target) && &target != &invocation.caller) return Error::BUSY;
    if (base >= HELIOS_USER_TOP) return Error::INVALID_PARAM;
    target.regs.fs_base = base;
    target.mark_all_dirty();
    return Error::NONE;
}

Error perform_task_set_fault(Invocation& invocation, uint64_t cookie) {
    auto& target = invocation.target<Task>();
    auto* endpoint = invocation.argument<Endpoint>(0);
    if (!endpoint) {  // an empty slot clears
        invocation.kernel.delete_cap(target.fault_slot);
        return Error::NONE;
    }
    replace_embedded(invocation.kernel, target, target.fault_slot, endpoint, HELIOS_CT_ENDPOINT, HELIOS_RIGHT_SEND);
    target.fault_cookie = cookie;
    return Error::NONE;
}

Error perform_task_clear_fault(Invocation& invocation) {
    invocation.kernel.delete_cap(invocation.target<Task>().fault_slot);
    return Error::NONE;
}

Error perform_task_resume(Invocation& invocation) {
    Kernel& k = invocation.kernel;
    auto& target = invocation.target<Task>();
    if (target.exited) return Error::INVALID_PARAM;
    if (target.msg_is_fault && target.blocked == BlockedOn::Send) k.unblock_silently(target);
    target.faulted = false;
    k.set_suspended(target, false);
    return Error::NONE;
}

Error perform_task_suspend(Invocation& invocation) {
    invocation.kernel.set_suspended(invocation.target<Task>(), true);
    return Error::NONE;
}

Error perform_task_set_priority(Invocation& invocation, uint64_t priority) {
    Kernel& k = invocation.kernel;
    auto& target = invocation.target<Task>();
    if (priority > HELIOS_PRIORITY_MAX) return Error::INVALID_PARAM;
    bool queued = k.scheduler().queued(target);
    k.scheduler().remove(target);
    target.priority = static_cast<uint8_t>(priority);
    if (queued) k.scheduler().enqueue(target);
    return Error::NONE;
}

Error perform_task_info(Invocation& invocation) {
    auto& target = invocation.target<Task>();
    uint64_t flags = (target.configured() ? HELIOS_TASK_CONFIGURED : 0) |
                     (target.suspended ? HELIOS_TASK_SUSPENDED : 0) |
                     (target.blocked != BlockedOn::None ? HELIOS_TASK_BLOCKED : 0) |
                     (target.faulted ? HELIOS_TASK_FAULTED : 0) | (target.exited ? HELIOS_TASK_EXITED : 0);
    invocation.buffer.params[0] = flags;
    invocation.buffer.params[1] = target.priority;
    invocation.buffer.params[2] = target.exit_status;
    invocation.value = target.id();
    return Error::NONE;
}

}  // namespace helios
