// GdbStub: the `monitor` commands (program scope, tasks, points, watchpoint mode).
#include "sim/gdb/stub.h"

#include <fmt/format.h>

#include "core/inbound.h"
#include "sim/gdb/packet.h"
#include "sim/machine/machine.h"

namespace helios::sim {

namespace {

// C-style escapes in typed text: \n \r \t \e \\ \xHH; false on a bad one.
bool unescape_text(std::string_view in, std::vector<uint8_t>& out) {
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '\\') {
            out.push_back(static_cast<uint8_t>(in[i]));
            continue;
        }
        if (++i >= in.size()) return false;
        switch (in[i]) {
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'e': out.push_back(0x1b); break;
            case '\\': out.push_back('\\'); break;
            case 's': out.push_back(' '); break;
            case 'x': {
                std::string hex(in.substr(i + 1, 2));
                uint64_t v = 0;
                if (hex.size() != 2 || !gdb::parse_hex(hex, v)) return false;
                out.push_back(static_cast<uint8_t>(v));
                i += 2;
                break;
            }
            default: return false;
        }
    }
    return true;
}

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
               "                 (auto: debug registers when this CPU honours them)\n"
               "  uart com1 TEXT type TEXT into COM1 (escapes: \\n \\r \\t \\e \\s \\\\ \\xHH; no newline\n"
               "                 is added), received as the system runs, recorded like any input\n"
               "  uart com1 show [on|off]\n"
               "                 print COM1's output in gdb while the system runs (also com2)\n"
               "  exits [on|off] with target extended-remote: report a process whose address\n"
               "                 space is gone as exited (gdb stops there; `inferior N` to go on)\n"
               "With `target extended-remote`, every address space is an inferior and its\n"
               "breakpoints are its program's; `program` applies to plain `target remote`.\n";
    }
    if (word == "uart") return monitor_uart(arg);
    if (word == "exits") {
        if (arg == "on" || arg == "off") {
            report_exits_ = arg == "on";
            if (!report_exits_) gone_.clear();
        } else if (!arg.empty()) {
            return "usage: monitor exits [on|off]\n";
        }
        return fmt::format("processes that end are {}\n", report_exits_ ? "reported to gdb as exits"
                                                                         : "left listed, with no threads");
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
        // gdb takes its points out whenever the system stops; which program
        // each one goes to when it is put back (plain target remote) stays.
        for (const auto& [key, program] : sticky_) {
            std::string addr = key.substr(key[0] == 'b' ? 1 : key.find(':') + 1);
            out += fmt::format("{} at 0x{} binds to program '{}'\n", key[0] == 'b' ? "breakpoint" : "watchpoint",
                               addr.substr(0, addr.find(':')), program);
        }
        if (out.empty() && session_ && session_->processes())
            return "none inserted now (gdb inserts each inferior's points when the system runs)\n";
        return out.empty() ? "none\n" : out;
    }
    return fmt::format("unknown monitor command '{}' (try 'monitor help')\n", word);
}

std::string GdbStub::monitor_uart(std::string_view args) {
    const char* usage = "usage: monitor uart com1|com2 TEXT, or monitor uart com1|com2 show [on|off]\n";
    std::string_view port_name = args.substr(0, args.find(' '));
    unsigned port = port_name == "com1" ? 0 : port_name == "com2" ? 1 : 2;
    if (port >= 2) return usage;
    std::string rest = port_name.size() < args.size() ? trim(args.substr(port_name.size())) : "";
    if (rest.empty()) return usage;
    if (rest == "show" || rest == "show on" || rest == "show off") {
        if (rest != "show") {
            uart_show_[port] = rest == "show on";
            if (uart_show_[port]) {
                machine_->listen_to_uart(port, [this](uint8_t b) {
                    // Bounded while gdb does not take it (it reads at the next resume).
                    if (uart_out_.size() < 64 * 1024) uart_out_.push_back(static_cast<char>(b));
                });
            } else {
                machine_->listen_to_uart(port, nullptr);
            }
        }
        return fmt::format("{} output is {}shown here while the system runs\n", port_name,
                           uart_show_[port] ? "" : "not ");
    }
    std::vector<uint8_t> bytes;
    if (!unescape_text(rest, bytes)) return fmt::format("bad escape in '{}'\n{}", rest, usage);
    Status typed = machine_->type_into_uart(port, bytes);
    if (!typed) return fmt::format("cannot type into {}: {}\n", port_name, typed.message());
    return fmt::format("{} bytes for {}: received as the system runs\n", bytes.size(), port_name);
}

}  // namespace helios::sim
