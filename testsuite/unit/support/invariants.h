// The unit tests' KernelChecker: the shared checker (checker/kernel_checker.h)
// reading what the fake arch was told.
#pragma once

#include "checker/kernel_checker.h"
#include "support/fake_arch.h"

namespace helios::test {

// ArchView over fake_arch(): the mappings and masks the kernel asked for.
class FakeArchView final : public checker::ArchView {
public:
    void for_each_vspace(const std::function<void(uint32_t, size_t)>& fn) const override {
        for (const auto& [id, maps] : fake_arch().mappings) fn(id, maps.size());
    }
    std::optional<Mapping> mapping(uint32_t vspace_id, uint64_t vaddr) const override {
        auto& all = fake_arch().mappings;
        auto vs = all.find(vspace_id);
        if (vs == all.end()) return std::nullopt;
        auto it = vs->second.find(vaddr);
        if (it == vs->second.end()) return std::nullopt;
        return Mapping{it->second.phys, it->second.flags};
    }
    bool masked(unsigned line) const override { return line < 16 && fake_arch().masked[line]; }

    static const FakeArchView& instance() {
        static const FakeArchView view;
        return view;
    }
};

class KernelChecker : public checker::KernelChecker {
public:
    KernelChecker(Kernel& k, Memory* root, uint64_t base_frames)
        : checker::KernelChecker(k, root, base_frames, FakeArchView::instance()) {}
};

}  // namespace helios::test
