// PageTable: a PDPT, PD or PT, and the x86_64 entry format the core keeps.
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

}  // namespace helios
