// GdbStub: the `monitor` commands (program scope, tasks, points, watchpoint mode).
#include "sim/gdb/stub.h"

#include <fmt/format.h>

#include "core/inbound.h"
#include "sim/machine/machine.h"

namespace helios::sim {

namespace {

std::string trim(std::string_view s) {
    size_t b = s.find_first_not_of(" \t\n");
    if (b == std::string_view::npos) return "";
    size_t e = s.find_last_not_of(" \t\n");
    return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::string GdbStub::monitor(std::string_view command) {
    std::string cmd = trim(command);
    std::string word = cmd.substr(0, cmd.find(' '));
    std::string arg = cmd.size() > word.size() ? trim(cmd.substr(word.size())) : "";
    if (word == "help" || word.empty()) {
        return "helios-sim monitor commands:\n"
               "  program NAME   breakpoints and watchpoints set from now on apply to program NAME\n"
               "                 (every address space running it, including later ones)\n"
               "  program -      back to the program of the selected thread (the default)\n"
               "  program        show the current choice\n"
               "  tasks          list tasks: id, program, state, pc\n"
               "  points         list breakpoints and watchpoints with their programs\n"
               "  watchpoints [auto|hardware|page]\n"
               "                 how watchpoints work: x86 debug registers, or page protection\n"
               "                 (auto: debug registers when this CPU honours them)\n";
    }
    if (word == "program") {
        if (arg == "-") {
            forced_program_.clear();
            return "breakpoints follow the selected thread's program\n";
        }
        if (!arg.empty()) {
            forced_program_ = arg;
            // A later insert of an address already known keeps the new choice.
            for (auto& [key, program] : sticky_) program = arg;
            return fmt::format("breakpoints and watchpoints now apply to program '{}'\n", arg);
        }
        return forced_program_.empty() ? "breakpoints follow the selected thread's program\n"
                                       : fmt::format("breakpoints apply to program '{}'\n", forced_program_);
    }
    if (word == "tasks") {
        std::string out;
        for (Task* t : machine_->tasks()) {
            if (!t->vspace()) continue;
            uint64_t pc = t == cur_task_ && cur_regs_ ? cur_regs_->rip : t->regs.rip;
            out += fmt::format("{:4} {:<16} vspace {:<4} pc {:#x} {}\n", t->id(), machine_->task_name(*t),
                               t->vspace()->id(), pc, task_state(machine_->kernel(), *t));
        }
        return out.empty() ? "no tasks\n" : out;
    }
    if (word == "watchpoints") {
        if (arg == "hardware" || arg == "page" || arg == "auto") {
            if (!watches_.empty()) return "delete the watchpoints first\n";
            watch_mode_ = arg == "hardware" ? WatchMode::Hardware : arg == "page" ? WatchMode::Page : WatchMode::Auto;
        } else if (!arg.empty()) {
            return "usage: monitor watchpoints [auto|hardware|page]\n";
        }
        return fmt::format("watchpoints: {}\n", watch_mode_ == WatchMode::Hardware ? "debug registers"
                                                : watch_mode_ == WatchMode::Page   ? "page protection"
                                                                                   : "auto (probed at the first one)");
    }
    if (word == "points") {
        std::string out;
        for (const SwBreak& b : breaks_) out += fmt::format("break {:#x} in {}\n", b.addr, b.program);
        for (const Watch& w : watches_)
            out += fmt::format("watch {:#x} len {} in {} (slots {})\n", w.addr, w.len, w.program, w.slots.size());
        return out.empty() ? "none\n" : out;
    }
    return fmt::format("unknown monitor command '{}' (try 'monitor help')\n", word);
}

}  // namespace helios::sim
