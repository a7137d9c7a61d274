// The kernel entries the arch calls: syscall, fault (delivered to supervisors), irq.
#include "arch/arch.h"
#include "lib/line_buffer.h"
#include "uapi/uapi.h"

namespace helios {

void Kernel::enter_syscall(Task& task) {
    stats_.syscalls++;
    in_entry_ = &task;
    uint64_t nr = task.regs.rax;
    arch::TraceEvent ev{};
    ev.kind = arch::TraceKind::Syscall;
    ev.task_id = task.id();
    ev.number = nr;
    // The argument registers in ABI order (rdi, rsi, rdx, r10, r8, r9).
    ev.args[0] = task.regs.rdi;
    ev.args[1] = task.regs.rsi;
    ev.args[2] = task.regs.rdx;
    ev.args[3] = task.regs.r10;
    ev.args[4] = task.regs.r8;
    ev.args[5] = task.regs.r9;
    invoked_ = 0;
    Uapi::dispatch(*this, task);
    ev.invocation = invoked_;
    // A task that blocked reports its result when it wakes; one destroyed
    // by its own syscall reports nothing.
    if (in_entry_ && task.blocked == BlockedOn::None) {
        ev.status = task.regs.rax;
        ev.value = task.regs.rdx;
    } else {
        ev.status = ~0ull;
    }
    arch::trace(ev);
    bool yielded = in_entry_ && nr == HELIOS_SYS_yield;
    in_entry_ = nullptr;
    drain_destroy_queue();
    reschedule_after(current_, yielded);
}

void Kernel::enter_fault(Task& task, const FaultInfo& fault) {
    stats_.faults++;
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
        line.put("[kernel] task ").put_dec(task.id()).put(" faulted: ").put(helios_fault_kind_text(fault.kind) ? helios_fault_kind_text(fault.kind) : "unknown fault");
        line.put(" at ip ").put_hex(fault.ip).put(" addr ").put_hex(fault.addr);
        line.put("; no fault endpoint, task stopped\n");
        arch::console_write(line.data(), line.size());
        return;
    }
    ep->send_fault(*this, task);
}

void Kernel::enter_irq(unsigned line) {
    stats_.irqs++;
    arch::TraceEvent ev{};
    ev.kind = arch::TraceKind::Irq;
    ev.task_id = current_ ? current_->id() : 0;
    ev.number = line;
    arch::trace(ev);
    Irq* irq = line < Irq::kLines ? irq_lines_[line] : nullptr;
    if (line < Irq::kLines) arch::irq_mask(line);  // until the holder acks
    // The line is masked now even when the notification is gone, so the
    // handler owes an ack either way (pending_ack mirrors the mask).
    if (irq) irq->pending_ack = true;
    if (irq && !irq->notification.is_null())
        static_cast<Notification*>(irq->notification.object)->signal(*this, 1ull << line);
    reschedule_after(current_, false);
}

}  // namespace helios
