// --check-invariants: the kernel checked at every kernel-entry boundary; a broken invariant ends the run.
#include "sim/machine/machine.h"

#include <fmt/format.h>

namespace helios::sim {

std::optional<RunOutcome> Machine::check_kernel_invariants() {
    std::vector<std::string> problems = invariants_->check();
    if (problems.empty()) return std::nullopt;
    // Everything goes to stderr now (the recording keeps the reason's first
    // line): the problems, then the events that led there.
    std::string report = fmt::format("kernel invariant broken at boundary {} (check {}, after event {}, virtual "
                                     "time {} ns):\n",
                                     boundary_, invariants_->checks(),
                                     event_index_ ? fmt::format("{}", event_index_ - 1) : std::string("none"),
                                     clock_.now());
    for (const std::string& p : problems) report += "  " + p + "\n";
    if (!history_.empty()) {
        report += "  recent history:\n";
        for (const std::string& h : history_) report += "    " + h + "\n";
    }
    fmt::print(stderr, "helios-sim: {}", report);
    std::string first = problems.front();
    if (problems.size() > 1) first += fmt::format(" (and {} more)", problems.size() - 1);
    return RunOutcome{kExitInvariant, fmt::format("kernel invariant broken after event {}: {}",
                                                  event_index_ ? event_index_ - 1 : 0, first)};
}

}  // namespace helios::sim
