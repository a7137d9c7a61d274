// VSpace: an address space, whose frame is the PML4.
#pragma once

#include "objects/page.h"
#include "objects/page_table.h"

namespace helios {

// An address space. Its frame is the PML4. `arch_handle` belongs to the arch
// backend (the simulator's husk process).
class VSpace final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_VSPACE;

    explicit VSpace(uint32_t id) : id_(id) {}

    uint64_t root_phys() const { return first_frame() * HELIOS_PAGE_SIZE; }
    uint32_t id() const { return id_; }
    uint64_t mapped_pages() const { return mapped_pages_; }

    uintptr_t arch_handle = 0;
    List<Page, &Page::map_link> pages;             // every page mapped here
    List<PageTable, &PageTable::map_link> tables;  // every table installed here

private:
    friend class Paging;
    uint32_t id_ = 0;
    uint64_t mapped_pages_ = 0;
};

}  // namespace helios
