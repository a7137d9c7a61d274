// Paging: the operations on page tables, shared by pages, tables and vspaces.
#pragma once

#include "objects/page.h"
#include "objects/page_table.h"
#include "objects/vspace.h"

namespace helios {


// The operations on the tables, kept together because they all walk them.
class Paging {
public:

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
};

}  // namespace helios
