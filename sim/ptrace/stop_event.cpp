// StopEvent: names and descriptions for logs.
#include "sim/ptrace/stop_event.h"

#include <fmt/format.h>

#include <cstring>

namespace helios::sim {

const char* stop_kind_name(StopKind kind) {
    switch (kind) {
        case StopKind::Syscall: return "Syscall";
        case StopKind::Signal: return "Signal";
        case StopKind::SingleStep: return "SingleStep";
        case StopKind::Exited: return "Exited";
        case StopKind::Killed: return "Killed";
        case StopKind::Preempted: return "Preempted";
    }
    return "?";
}

std::string describe(const StopEvent& e) {
    switch (e.kind) {
        case StopKind::Syscall: return fmt::format("Syscall nr={}", e.syscall_nr);
        case StopKind::Signal:
        case StopKind::SingleStep:
            return fmt::format("{} {} code={} addr={:#x}", stop_kind_name(e.kind),
                               sigabbrev_np(e.signo) ? sigabbrev_np(e.signo) : "?", e.si_code, e.fault_addr);
        case StopKind::Exited: return fmt::format("Exited status={}", e.exit_status);
        case StopKind::Killed: return fmt::format("Killed signal={}", e.exit_status);
        case StopKind::Preempted: return "Preempted";
    }
    return "?";
}

}  // namespace helios::sim
