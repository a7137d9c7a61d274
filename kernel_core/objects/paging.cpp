// Page-table walks: map, unmap, protect, translate, and table teardown.
#include "objects/paging.h"

#include "arch/arch.h"
#include "core/kernel.h"

namespace helios {

namespace {
bool user_range_ok(uint64_t vaddr) { return vaddr < HELIOS_USER_TOP; }

uint64_t leaf_bits(unsigned flags) {
    uint64_t e = pte::kPresent | pte::kUser;
    if (flags & HELIOS_MAP_WRITE) e |= pte::kWrite;
    if (!(flags & HELIOS_MAP_EXEC)) e |= pte::kNoExec;
    return e;
}

// Table entries are always permissive; the leaf decides.
constexpr uint64_t kTableBits = pte::kPresent | pte::kWrite | pte::kUser;
}  // namespace

uint64_t* Paging::table_at(uint64_t phys) { return static_cast<uint64_t*>(arch::phys_to_virt(phys)); }

Status Paging::map_table(VSpace& vs, PageTable& table, uint64_t vaddr, unsigned* missing_level) {
    if (!user_range_ok(vaddr)) return Error::INVALID_PARAM;
    if (table.mapped()) return Error::BUSY;
    // Walk from the PML4 (level 4) down to the level that holds this table.
    uint64_t phys = vs.root_phys();
    for (unsigned level = 4; level > table.level() + 1; --level) {
        uint64_t e = table_at(phys)[table_index(vaddr, level)];
        if (!(e & pte::kPresent)) {
            if (missing_level) *missing_level = level - 1;
            return Error::MISSING_TABLES;
        }
        phys = e & pte::kAddrMask;
    }
    uint64_t& entry = table_at(phys)[table_index(vaddr, table.level() + 1)];
    if (entry & pte::kPresent) return Error::BUSY;
    entry = table.phys() | kTableBits;
    table.vspace_ = &vs;
    uint64_t span = 1ull << (12 + 9 * table.level());
    table.vaddr_ = vaddr & ~(span - 1);
    vs.tables.push_back(&table);
    return {};
}

Status Paging::map_page(VSpace& vs, Page& page, uint64_t vaddr, unsigned flags, unsigned* missing_level) {
    if (vaddr % HELIOS_PAGE_SIZE || !user_range_ok(vaddr)) return Error::INVALID_PARAM;
    if (flags & ~(HELIOS_MAP_WRITE | HELIOS_MAP_EXEC)) return Error::INVALID_PARAM;
    if (page.mapped()) return Error::BUSY;
    uint64_t phys = vs.root_phys();
    for (unsigned level = 4; level > 1; --level) {
        uint64_t e = table_at(phys)[table_index(vaddr, level)];
        if (!(e & pte::kPresent)) {
            if (missing_level) *missing_level = level - 1;
            return Error::MISSING_TABLES;
        }
        phys = e & pte::kAddrMask;
    }
    uint64_t& entry = table_at(phys)[table_index(vaddr, 1)];
    if (entry & pte::kPresent) return Error::BUSY;
    if (!arch::admit_mapping(vs, vs.mapped_pages_)) return Error::NOMEM;  // a host mapping limit
    entry = page.phys() | leaf_bits(flags);
    page.vspace_ = &vs;
    page.vaddr_ = vaddr;
    page.flags_ = flags;
    vs.mapped_pages_++;
    vs.pages.push_back(&page);
    arch::map_page(vs, vaddr, page.phys(), flags);
    return {};
}

Status Paging::protect_page(Page& page, unsigned flags) {
    if (flags & ~(HELIOS_MAP_WRITE | HELIOS_MAP_EXEC)) return Error::INVALID_PARAM;
    if (!page.mapped()) return Error::INVALID_PARAM;
    uint64_t phys = page.vspace_->root_phys();
    for (unsigned level = 4; level > 1; --level)
        phys = table_at(phys)[table_index(page.vaddr_, level)] & pte::kAddrMask;
    table_at(phys)[table_index(page.vaddr_, 1)] = page.phys() | leaf_bits(flags);
    page.flags_ = flags;
    arch::map_page(*page.vspace_, page.vaddr_, page.phys(), flags);
    return {};
}

void Paging::unmap_page(Page& page) {
    if (!page.mapped()) return;
    uint64_t phys = page.vspace_->root_phys();
    for (unsigned level = 4; level > 1; --level)
        phys = table_at(phys)[table_index(page.vaddr_, level)] & pte::kAddrMask;
    table_at(phys)[table_index(page.vaddr_, 1)] = 0;
    VSpace& vs = *page.vspace_;
    vs.mapped_pages_--;
    page.map_link.unlink();
    page.vspace_ = nullptr;
    arch::unmap_page(vs, page.vaddr_);
    page.vaddr_ = 0;
    page.flags_ = 0;
}

void Paging::zero_table(uint64_t table_phys) {
    uint64_t* entries = table_at(table_phys);
    for (unsigned i = 0; i < 512; ++i) entries[i] = 0;
}

// Remove every page of `vs` inside [base, base + span), and every table
// there whose level is below `below_level`. Tables found are emptied and
// marked unmapped, so a table can be installed again later and starts clean.
// The level bound matters: a PT, the PD and the PDPT above it can all share
// one base address (e.g. 0), and removing the PT must not detach its parents
// while the PML4 still points at them.
void Paging::detach_range(VSpace& vs, uint64_t base, uint64_t span, unsigned below_level) {
    for (Page* p = vs.pages.front(); p;) {
        Page* next = vs.pages.next(p);
        if (p->vaddr_ - base < span) unmap_page(*p);
        p = next;
    }
    for (PageTable* t = vs.tables.front(); t;) {
        PageTable* next = vs.tables.next(t);
        if (t->level() < below_level && t->vaddr_ - base < span) {
            zero_table(t->phys());
            t->map_link.unlink();
            t->vspace_ = nullptr;
            t->vaddr_ = 0;
        }
        t = next;
    }
}

void Paging::unmap_table(PageTable& table) {
    if (!table.mapped()) return;
    VSpace& vs = *table.vspace_;
    uint64_t base = table.vaddr_;
    unsigned level = table.level();
    // Clear the parent's entry pointing at this table.
    uint64_t phys = vs.root_phys();
    for (unsigned l = 4; l > level + 1; --l) phys = table_at(phys)[table_index(base, l)] & pte::kAddrMask;
    table_at(phys)[table_index(base, level + 1)] = 0;
    detach_range(vs, base, 1ull << (12 + 9 * level), level);
    zero_table(table.phys());
    table.map_link.unlink();
    table.vspace_ = nullptr;
    table.vaddr_ = 0;
}

void Paging::clear_vspace(VSpace& vs) {
    detach_range(vs, 0, HELIOS_USER_TOP, 4);
    // Only the user half: on hardware the upper half of every PML4 maps the
    // kernel, and this vspace may still be the one loaded in CR3.
    uint64_t* entries = table_at(vs.root_phys());
    for (unsigned i = 0; i < 256; ++i) entries[i] = 0;
}

Result<uint64_t> Paging::translate(VSpace& vs, uint64_t vaddr, bool write) {
    if (!user_range_ok(vaddr)) return Error::INVALID_PARAM;
    uint64_t phys = vs.root_phys();
    for (unsigned level = 4; level >= 1; --level) {
        uint64_t e = table_at(phys)[table_index(vaddr, level)];
        if (!(e & pte::kPresent)) return Error::INVALID_PARAM;
        if (level == 1 && write && !(e & pte::kWrite)) return Error::INVALID_PARAM;
        phys = e & pte::kAddrMask;
    }
    return phys + (vaddr & HELIOS_PAGE_MASK);
}

}  // namespace helios
