// Stops that enter the kernel: each ptrace stop becomes a system call, a fault (reported in source terms) or a tick.
#include "sim/machine/machine.h"

#include "sim/ptrace/insn_decode.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

namespace helios::sim {

void Machine::handle_stop(Task& task, GuestThread& th, const StopEvent& ev) {
    if (ev.kind != StopKind::Exited && ev.kind != StopKind::Killed && refuse_foreign_entry(task, th, ev)) return;
    switch (ev.kind) {
        case StopKind::Syscall:
            task.regs.rax = ev.syscall_nr;
            kernel_.enter_syscall(task);
            return;
        case StopKind::Signal:
        case StopKind::SingleStep: {
            FaultInfo f{HELIOS_FAULT_GENERAL_PROTECTION, 0, th.regs.rip, 0};
            switch (ev.signo) {
                case SIGSYS:
                    // The husk's seccomp filter trapped a system call that
                    // bypassed emulation (a call into the vsyscall page).
                    spdlog::debug("task {}: a system call at {:#x} reached the husk's filter (SIGSYS)", task.id(),
                                  th.regs.rip);
                    break;
                case SIGSEGV:
                case SIGBUS:
                    if (ev.si_code == SI_KERNEL || (ev.signo == SIGSEGV && ev.fault_addr == 0 && ev.si_code > 2)) {
                        if (handle_port_io(task, th)) return;
                        break;  // a general protection fault
                    }
                    {
                        uint8_t insn[15];
                        size_t n = th.husk->read_instruction(th.regs.rip, insn, sizeof insn);
                        MemAccess a = classify_access(insn, n, ev.fault_addr, th.regs.rip, &th.regs);
                        f.kind = HELIOS_FAULT_PAGE;
                        f.addr = ev.fault_addr;
                        f.access = (a == MemAccess::Write ? HELIOS_ACCESS_WRITE
                                    : a == MemAccess::Exec ? HELIOS_ACCESS_EXEC
                                                           : HELIOS_ACCESS_READ) |
                                   (ev.si_code == SEGV_ACCERR ? HELIOS_ACCESS_PRESENT : 0);
                    }
                    break;
                case SIGILL: f.kind = HELIOS_FAULT_INVALID_OPCODE; break;
                case SIGFPE: f.kind = HELIOS_FAULT_DIVIDE; break;
                case SIGTRAP:
                    // A trace trap (the guest set TF) is a debug exception, as
                    // on hardware; int3 is a breakpoint.
                    f.kind = ev.kind == StopKind::SingleStep || ev.si_code == TRAP_TRACE ? HELIOS_FAULT_DEBUG
                                                                                         : HELIOS_FAULT_BREAKPOINT;
                    break;
                default: break;
            }
            report_fault(task, f);
            kernel_.enter_fault(task, f);
            return;
        }
        case StopKind::Preempted:
            // The wall-clock slice ran out (free-running mode) or the run is
            // being stopped: a timer interrupt, recorded since it came from
            // outside the guest.
            if (recorder_) {
                Injection inj;
                inj.kind = Injection::Kind::Preempt;
                inj.vtime = clock_.now();
                inj.boundary = boundary_ + 1;
                recorder_->injection(inj);
            }
            if (!watchdog_.timed_out()) kernel_.enter_tick();
            return;
        case StopKind::Exited:
        case StopKind::Killed: {
            // The Linux thread vanished under us (killed from outside): the
            // task faults, and gets a fresh thread if it is ever resumed.
            husks_->thread_vanished(task);
            FaultInfo f{HELIOS_FAULT_GENERAL_PROTECTION, 0, task.regs.rip, 0};
            kernel_.enter_fault(task, f);
            return;
        }
    }
}

void Machine::host_failure(Task& task, const std::string& what) {
    messages_.print(fmt::format("warning: task {}: {}; the task faults, the run goes on", task.id(), what));
    entries_++;
    clock_.advance(kEntryCostNs);
    FaultInfo f{HELIOS_FAULT_GENERAL_PROTECTION, 0, task.regs.rip, 0};
    report_fault(task, f);
    kernel_.enter_fault(task, f);
}

void Machine::report_fault(Task& task, const FaultInfo& fault) {
    // A supervised fault is routine (a supervisor may be paging); an
    // unsupervised one stops the task, so say where, in source terms.
    std::string program = task.vspace() ? program_name(*task.vspace()) : "";
    std::string where = symbols_ ? symbols_->describe(program, fault.ip) : fmt::format("{:#x}", fault.ip);
    const char* text = helios_fault_kind_text(fault.kind);
    const char* kind = text ? text : "fault";
    std::string line = fmt::format("{} (task {}): {} at {} addr {:#x}", program.empty() ? "?" : program, task.id(),
                                   kind, where, fault.addr);
    if (task.fault_endpoint())
        spdlog::debug("fault: {}", line);
    else
        messages_.print("unsupervised fault: " + line);
}

}  // namespace helios::sim
