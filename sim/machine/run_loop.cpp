// The run loop: which task runs, how long, and the one place virtual time advances (docs/virtual-time.md).
#include "sim/machine/machine.h"

#include <fmt/format.h>
#include <signal.h>

#include <chrono>

namespace helios::sim {

RunOutcome Machine::run() {
    bool attention = debug_ && debug_->attention_fd() >= 0;
    for (const SerialLine& line : serial_) attention |= line.far_end->attention_fd() >= 0;
    watchdog_.start(std::chrono::steady_clock::now(), attention);
    RunOutcome outcome = run_loop();
    watchdog_.stop();
    outcome = replay_verdict(std::move(outcome));
    finish_recording(outcome);
    if (debug_) debug_->on_exit(*this, outcome.exit_code);
    return outcome;
}

RunOutcome Machine::run_loop() {
    auto start = std::chrono::steady_clock::now();
    // The rule for virtual time (docs/virtual-time.md), enforced here and
    // only here: an iteration that ends in a kernel entry (a syscall, fault
    // or tick of the guest's own), or in idling, is a boundary: virtual time
    // advances, input and injections are taken, ticks fire. An iteration the
    // debugger ends (a breakpoint, a single step, a watchpoint trap, a change
    // it made to the system) is not: it leaves time, the boundary count and
    // the event trace exactly as they were, however long the stop lasted.
    bool boundary_due = true;
    for (;;) {
        if (!divergence_.empty()) {
            if (debug_) stop_debugger_at_divergence();
            return {3, divergence_};
        }
        if (cutoff_reached_)
            return {0, fmt::format("the scenario was cut off after {} events (its recorder died); the replay "
                                   "matched up to there", config_.replay->events.size())};
        if (init_exit_) return {*init_exit_, fmt::format("init exited with status {}", *init_exit_)};
        if (exit_request_) return *exit_request_;
        if (config_.timeout_seconds > 0) {
            double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (elapsed > config_.timeout_seconds || watchdog_.timed_out())
                return {124, fmt::format("timeout: stopped after {} s", config_.timeout_seconds)};
        }
        if (boundary_due) {
            kernel_entry_boundary();
            // The guest's last kernel entry and this boundary's ticks and
            // interrupts are done: the kernel is settled.
            if (invariants_)
                if (auto broken = check_kernel_invariants()) return *broken;
        }
        boundary_due = true;
        if (exit_request_) continue;  // a quit at this boundary: the run ends before the guest runs again
        Task* task = kernel_.current();
        if (!task) {
            if (!kernel_.init_task()) return {70, "init was destroyed"};
            if (!has_live_input()) return {75, "every task is blocked and no input can arrive (deadlock)"};
            // Idle: virtual time jumps to the next tick; wait for input.
            clock_.advance_to(next_tick_);
            if (debug_) debug_->on_idle(*this);  // the debugger may stop the idle system
            if (!config_.replay && next_injection_ >= schedule_.size() && !has_buffered_input()) wait_for_input(50);
            continue;
        }
        auto th = husks_->thread_for(*task);
        if (!th) {
            host_failure(*task, "the host gave it no thread (" + th.message() + ")");
            continue;
        }
        GuestThread& t = **th;
        if (Status flushed = t.husk->flush(); !flushed) {
            host_failure(*task, "the host refused a mapping (" + flushed.message() + ")");
            continue;
        }
        bool step = debug_ && debug_->before_run(*this, *task);
        if (task != kernel_.current() || exit_request_) {  // the debugger changed the system
            boundary_due = false;
            continue;
        }
        if (task->dirty != kDirtyNone) store_regs(*task, t.regs);
        arm_attention();
        watchdog_.running(t.husk->pid(), t.tid);
        HostResult<StopEvent> ev = Status::failure("not run");
        for (;;) {
            ev = t.husk->run(t.tid, t.regs, step);
            // Stops the virtual CPU finishes itself are no kernel entry: no
            // virtual time, no boundary, no event; the guest just goes on.
            if (watchdog_.timed_out() || !ev || !absorb_stop(*task, t, *ev)) break;
            if (step) {  // the debugger's single step is done
                StopEvent stepped;
                stepped.kind = StopKind::SingleStep;
                stepped.signo = SIGTRAP;
                stepped.si_code = TRAP_TRACE;
                ev = stepped;
                break;
            }
        }
        watchdog_.stopped();
        if (watchdog_.timed_out()) continue;  // the watchdog stopped the guest: report the timeout, not a stop
        if (!ev) return {70, "running task failed: " + ev.message()};
        if (ev->kind == StopKind::Preempted && !config_.free_running) {
            // Deterministic mode preempts nobody: the watchdog interrupted a
            // guest running without kernel entries because a person may want
            // the simulator (Ctrl-A x typed on a stdio UART, gdb's Ctrl-C).
            // Look with no kernel entry (no time, no boundary, no event) and
            // resume the guest where it was; a quit ends the run here, after
            // the last boundary, which is where a replay stops too.
            take_attention();
            if (debug_ && !exit_request_ && debug_->on_attention(*this, *task, t.regs) && recorder_) {
                // Where gdb held the system, for people reading the
                // recording; the stop itself changes no event, so the
                // replay matches without it.
                recorder_->comment(fmt::format("gdb stopped task {} at {:#x} after boundary {} (no kernel entry)",
                                               task->id(), t.regs.rip, boundary_));
            }
            load_regs(*task, t.regs);
            boundary_due = false;
            continue;
        }
        bool gone = ev->kind == StopKind::Exited || ev->kind == StopKind::Killed;
        if (debug_ && !gone && debug_->on_stop(*this, *task, *ev, t.regs)) {
            load_regs(*task, t.regs);
            boundary_due = false;  // the debugger's stop: no time, no boundary, no event
            continue;
        }
        entries_++;
        clock_.advance(kEntryCostNs);
        if (!gone) load_regs(*task, t.regs);
        handle_stop(*task, t, *ev);
    }
}

void Machine::kernel_entry_boundary() {
    ++boundary_;
    tsc_reads_since_boundary_ = 0;
    // A replay takes its input from the scenario only; a live run from the
    // far ends (and records what it took). A replay still looks at the keys
    // (Ctrl-A x ends it early), but gives the guest none of them.
    if (!config_.replay) poll_input();
    else take_attention();
    while (next_injection_ < schedule_.size()) {
        const Injection& inj = schedule_[next_injection_];
        bool due = inj.boundary ? *inj.boundary <= boundary_ : inj.vtime <= clock_.now();
        if (!due) break;
        ++next_injection_;
        apply_injection(inj);
    }
    if (clock_.now() >= next_tick_) {
        next_tick_ = clock_.now() - clock_.now() % kTickNs + kTickNs;
        kernel_.enter_tick();
    }
    bus_.deliver([this](unsigned line) { kernel_.enter_irq(line); });
    // A quit ends the run after the whole boundary, live and in a replay
    // (with the recording's status, for the verdict to compare).
    const Scenario* sc = config_.replay;
    if (sc && sc->quit_boundary == boundary_ && !exit_request_)
        exit_request_ = RunOutcome{sc->exit_status.value_or(0),
                                   fmt::format("the recording was quit here (after boundary {})", boundary_)};
    note_quit_request();
    if (recorder_) recorder_->flush();
}

void Machine::request_exit(int exit_code, std::string reason) {
    if (exit_request_) return;
    if (recorder_) recorder_->quit(clock_.now(), boundary_);
    exit_request_ = RunOutcome{exit_code, std::move(reason), true};
}

// A task's registers live in the kernel (task.regs) and in its Linux thread
// (GuestThread::regs); `dirty` says the kernel's copy changed since the last
// stop and must be written to the thread before it runs again.

void Machine::load_regs(Task& task, const user_regs_struct& r) {
    helios_regs& h = task.regs;
    h.rax = r.rax, h.rbx = r.rbx, h.rcx = r.rcx, h.rdx = r.rdx, h.rsi = r.rsi, h.rdi = r.rdi;
    h.rbp = r.rbp, h.rsp = r.rsp, h.r8 = r.r8, h.r9 = r.r9, h.r10 = r.r10, h.r11 = r.r11;
    h.r12 = r.r12, h.r13 = r.r13, h.r14 = r.r14, h.r15 = r.r15;
    h.rip = r.rip, h.rflags = r.eflags, h.fs_base = r.fs_base, h.gs_base = r.gs_base;
    task.dirty = kDirtyNone;
}

void Machine::store_regs(const Task& task, user_regs_struct& r) {
    const helios_regs& h = task.regs;
    r.rax = h.rax, r.rbx = h.rbx, r.rcx = h.rcx, r.rdx = h.rdx, r.rsi = h.rsi, r.rdi = h.rdi;
    r.rbp = h.rbp, r.rsp = h.rsp, r.r8 = h.r8, r.r9 = h.r9, r.r10 = h.r10, r.r11 = h.r11;
    r.r12 = h.r12, r.r13 = h.r13, r.r14 = h.r14, r.r15 = h.r15;
    r.rip = h.rip, r.eflags = h.rflags, r.fs_base = h.fs_base, r.gs_base = h.gs_base;
}

}  // namespace helios::sim
