// Fault delivery to supervisors, and interrupt delivery to notifications.
#include "arch/arch.h"
#include "lib/line_buffer.h"
#include "uapi/uapi.h"

namespace helios {

namespace {
const char* fault_kind_name(uint64_t kind) {
    switch (kind) {
#define HELIOS_X_NAME(num, name, text) \
    case num: return text;
        HELIOS_FAULT_KINDS(HELIOS_X_NAME)
#undef HELIOS_X_NAME
        default: return "unknown fault";
    }
}
}  // namespace

void Kernel::enter_fault(Task& task, const FaultInfo& fault) {
    stats.faults++;
    in_entry_ = &task;
    arch::TraceEvent ev{};
    ev.kind = arch::TraceKind::Fault;
    ev.task_id = task.id();
    ev.number = fault.kind;
    ev.args[0] = fault.addr;
    ev.args[1] = fault.ip;
    ev.args[2] = fault.access;
    arch::trace(ev);
    deliver_fault(task, fault);
    in_entry_ = nullptr;
    drain_destroy_queue();
    reschedule_after(current_, false);
}

void Kernel::deliver_fault(Task& task, const FaultInfo& fault) {
    task.faulted = true;
    set_suspended(task, true);
    task.fault_params[HELIOS_FAULT_P_KIND] = fault.kind;
    task.fault_params[HELIOS_FAULT_P_ADDR] = fault.addr;
    task.fault_params[HELIOS_FAULT_P_IP] = fault.ip;
    task.fault_params[HELIOS_FAULT_P_ACCESS] = fault.access;
    task.fault_params[HELIOS_FAULT_P_TASK] = task.id();
    task.fault_params[HELIOS_FAULT_P_COOKIE] = task.fault_cookie;
    Endpoint* ep = task.fault_endpoint();
    if (!ep) {
        // Nobody supervises this task: it stays stopped and is reported.
        LineBuffer line;
        line.put("[kernel] task ").put_dec(task.id()).put(" faulted: ").put(fault_kind_name(fault.kind));
        line.put(" at ip ").put_hex(fault.ip).put(" addr ").put_hex(fault.addr);
        line.put("; no fault endpoint, task stopped\n");
        arch::console_write(line.data(), line.size());
        return;
    }
    task.msg_is_fault = true;
    task.msg_tag = HELIOS_TAG(HELIOS_LABEL_FAULT, 0, HELIOS_FAULT_NPARAMS);
    task.msg_badge = task.fault_slot.badge;
    task.msg_can_grant = false;
    task.msg_is_call = false;
    if (Task* r = ep->receivers.front()) {
        unblock_silently(*r);
        uint64_t delivered = Uapi::transfer(*this, task, *r, task.msg_tag, task.msg_badge, false);
        task.msg_is_fault = false;
        r->set_result(Error::NONE, delivered);
        make_runnable(*r);
        return;
    }
    // Queue like a blocked sender; the supervisor's recv takes it.
    ep->senders.push_back(&task);
    task.blocked = BlockedOn::Send;
    task.blocked_object = ep;
    poll_notify(ep->pollers);
}

void Kernel::enter_irq(unsigned line) {
    stats.irqs++;
    arch::TraceEvent ev{};
    ev.kind = arch::TraceKind::Irq;
    ev.task_id = current_ ? current_->id() : 0;
    ev.number = line;
    arch::trace(ev);
    Irq* irq = line < Irq::kLines ? irq_lines[line] : nullptr;
    if (line < Irq::kLines) arch::irq_mask(line);  // until the holder acks
    // The line is masked now even when the notification is gone, so the
    // handler owes an ack either way (pending_ack mirrors the mask).
    if (irq) irq->pending_ack = true;
    if (irq && !irq->notification.is_null())
        Uapi::signal(*this, *static_cast<Notification*>(irq->notification.object), 1ull << line);
    reschedule_after(current_, false);
}

}  // namespace helios
