// GdbStub's debug hooks: where the run loop shows gdb a stop, a step, a fault, or the idle system.
#include "sim/gdb/stub.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include "core/inbound.h"
#include "sim/gdb/gdb_log.h"
#include "sim/machine/machine.h"
#include "sim/ptrace/insn_decode.h"

namespace helios::sim {

namespace {

// Linux signal number -> gdb's wire numbering (they differ for SIGBUS).
int gdb_signal(int sig) {
    switch (sig) {
        case SIGSEGV: return gdb::kSigSegv;
        case SIGBUS: return gdb::kSigBus;
        case SIGILL: return gdb::kSigIll;
        case SIGFPE: return gdb::kSigFpe;
        case SIGTRAP: return gdb::kSigTrap;
        default: return sig;
    }
}

// How a stop reply names a watchpoint of this type.
gdb::StopReply::Reason watch_reason(gdb::PointType type) {
    using Reason = gdb::StopReply::Reason;
    return type == gdb::PointType::Read     ? Reason::RWatch
           : type == gdb::PointType::Access ? Reason::AWatch
                                            : Reason::Watch;
}

}  // namespace

using gdb::InputKind;
using gdb::StopReply;

bool GdbStub::before_run(Machine& machine, Task& task) {
    machine_ = &machine;
    if (first_run_) {
        first_run_ = false;
        if (options_.wait) {
            fmt::print(stderr, "helios-sim: waiting for gdb on {} (stopped before init's first instruction)\n",
                       server_->address());
            // Until a client that speaks the protocol has had the system:
            // one that connects and stays silent (dropped after --gdb-idle)
            // or hangs up at once does not count. The run's deadline ends
            // the wait.
            for (;;) {
                if (!server_->accept(-1)) {
                    end_run_at_deadline();
                    return false;
                }
                new_client();
                StopReply stop;
                stop.signal = gdb::kSigTrap;
                stop.thread = task.id();
                Decision d = serve(&task, nullptr, stop, false);
                if (d.how == Decision::How::Killed) return false;  // the run ends (kill or deadline)
                if (client_spoke_) break;
            }
        }
    }
    bool fresh = false;
    if (poll_client(false, fresh)) {
        StopReply stop;
        stop.signal = fresh ? gdb::kSigTrap : gdb::kSigInt;
        stop.thread = task.id();
        (void)serve(&task, nullptr, stop, !fresh);
    }
    if (!session_) return false;
    // Forwarded UART output, a line (or a good piece) at a time.
    if (!uart_out_.empty() && (uart_out_.size() >= 256 || uart_out_.back() == '\n')) send_console_output();
    while (session_ && report_gone_process(&task)) {
    }
    if (!last_signal_.empty() && task.vspace()) {
        // The faulting task runs again: the fault did not end its process.
        auto seen = last_signal_.find(task.vspace()->id());
        if (seen != last_signal_.end() && seen->second.first == task.id()) last_signal_.erase(seen);
    }
    if (!session_) return false;
    announce_new_process(task);
    if (!session_) return false;
    if (task.vspace() && !armed_.count(task.vspace()->id()) &&
        (!breaks_.empty() || (watch_mode_ == WatchMode::Page && !watches_.empty()))) {
        insert_in(*task.vspace());
        protect_in(task);
    }
    apply_debug_registers(task);
    if (step_task_ == task.id() && step_via_kernel_) {
        // The stepped instruction went to the kernel (a syscall, emulated port
        // I/O, a delivered fault) and the task is back: the step is complete.
        step_task_ = 0;
        step_via_kernel_ = false;
        StopReply stop;
        stop.signal = gdb::kSigTrap;
        stop.thread = task.id();
        (void)serve(&task, nullptr, stop, true);
        if (!session_) return false;
        apply_debug_registers(task);
    }
    if (stepover_task_ == task.id()) {
        if (task.regs.rip != stepover_rip_ || !task.vspace()) {
            stepover_task_ = 0;
        } else if (!stepover_lifted_) {
            auto phys = machine.kernel().translate(*task.vspace(), stepover_rip_, false);
            if (phys.ok() && inserted_at_phys(*phys)) {
                stepover_phys_ = *phys;
                lift(stepover_phys_);
                stepover_lifted_ = true;
            } else {
                stepover_task_ = 0;
            }
        }
    }
    const bool watch_step = open_watch_step(task);
    return task.id() == step_task_ || task.id() == stepover_task_ || watch_step;
}

bool GdbStub::on_stop(Machine& machine, Task& task, const StopEvent& ev, user_regs_struct& regs) {
    machine_ = &machine;
    const bool stepping = task.id() == step_task_;
    if (stepover_task_ == task.id()) {
        if (stepover_lifted_) rearm(stepover_phys_);
        stepover_task_ = 0;
        stepover_lifted_ = false;
    }
    uint64_t watch_hit_addr = 0;
    const int watch_hit_index = watch_step_.task == task.id() ? finish_watch_step(task, watch_hit_addr) : -1;
    if (!session_) {
        // No debugger: only our own leftovers are handled here.
        if (ev.kind == StopKind::SingleStep) return true;
        return false;
    }
    StopReply stop;
    stop.thread = task.id();
    stop.signal = gdb::kSigTrap;

    if (ev.kind == StopKind::Syscall) {
        if (stepping) step_via_kernel_ = true;
        return false;
    }
    // Anything but a signal (e.g. a free-running preemption) is the machine's business.
    if (ev.kind != StopKind::Signal && ev.kind != StopKind::SingleStep) return false;

    // A hardware watchpoint (the debug registers say which slot).
    if (ev.signo == SIGTRAP && dr_used_) {
        uint64_t slot_addr = 0;
        if (const Watch* w = watch_hit(task, slot_addr)) {
            if (stepping) step_task_ = 0;
            stop.reason = watch_reason(w->type);
            stop.data_addr = slot_addr;
            (void)serve(&task, &regs, stop, true);
            return true;
        }
    }

    if (ev.kind == StopKind::SingleStep && watch_hit_index >= 0 &&
        watch_hit_index < static_cast<int>(watches_.size())) {
        // The access to a watched page is done: report it after the instruction.
        const Watch& w = watches_[static_cast<size_t>(watch_hit_index)];
        if (stepping) step_task_ = 0;
        stop.reason = watch_reason(w.type);
        stop.data_addr = watch_hit_addr;
        (void)serve(&task, &regs, stop, true);
        return true;
    }

    if (ev.kind == StopKind::SingleStep) {
        if (stepping) {
            step_task_ = 0;
            (void)serve(&task, &regs, stop, true);
        }
        return true;  // our own step (over a breakpoint, or gdb's): never the kernel's business
    }

    // One of our int3s (rip is just past it).
    if (ev.signo == SIGTRAP && ev.si_code == SI_KERNEL && task.vspace() && regs.rip > 0) {
        uint64_t at = regs.rip - 1;
        auto phys = machine.kernel().translate(*task.vspace(), at, false);
        if (phys.ok() && inserted_at_phys(*phys)) {
            regs.rip = at;
            if (!in_scope(*task.vspace(), at)) {
                // Another program sharing the frame: step it over silently.
                stepover_task_ = task.id();
                stepover_rip_ = at;
                stepover_lifted_ = false;
                return true;
            }
            if (stepping) step_task_ = 0;
            stop.reason = StopReply::Reason::SwBreak;
            (void)serve(&task, &regs, stop, true);
            return true;
        }
    }

    // An access to a page protected for a watchpoint, which the kernel's own
    // mapping allows: step it with the page open (before_run), then see.
    if (begin_watch_step(task, ev, regs)) return true;

    // Port I/O the kernel performs for the task is not a fault.
    if ((ev.signo == SIGSEGV || ev.signo == SIGBUS) &&
        (ev.si_code == SI_KERNEL || (ev.signo == SIGSEGV && ev.fault_addr == 0 && ev.si_code > 2))) {
        uint8_t insn[15];
        size_t n = copy_memory(task.id(), regs.rip, insn, sizeof insn, false);
        if (auto io = decode_port_io(insn, n)) {
            uint16_t port = io->port_is_imm ? io->port : static_cast<uint16_t>(regs.rdx);
            if (machine.kernel().task_may_access_port(task, port, io->width)) {
                if (stepping) step_via_kernel_ = true;
                return false;
            }
        }
    }

    // A fault: gdb sees it first, at the faulting instruction.
    stop.signal = gdb_signal(ev.signo);
    if (task.vspace() && last_signal_.size() < 4096) last_signal_[task.vspace()->id()] = {task.id(), stop.signal};
    if (stepping) step_task_ = 0;
    const uint64_t rip_before = regs.rip;
    Decision d = serve(&task, &regs, stop, true);
    if (d.how == Decision::How::Killed) return true;
    if (d.how == Decision::How::Detached) return false;
    // Continuing with the signal (gdb's default for SIGSEGV: `C 0b`), or with
    // none but the pc left where it faulted, hands the fault to the kernel;
    // gdb may instead move the pc away (`set $pc = ...; signal 0`).
    if (d.signal != 0 || regs.rip == rip_before) {
        if (step_task_ == task.id()) step_via_kernel_ = true;
        return false;
    }
    return true;
}

void GdbStub::announce_new_process(Task& task) {
    if (!session_->announces_processes() || !running_ || !task.vspace()) return;
    const uint32_t process = task.vspace()->id();
    if (session_->known(process) || session_->hidden(process) || unannounced_.count(process)) return;
    StopReply stop;
    stop.signal = gdb::kSigTrap;
    stop.thread = task.id();
    stop.reason = StopReply::Reason::Exec;
    stop.exec_path = exec_file(process, true);
    if (stop.exec_path.empty()) {
        // No ELF to give gdb (a program not in the image, or not named):
        // gdb hears of the process if one of its threads stops (a fault).
        unannounced_.insert(process);
        return;
    }
    gdb::log().debug("gdb: new process {} ({}) announced", process, stop.exec_path);
    (void)serve(&task, nullptr, stop, true);
}

void GdbStub::address_space_gone(uint32_t id) {
    // programs_ keeps its name: gdb may still remove the points of the
    // inferior before it hears that the process is gone.
    if (report_exits_ && session_ && session_->processes() && session_->known(id) && gone_.size() < 4096)
        gone_.push_back(id);
}

bool GdbStub::report_gone_process(Task* task) {
    if (!running_ || gone_.empty() || !session_) return false;
    const uint32_t process = gone_.front();
    gone_.erase(gone_.begin());
    if (!session_->known(process)) return false;
    session_->forget(process);
    StopReply stop;
    stop.process = process;
    auto sig = last_signal_.find(process);
    if (sig != last_signal_.end()) {
        stop.kind = StopReply::Kind::Killed;  // it died of the fault gdb saw
        stop.signal = sig->second.second;
        last_signal_.erase(sig);
    } else {
        stop.kind = StopReply::Kind::Exited;
        stop.exit_code = 0;
    }
    gdb::log().debug("gdb: process {} is gone", process);
    (void)serve(task, nullptr, stop, true);
    return true;
}

void GdbStub::on_idle(Machine& machine) {
    machine_ = &machine;
    send_console_output();
    if (session_ && !gone_.empty()) {
        Task* any = machine.kernel().init_task();
        while (session_ && report_gone_process(any)) {
        }
        return;
    }
    bool fresh = false;
    if (!poll_client(true, fresh)) return;
    // Every task is blocked: the stop names gdb's current thread (or init).
    Task* t = session_ ? task_by_id(session_->general_thread()) : nullptr;
    if (!t) t = machine.kernel().init_task();
    if (!t) {
        auto all = machine.tasks();
        if (!all.empty()) t = all.front();
    }
    if (!t) return;
    StopReply stop;
    stop.signal = fresh ? gdb::kSigTrap : gdb::kSigInt;
    stop.thread = t->id();
    (void)serve(t, nullptr, stop, !fresh);
}

bool GdbStub::on_attention(Machine& machine, Task& task, user_regs_struct& regs) {
    // A guest spinning without kernel entries never reaches before_run,
    // where the client is polled: the watchdog interrupted it for us, so
    // gdb's Ctrl-C stops it here, at the instruction it had reached.
    machine_ = &machine;
    bool fresh = false;
    if (!poll_client(true, fresh)) return false;
    StopReply stop;
    stop.signal = fresh ? gdb::kSigTrap : gdb::kSigInt;
    stop.thread = task.id();
    (void)serve(&task, &regs, stop, !fresh);
    return true;
}

void GdbStub::on_divergence(Machine& machine, Task* task, user_regs_struct* regs, const std::string& report) {
    // gdb waits for a stop reply while the system runs: the divergence is
    // that stop (at the divergent event, nothing run since), with the report
    // printed in the session; whatever gdb does next, the run then ends.
    machine_ = &machine;
    if (!task || !regs || !running_ || !session_ || !server_->connected()) return;
    bind_notes_ += "helios-sim: " + report;
    if (!report.empty() && report.back() != '\n') bind_notes_ += '\n';
    bind_notes_ += "helios-sim: the replay stops here (nothing after this event can be reproduced); inspect the "
                   "system, then continue or kill to end the run (status 3)\n";
    send_console_output();
    StopReply stop;
    stop.signal = gdb::kSigTrap;
    stop.thread = task->id();
    stop.reason = StopReply::Reason::ReplayEnd;
    (void)serve(task, regs, stop, true);
}

void GdbStub::on_exit(Machine& machine, int exit_code) {
    report_exit(machine, exit_code);
    // The run is over, and the machine may go before this stub does: stop
    // listening to its UARTs now and forget it.
    for (unsigned port = 0; port < 2; ++port)
        if (uart_show_[port]) {
            machine.listen_to_uart(port, nullptr);
            uart_show_[port] = false;
        }
    machine_ = nullptr;
}

void GdbStub::report_exit(Machine& machine, int exit_code) {
    machine_ = &machine;
    if (!server_->connected() || !session_) return;
    remove_all();
    if (running_) {
        StopReply stop;
        stop.kind = StopReply::Kind::Exited;
        stop.exit_code = exit_code;
        send_console_output();
        if (server_->send_packet(session_->format_stop(stop))) {
            // gdb closes the connection once it has mourned the process; give
            // it a moment (and answer what it asks meanwhile).
            for (int i = 0; i < 20 && server_->connected(); ++i) {
                std::vector<gdb::InputEvent> events;
                if (!server_->receive(50, events)) break;
                for (auto& e : events) {
                    if (e.kind != InputKind::Packet) continue;
                    if (!session_->no_ack()) (void)server_->send_raw("+");
                    // The process is gone: kill/detach succeed, anything else fails.
                    bool bye = e.payload == "k" || e.payload.rfind("vKill", 0) == 0 || e.payload[0] == 'D';
                    if (e.payload != "k") (void)server_->send_packet(bye ? "OK" : "E01");
                }
            }
        }
    }
    server_->close_client();
    session_.reset();
}

}  // namespace helios::sim
