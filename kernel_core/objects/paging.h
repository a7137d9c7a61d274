// VSpace, page tables and pages: the portable core keeps x86_64-format tables.
#pragma once

#include "objects/object.h"

namespace helios {

class VSpace;

// x86_64 page-table entry bits, used as the portable format on both builds:
// on hardware these tables are what the MMU walks.
namespace pte {
constexpr uint64_t kPresent = 1ull << 0;
constexpr uint64_t kWrite = 1ull << 1;
constexpr uint64_t kUser = 1ull << 2;
constexpr uint64_t kNoExec = 1ull << 63;
constexpr uint64_t kAddrMask = 0x000FFFFFFFFFF000ull;
}  // namespace pte

// Index of vaddr in the table at `level` (4 = PML4 .. 1 = PT).
constexpr unsigned table_index(uint64_t vaddr, unsigned level) {
    return static_cast<unsigned>((vaddr >> (12 + 9 * (level - 1))) & 511);
}

// A PDPT (level 3), PD (level 2) or PT (level 1). Its frame holds the 512
// entries; this record lives in the frame table. Installed in at most one
// vspace at a time.
class PageTable final : public Object {
public:
    PageTable(CapType type) : level_(type == HELIOS_CT_PDPT ? 3 : type == HELIOS_CT_PD ? 2 : 1) {}

    unsigned level() const { return level_; }
    bool mapped() const { return vspace_ != nullptr; }
    VSpace* vspace() const { return vspace_; }
    uint64_t vaddr() const { return vaddr_; }
    uint64_t phys() const { return first_frame() * HELIOS_PAGE_SIZE; }

    static bool is_table_type(CapType t) { return t == HELIOS_CT_PDPT || t == HELIOS_CT_PD || t == HELIOS_CT_PT; }

    ListNode map_link;  // in the vspace's table list while installed

private:
    friend class Paging;
    unsigned level_;
    VSpace* vspace_ = nullptr;
    uint64_t vaddr_ = 0;  // base of the range this table covers
};

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

class Kernel;

// The operations on the tables, kept together because they all walk them.
class Paging {
public:
    explicit Paging(Kernel& kernel) : kernel_(kernel) {}

    // Map `page` at vaddr. INVALID_PARAM (unaligned, outside the user range,
    // bad flags), BUSY (page already mapped, or the slot is taken),
    // MISSING_TABLES with *missing_level set when a table is absent.
    Status map_page(VSpace& vs, Page& page, uint64_t vaddr, unsigned flags, unsigned* missing_level);
    // Change the flags of a mapped page (INVALID_PARAM if unmapped).
    Status protect_page(Page& page, unsigned flags);
    // Unmap wherever mapped; harmless when unmapped.
    void unmap_page(Page& page);

    // Install a table covering vaddr. BUSY when already installed or the
    // entry is taken; MISSING_TABLES when its parent is absent.
    Status map_table(VSpace& vs, PageTable& table, uint64_t vaddr, unsigned* missing_level);
    // Remove a table and unmap everything below it.
    void unmap_table(PageTable& table);
    // Remove every mapping of a vspace (before destroying it).
    void clear_vspace(VSpace& vs);

    // Translate a user address: physical address of the byte, or an error if
    // unmapped (or not writable when `write`).
    Result<uint64_t> translate(VSpace& vs, uint64_t vaddr, bool write);

private:
    uint64_t* table_at(uint64_t phys);
    void zero_table(uint64_t table_phys);
    void detach_range(VSpace& vs, uint64_t base, uint64_t span, unsigned below_level);

    Kernel& kernel_;
};

}  // namespace helios
