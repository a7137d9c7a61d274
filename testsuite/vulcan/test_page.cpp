// page: map and unmap, MISSING_TABLES level by level, errors, destroy unmaps, protect, one mapping per page.
#include "vulcan.h"

using namespace helios;
using namespace vulcan;

namespace {
constexpr helios_caddr_t CS = HELIOS_INIT_CAP_CSPACE;
constexpr helios_caddr_t VS = HELIOS_INIT_CAP_VSPACE;
// A 512 GiB range no other test touches: every table level starts missing.
constexpr uint64_t kFreshRange = 0x0000580000000000ull;

volatile uint64_t* word_at(uint64_t va) {
    return reinterpret_cast<volatile uint64_t*>(va);
}
}  // namespace

VULCAN_TEST(page, map_unmap) {
    uint64_t va = ctx().va;
    helios_caddr_t p = map_new_page(va, HELIOS_MAP_WRITE);
    *word_at(va) = 0xDEADBEEF;
    CHECK_EQ(*word_at(va), 0xDEADBEEF);
    SysResult phys = page_phys(p);
    CHECK_OK(phys);
    SysResult lookup = vspace_lookup(VS, va + 8);
    CHECK_OK(lookup);
    CHECK_EQ(lookup.value, phys.value + 8);
    CHECK_OK(page_unmap(p));
    CHECK_ERR(vspace_lookup(VS, va), INVALID_PARAM);
    CHECK_OK(page_unmap(p));  // unmapping an unmapped page is harmless
    // The page keeps its contents wherever it is mapped next.
    CHECK_OK(page_map(p, VS, va + HELIOS_PAGE_SIZE, HELIOS_MAP_WRITE));
    CHECK_EQ(*word_at(va + HELIOS_PAGE_SIZE), 0xDEADBEEF);
    destroy(p);
}

VULCAN_TEST(page, missing_tables) {
    uint64_t va = kFreshRange + 0x40201000ull;
    helios_caddr_t p = alloc(HELIOS_CT_PAGE);
    SysResult r = page_map(p, VS, va, HELIOS_MAP_WRITE);
    CHECK_ERR(r, MISSING_TABLES);
    CHECK_EQ(r.value, HELIOS_LEVEL_PDPT);
    helios_caddr_t pdpt = alloc(HELIOS_CT_PDPT);
    CHECK_OK(pdpt_map(pdpt, VS, va));
    r = page_map(p, VS, va, HELIOS_MAP_WRITE);
    CHECK_ERR(r, MISSING_TABLES);
    CHECK_EQ(r.value, HELIOS_LEVEL_PD);
    helios_caddr_t pd = alloc(HELIOS_CT_PD);
    CHECK_OK(pd_map(pd, VS, va));
    r = page_map(p, VS, va, HELIOS_MAP_WRITE);
    CHECK_ERR(r, MISSING_TABLES);
    CHECK_EQ(r.value, HELIOS_LEVEL_PT);
    helios_caddr_t pt = alloc(HELIOS_CT_PT);
    // A table whose parent is missing reports the parent's level.
    helios_caddr_t orphan = alloc(HELIOS_CT_PT);
    SysResult o = pt_map(orphan, VS, va + (1ull << 30));
    CHECK_ERR(o, MISSING_TABLES);
    CHECK_EQ(o.value, HELIOS_LEVEL_PD);
    CHECK_OK(pt_map(pt, VS, va));
    CHECK_OK(page_map(p, VS, va, HELIOS_MAP_WRITE));
    *word_at(va) = 99;
    // A table is installed once; a covered range takes one table.
    CHECK_ERR(pt_map(pt, VS, va + (2ull << 20)), BUSY);
    CHECK_ERR(pt_map(orphan, VS, va), BUSY);
    // Destroying a table unmaps what is below it; the page lives on.
    destroy(pt);
    CHECK_ERR(vspace_lookup(VS, va), INVALID_PARAM);
    CHECK_EQ(type_of(p), HELIOS_CT_PAGE);
    CHECK_OK(map_page(ctx().mem, VS, p, va, 0));
    CHECK_EQ(*word_at(va), 99);
    // Destroying the PDPT takes the PD and the new PT's mappings with it.
    destroy(pdpt);
    CHECK_ERR(vspace_lookup(VS, va), INVALID_PARAM);
    CHECK_OK(cspace_destroy(CS, {p, pd, orphan}));
}

VULCAN_TEST(page, errors) {
    uint64_t va = ctx().va;
    helios_caddr_t p = map_new_page(va);
    helios_caddr_t q = alloc(HELIOS_CT_PAGE);
    CHECK_ERR(page_map(p, VS, va + HELIOS_PAGE_SIZE, HELIOS_MAP_WRITE), BUSY);  // mapped already
    CHECK_ERR(page_map(q, VS, va, HELIOS_MAP_WRITE), BUSY);                     // address taken
    CHECK_ERR(page_map(q, VS, va + 1, HELIOS_MAP_WRITE), INVALID_PARAM);
    CHECK_ERR(page_map(q, VS, HELIOS_USER_TOP, HELIOS_MAP_WRITE), INVALID_PARAM);
    CHECK_ERR(page_map(q, VS, ~0ull & ~HELIOS_PAGE_MASK, HELIOS_MAP_WRITE), INVALID_PARAM);
    CHECK_ERR(page_map(q, VS, va + HELIOS_PAGE_SIZE, 0x4), INVALID_PARAM);
    CHECK_ERR(page_map(q, VS, va + HELIOS_PAGE_SIZE, 0x100), INVALID_PARAM);
    CHECK_ERR(page_map(q, p, va + HELIOS_PAGE_SIZE, 0), INVALID_CTYPE);
    CHECK_ERR(page_map(q, 4096, va + HELIOS_PAGE_SIZE, 0), INVALID_CADDR);
    CHECK_ERR(page_protect(q, 0), INVALID_PARAM);  // not mapped
    CHECK_ERR(page_protect(p, 0x10), INVALID_PARAM);
    helios_caddr_t pt = alloc(HELIOS_CT_PT);
    CHECK_ERR(pt_map(pt, VS, HELIOS_USER_TOP), INVALID_PARAM);
    CHECK_OK(cspace_destroy(CS, {p, q, pt}));
}

VULCAN_TEST(page, destroy_unmaps) {
    uint64_t va = ctx().va;
    uint64_t before = used(ctx().mem);
    helios_caddr_t p = map_new_page(va);
    uint64_t with_page = used(ctx().mem);
    *word_at(va) = 42;
    CHECK_OK(sys::writecons(va, 0));
    destroy(p);
    CHECK_ERR(vspace_lookup(VS, va), INVALID_PARAM);
    // The kernel no longer reads through the old mapping either.
    CHECK_ERR(sys::writecons(va, 1), INVALID_PARAM);
    CHECK_EQ(used(ctx().mem), with_page - 1);
    CHECK(with_page > before);
    // A new page at the same address is a fresh, zeroed one.
    map_new_page(va);
    CHECK_EQ(*word_at(va), 0);
}

VULCAN_TEST(page, protect) {
    uint64_t va = ctx().va;
    helios_caddr_t p = map_new_page(va, 0);
    CHECK_EQ(*word_at(va), 0);  // readable
    CHECK_OK(page_protect(p, HELIOS_MAP_WRITE));
    *word_at(va) = 5;
    CHECK_EQ(*word_at(va), 5);
    CHECK_OK(page_protect(p, 0));
    CHECK_EQ(*word_at(va), 5);
    // The kernel does not write into a read-only page either: poll cannot
    // store its results there.
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    CHECK_OK(sys::signal(n));
    CHECK_OK(page_protect(p, HELIOS_MAP_WRITE));
    auto* entry = reinterpret_cast<helios_pollcap*>(va);
    *entry = {n, HELIOS_POLL_RECV, 0};
    CHECK_OK(sys::poll(va, 1));
    CHECK_EQ(entry->revents, HELIOS_POLL_RECV);
    CHECK_OK(page_protect(p, 0));
    CHECK_ERR(sys::poll(va, 1), INVALID_PARAM);
    CHECK_OK(cspace_destroy(CS, {p, n}));
}

VULCAN_TEST(page, one_mapping) {
    uint64_t va = ctx().va;
    helios_caddr_t p = map_new_page(va);
    *word_at(va) = 0xABCD;
    helios_caddr_t vs2 = alloc(HELIOS_CT_VSPACE);
    // A page is mapped in one place at a time, whatever the vspace.
    CHECK_ERR(page_map(p, vs2, va, HELIOS_MAP_WRITE), BUSY);
    CHECK_OK(page_unmap(p));
    CHECK_OK(map_page(ctx().mem, vs2, p, va, HELIOS_MAP_WRITE));
    CHECK_ERR(vspace_lookup(VS, va), INVALID_PARAM);
    CHECK_OK(vspace_lookup(vs2, va));
    // A copy of the page capability is the same page.
    SysResult copy = cspace_copy(CS, HELIOS_CADDR_UNDEF, p);
    CHECK_OK(copy);
    CHECK_ERR(page_map(static_cast<helios_caddr_t>(copy.value), VS, va, HELIOS_MAP_WRITE), BUSY);
    // Destroying the vspace unmaps its pages: the page can come home.
    destroy(vs2);
    CHECK_OK(page_map(p, VS, va, HELIOS_MAP_WRITE));
    CHECK_EQ(*word_at(va), 0xABCD);
    CHECK_OK(cspace_destroy(CS, {p, static_cast<helios_caddr_t>(copy.value)}));
}
