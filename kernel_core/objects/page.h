// Page: one frame of memory (RAM or device) that can be mapped once.
#pragma once

#include "objects/object.h"

namespace helios {

class VSpace;

// One page of memory: a RAM frame, or a device frame made from DevMem.
// Mapped in at most one place at a time.
class Page final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_PAGE;

    explicit Page(uint64_t phys, bool device) : phys_(phys), device_(device) {}

    uint64_t phys() const { return phys_; }
    bool device() const { return device_; }
    bool mapped() const { return vspace_ != nullptr; }
    VSpace* vspace() const { return vspace_; }
    uint64_t vaddr() const { return vaddr_; }
    unsigned flags() const { return flags_; }

    ListNode map_link;  // in the vspace's page list while mapped

private:
    friend class Paging;
    uint64_t phys_;
    bool device_;
    unsigned flags_ = 0;
    VSpace* vspace_ = nullptr;
    uint64_t vaddr_ = 0;
};

// Placement::extra for a device page at `phys` (objects/page.cpp).
uint64_t device_page_extra(uint64_t phys);

}  // namespace helios
