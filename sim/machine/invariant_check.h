// InvariantCheck: `run --check-invariants`, the kernel's consistency checked after every kernel entry.
#pragma once

#include "checker/kernel_checker.h"
#include "core/inbound.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace helios::sim {

// What the kernel told this machine through the arch seam, kept apart from
// what the machine did with it (host mappings below kUserBottom are never
// made, a dropped interrupt is masked by the bus itself): the checker
// compares the kernel's page tables and interrupt bookkeeping with this.
class ToldArchState final : public checker::ArchView {
public:
    void mapped(uint32_t vspace_id, uint64_t vaddr, uint64_t phys, unsigned flags) {
        mappings_[vspace_id][vaddr] = {phys, flags};
    }
    void unmapped(uint32_t vspace_id, uint64_t vaddr);
    void vspace_gone(uint32_t vspace_id);
    void mask(unsigned line, bool masked) {
        if (line < kLines) masked_[line] = masked;
    }

    void for_each_vspace(const std::function<void(uint32_t, size_t)>& fn) const override;
    std::optional<Mapping> mapping(uint32_t vspace_id, uint64_t vaddr) const override;
    bool masked(unsigned line) const override { return line >= kLines || masked_[line]; }

private:
    static constexpr unsigned kLines = 16;
    std::unordered_map<uint32_t, std::map<uint64_t, Mapping>> mappings_;
    bool masked_[kLines] = {true, true, true, true, true, true, true, true,
                            true, true, true, true, true, true, true, true};  // as the PIC resets
};

// Runs the shared KernelChecker (kernel_core/checker) over a booted kernel:
// after each kernel entry the object graph, capabilities, queues, scheduler,
// interrupts and page tables (shallow), and that every new capability
// derives from an earlier one; every `deep_every` checks also the page
// tables entry by entry and the frame table.
class InvariantCheck {
public:
    // Start before boot_init: `base_frames` are the frames the kernel used
    // with nothing but its root Memory.
    InvariantCheck(Kernel& kernel, Memory* root, uint64_t base_frames, unsigned deep_every);

    ToldArchState& told() { return told_; }
    // After boot_init: its objects owned by no Memory become roots.
    void booted(Task& init);
    // Check now; returns the problems (empty: all invariants hold).
    std::vector<std::string> check();
    uint64_t checks() const { return checks_; }

private:
    ToldArchState told_;
    checker::KernelChecker checker_;
    unsigned deep_every_;
    uint64_t checks_ = 0;
    std::optional<uint64_t> fake_problem_at_;  // HELIOS_CHECKER_FAKE_PROBLEM_AT (docs/fuzzing.md)
};

}  // namespace helios::sim
