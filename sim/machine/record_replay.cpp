// Record and replay: kernel events to the trace and the recording, checked against a replayed scenario; injections.
#include "sim/machine/machine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace helios::sim {

void Machine::trace(const arch::TraceEvent& event) {
    if (trace_) trace_->write(clock_.now(), event);
    if (trace_ && trace_->truncated() && !trace_limit_warned_) {
        trace_limit_warned_ = true;
        fmt::print(stderr, "helios-sim: warning: the trace '{}' reached --trace-limit ({} bytes); later events are "
                           "not written (the run goes on)\n", config_.trace_path, config_.trace_limit_bytes);
    }
    if (!recorder_ && !config_.replay) return;
    std::string text = TraceWriter::format(clock_.now(), event);
    uint64_t index = event_index_++;
    if (recorder_) {
        recorder_->event(index, text);
        if (recorder_->truncated() && !record_limit_warned_) {
            record_limit_warned_ = true;
            fmt::print(stderr, "helios-sim: warning: the recording '{}' reached --trace-limit ({} bytes); it ends "
                               "here and replays as a cut-off recording (the run goes on)\n", config_.record_path,
                       config_.trace_limit_bytes);
        }
    }
    // A hand-written scenario with no events checks nothing: it only injects.
    const Scenario* sc = config_.replay;
    if (sc && sc->events.empty() && !sc->complete) sc = nullptr;
    if (sc && divergence_.empty() && !cutoff_reached_) {
        if (index >= sc->events.size()) {
            if (sc->complete)
                divergence_ = divergence_report("(no more events: the recording ended here)", text);
            else
                cutoff_reached_ = true;
        } else if (sc->events[index] != text) {
            divergence_ = divergence_report(sc->events[index], text);
        }
    }
    history_.push_back(fmt::format("event {} {}", index, text));
    if (history_.size() > 12) history_.pop_front();
}

std::string Machine::divergence_report(const std::string& expected, const std::string& actual) {
    std::string r = fmt::format("replay diverged at event {}\n  expected: {}\n  actual:   {}\n  recent history:\n",
                                event_index_ - 1, expected, actual);
    for (const std::string& h : history_) r += "    " + h + "\n";
    r += describe_tasks_in(expected + "\n" + actual);
    r += host_difference_note();
    return r;
}

std::string Machine::describe_tasks_in(const std::string& lines) {
    // Trace lines name tasks "tN": say which program each runs and where it
    // is (its pc at its last kernel entry, by function and source line).
    std::vector<uint32_t> ids;
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
        bool starts = lines[i] == 't' && (i == 0 || lines[i - 1] == ' ') && std::isdigit(static_cast<unsigned char>(lines[i + 1]));
        if (!starts) continue;
        uint64_t id = 0;
        size_t j = i + 1;
        while (j < lines.size() && std::isdigit(static_cast<unsigned char>(lines[j])) && id < (1ull << 32))
            id = id * 10 + static_cast<uint64_t>(lines[j++] - '0');
        if (j < lines.size() && lines[j] != ' ' && lines[j] != '\n') continue;
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(static_cast<uint32_t>(id));
    }
    if (ids.empty()) return "";
    std::string r = "  tasks:\n";
    std::vector<Task*> alive = tasks();
    for (uint32_t id : ids) {
        auto it = std::find_if(alive.begin(), alive.end(), [id](Task* t) { return t->id() == id; });
        if (it == alive.end()) {
            r += fmt::format("    t{}: no longer alive\n", id);
            continue;
        }
        std::string program = task_name(**it);
        uint64_t pc = (*it)->regs.rip;
        r += fmt::format("    t{} = {}, at {}\n", id, program.empty() ? "?" : program,
                         symbols_ ? symbols_->describe(program, pc) : fmt::format("{:#x}", pc));
    }
    return r;
}

void Machine::stop_debugger_at_divergence() {
    if (divergence_shown_) return;
    divergence_shown_ = true;
    Task* task = kernel_.current() ? kernel_.current() : kernel_.init_task();
    user_regs_struct* regs = nullptr;
    if (task)
        if (auto th = husks_->thread_for(*task)) {
            if (task->dirty != kDirtyNone) store_regs(*task, (*th)->regs);
            regs = &(*th)->regs;
        }
    debug_->on_divergence(*this, task, regs, divergence_);
}

RunOutcome Machine::replay_verdict(RunOutcome outcome) {
    const Scenario* sc = config_.replay;
    if (sc && sc->events.empty() && !sc->complete) sc = nullptr;
    if (sc && divergence_.empty() && !cutoff_reached_) {
        if (event_index_ < sc->events.size())
            outcome = {3, divergence_report(sc->events[event_index_], fmt::format("(the run ended: {})", outcome.reason))};
        else if (sc->exit_status && *sc->exit_status != outcome.exit_code)
            outcome = {3, fmt::format("replay ended with status {}, the recording with {}", outcome.exit_code,
                                      *sc->exit_status)};
        else
            outcome = {0, fmt::format("replay matched all {} events ({})", event_index_, outcome.reason)};
    }
    return outcome;
}

void Machine::finish_recording(const RunOutcome& outcome) {
    if (!recorder_) return;
    if (guest_read_tsc_) {
        // Only known where rdtsc traps: lets a replay on a host that cannot
        // trap it explain a divergence (host_difference_note).
        const GuestRead& g = *guest_read_tsc_;
        recorder_->comment(fmt::format(
            "guest-read rdtsc count={} first program={} ip={:#x} at={} event={}", guest_tsc_reads_,
            g.program.empty() ? "?" : g.program, g.ip,
            symbols_ ? symbols_->describe(g.program, g.ip) : fmt::format("{:#x}", g.ip), g.event_index));
    }
    recorder_->end(outcome.exit_code, outcome.reason);
}

void Machine::apply_injection(const Injection& inj) {
    if (recorder_) {
        Injection rec = inj;
        rec.vtime = clock_.now();
        rec.boundary = boundary_;
        recorder_->injection(rec);
    }
    auto find_task = [this](uint32_t id) -> Task* {
        for (Task* t : tasks())
            if (t->id() == id) return t;
        return nullptr;
    };
    switch (inj.kind) {
        case Injection::Kind::UartInput: push_uart_bytes(inj.port, inj.bytes.data(), inj.bytes.size()); break;
        case Injection::Kind::Preempt: kernel_.enter_tick(); break;
        case Injection::Kind::FailAlloc:
            kernel_.fail_next_allocations(kernel_.pending_allocation_failures() + inj.count);
            break;
        case Injection::Kind::IrqDrop: bus_.drop_next(inj.line); break;
        case Injection::Kind::IrqDup: bus_.duplicate_next(inj.line); break;
        case Injection::Kind::SpuriousIrq: kernel_.enter_irq(inj.line); break;
        case Injection::Kind::UartCorrupt: serial_[inj.port].corrupt_next = inj.xor_mask; break;
        case Injection::Kind::KillTask:
            // The program dies as a crash or an OOM killer would end it.
            if (Task* t = find_task(inj.task)) kernel_.kill_program(*t);
            break;
        case Injection::Kind::Fault:
            if (Task* t = find_task(inj.task); t && !t->exited) {
                FaultInfo f{static_cast<helios_fault_kind>(inj.fault_kind), inj.addr, t->regs.rip, 0};
                kernel_.enter_fault(*t, f);
            }
            break;
    }
}

}  // namespace helios::sim
