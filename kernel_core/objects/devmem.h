// DevMem: a range of device physical addresses, handed out by watermark.
#pragma once

#include "objects/object.h"

namespace helios {

// Pages made from a DevMem refer to fixed physical addresses (MMIO,
// framebuffers); they are never zeroed or freed. Allocation only moves the
// watermark up; when every object allocated from the range is gone, the
// watermark returns to the start.
class DevMem final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_DEVMEM;

    DevMem(uint64_t base, uint64_t pages) : base_(base), pages_(pages) {}

    uint64_t base() const { return base_; }
    uint64_t pages() const { return pages_; }
    uint64_t watermark() const { return watermark_; }
    uint64_t remaining() const { return pages_ - watermark_; }

    // Take n pages at the watermark; returns the physical address of the first.
    Result<uint64_t> take(uint64_t n) {
        if (n == 0) return Error::INVALID_PARAM;
        if (n > remaining()) return Error::NOMEM;
        uint64_t addr = base_ + watermark_ * HELIOS_PAGE_SIZE;
        watermark_ += n;
        return addr;
    }
    // When the last object made from this range goes, the watermark resets.
    void child_gone() {
        if (children.empty()) watermark_ = 0;
    }

    List<Object, &Object::sibling> children;

private:
    uint64_t base_;
    uint64_t pages_;
    uint64_t watermark_ = 0;
};

}  // namespace helios
