// InvariantCheck: the told arch state and the checker's schedule.
#include "sim/machine/invariant_check.h"

#include <fmt/format.h>

#include <cstdlib>

namespace helios::sim {

void ToldArchState::unmapped(uint32_t vspace_id, uint64_t vaddr) {
    auto it = mappings_.find(vspace_id);
    if (it == mappings_.end()) return;
    it->second.erase(vaddr);
    if (it->second.empty()) mappings_.erase(it);
}

void ToldArchState::vspace_gone(uint32_t vspace_id) {
    // The kernel unmaps every page before it destroys an address space; what
    // is left here then is reported by the checker as mappings of a dead
    // vspace, so only an empty record is dropped.
    auto it = mappings_.find(vspace_id);
    if (it != mappings_.end() && it->second.empty()) mappings_.erase(it);
}

void ToldArchState::for_each_vspace(const std::function<void(uint32_t, size_t)>& fn) const {
    for (const auto& [id, maps] : mappings_) fn(id, maps.size());
}

std::optional<checker::ArchView::Mapping> ToldArchState::mapping(uint32_t vspace_id, uint64_t vaddr) const {
    auto vs = mappings_.find(vspace_id);
    if (vs == mappings_.end()) return std::nullopt;
    auto it = vs->second.find(vaddr);
    if (it == vs->second.end()) return std::nullopt;
    return it->second;
}

InvariantCheck::InvariantCheck(Kernel& kernel, Memory* root, uint64_t base_frames, unsigned deep_every)
    : checker_(kernel, root, base_frames, told_), deep_every_(deep_every ? deep_every : 1) {
    // A test of the plumbing (failure report, saved scenario, replay), not of
    // the checks: the unit tests prove those find broken kernels.
    if (const char* at = std::getenv("HELIOS_CHECKER_FAKE_PROBLEM_AT"); at && *at) {
        char* end = nullptr;
        unsigned long long n = std::strtoull(at, &end, 10);
        if (end && *end == '\0') fake_problem_at_ = n;
    }
}

void InvariantCheck::booted(Task& init) {
    checker_.add_boot_roots(init);
    checker_.collect();
    checker_.snapshot();
}

std::vector<std::string> InvariantCheck::check() {
    ++checks_;
    bool deep = checks_ % deep_every_ == 0;
    std::vector<std::string> problems = checker_.check(true, deep);
    if (problems.empty()) problems = checker_.check_derivation();
    if (fake_problem_at_ && checks_ == *fake_problem_at_)
        problems.push_back(fmt::format("HELIOS_CHECKER_FAKE_PROBLEM_AT={}: a made-up problem at check {}, to test "
                                       "the failure path",
                                       *fake_problem_at_, checks_));
    if (problems.empty()) checker_.snapshot();
    return problems;
}

}  // namespace helios::sim
