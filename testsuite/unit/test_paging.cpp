// Paging: page and table mapping, unmap, protect, lookup, teardown, user copies.
#include "support/ops.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace helios;
using namespace helios::test;

namespace {
constexpr uint64_t kVa = 0x0000004000200000ull;  // PML4 0, PDPT 1, PD 1, PT 0

SysResult map(World& w, Proc& p, helios_caddr_t cap, uint64_t label, uint64_t vaddr, helios_caddr_t vs,
              uint64_t flags = HELIOS_MAP_WRITE) {
    if (label == HELIOS_INV_page_map) return w.invoke(p, cap, label, {vaddr, flags}, {vs});
    return w.invoke(p, cap, label, {vaddr}, {vs});
}

uint32_t vs_id(Proc& p, helios_caddr_t vs) { return static_cast<VSpace*>(slot_of(p, vs).object)->id(); }

// A fresh vspace with the three tables covering kVa.
struct Space {
    helios_caddr_t vs, pdpt, pd, pt;
};
Space make_space(World& w, Proc& p, uint64_t va = kVa) {
    Space s{};
    s.vs = w.alloc(p, HELIOS_CT_VSPACE);
    s.pdpt = w.alloc(p, HELIOS_CT_PDPT);
    s.pd = w.alloc(p, HELIOS_CT_PD);
    s.pt = w.alloc(p, HELIOS_CT_PT);
    REQUIRE(map(w, p, s.pdpt, HELIOS_INV_pdpt_map, va, s.vs).ok());
    REQUIRE(map(w, p, s.pd, HELIOS_INV_pd_map, va, s.vs).ok());
    REQUIRE(map(w, p, s.pt, HELIOS_INV_pt_map, va, s.vs).ok());
    return s;
}
}  // namespace

TEST_CASE("paging: MISSING_TABLES names PDPT, PD, PT in order as tables are added", "[paging]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t vs = w.alloc(p, HELIOS_CT_VSPACE);
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    SysResult r = map(w, p, pg, HELIOS_INV_page_map, kVa, vs);
    CHECK(r.status == Error::MISSING_TABLES);
    CHECK(r.value == HELIOS_LEVEL_PDPT);
    REQUIRE(map(w, p, w.alloc(p, HELIOS_CT_PDPT), HELIOS_INV_pdpt_map, kVa, vs).ok());
    r = map(w, p, pg, HELIOS_INV_page_map, kVa, vs);
    CHECK(r.status == Error::MISSING_TABLES);
    CHECK(r.value == HELIOS_LEVEL_PD);
    REQUIRE(map(w, p, w.alloc(p, HELIOS_CT_PD), HELIOS_INV_pd_map, kVa, vs).ok());
    r = map(w, p, pg, HELIOS_INV_page_map, kVa, vs);
    CHECK(r.status == Error::MISSING_TABLES);
    CHECK(r.value == HELIOS_LEVEL_PT);
    REQUIRE(map(w, p, w.alloc(p, HELIOS_CT_PT), HELIOS_INV_pt_map, kVa, vs).ok());
    r = map(w, p, pg, HELIOS_INV_page_map, kVa, vs);
    REQUIRE(r.ok());
    auto& m = fake_arch().mappings[vs_id(p, vs)];
    REQUIRE(m.count(kVa) == 1);
    CHECK(m[kVa].flags == HELIOS_MAP_WRITE);
    CHECK(m[kVa].phys == static_cast<Page*>(slot_of(p, pg).object)->phys());
    CHECK(static_cast<VSpace*>(slot_of(p, vs).object)->mapped_pages() == 1);
}

TEST_CASE("paging: a table needs its parent level (MISSING_TABLES with the level)", "[paging]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t vs = w.alloc(p, HELIOS_CT_VSPACE);
    helios_caddr_t pd = w.alloc(p, HELIOS_CT_PD);
    helios_caddr_t pt = w.alloc(p, HELIOS_CT_PT);
    SysResult r = map(w, p, pd, HELIOS_INV_pd_map, kVa, vs);
    CHECK(r.status == Error::MISSING_TABLES);
    CHECK(r.value == HELIOS_LEVEL_PDPT);
    r = map(w, p, pt, HELIOS_INV_pt_map, kVa, vs);
    CHECK(r.status == Error::MISSING_TABLES);
    CHECK(r.value == HELIOS_LEVEL_PDPT);
    REQUIRE(map(w, p, w.alloc(p, HELIOS_CT_PDPT), HELIOS_INV_pdpt_map, kVa, vs).ok());
    r = map(w, p, pt, HELIOS_INV_pt_map, kVa, vs);
    CHECK(r.status == Error::MISSING_TABLES);
    CHECK(r.value == HELIOS_LEVEL_PD);
    CHECK(map(w, p, pd, HELIOS_INV_pd_map, kVa, vs).ok());
    CHECK(map(w, p, pt, HELIOS_INV_pt_map, kVa, vs).ok());
    auto* t = static_cast<PageTable*>(slot_of(p, pt).object);
    CHECK(t->mapped());
    CHECK(t->vaddr() == (kVa & ~((1ull << 21) - 1)));
    CHECK(static_cast<PageTable*>(slot_of(p, pd).object)->vaddr() == (kVa & ~((1ull << 30) - 1)));
}

TEST_CASE("paging: BUSY when a page is mapped twice or the slot is taken", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    helios_caddr_t a = w.alloc(p, HELIOS_CT_PAGE);
    helios_caddr_t b = w.alloc(p, HELIOS_CT_PAGE);
    REQUIRE(map(w, p, a, HELIOS_INV_page_map, kVa, s.vs).ok());
    SysResult r = map(w, p, a, HELIOS_INV_page_map, kVa + HELIOS_PAGE_SIZE, s.vs);
    CHECK(r.status == Error::BUSY);
    CHECK(map(w, p, a, HELIOS_INV_page_map, kDataAddr + 10 * HELIOS_PAGE_SIZE, kSlotVSpace).status == Error::BUSY);
    CHECK(map(w, p, b, HELIOS_INV_page_map, kVa, s.vs).status == Error::BUSY);
    CHECK_FALSE(static_cast<Page*>(slot_of(p, b).object)->mapped());
    CHECK(fake_arch().mappings[vs_id(p, s.vs)].size() == 1);
}

TEST_CASE("paging: BUSY when a table is installed twice or its entry is taken", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    CHECK(map(w, p, s.pt, HELIOS_INV_pt_map, kVa + (4ull << 21), s.vs).status == Error::BUSY);
    CHECK(map(w, p, s.pdpt, HELIOS_INV_pdpt_map, 0, kSlotVSpace).status == Error::BUSY);
    helios_caddr_t pt2 = w.alloc(p, HELIOS_CT_PT);
    CHECK(map(w, p, pt2, HELIOS_INV_pt_map, kVa + 0x1000, s.vs).status == Error::BUSY);
    CHECK(map(w, p, w.alloc(p, HELIOS_CT_PD), HELIOS_INV_pd_map, kVa, s.vs).status == Error::BUSY);
    CHECK(map(w, p, w.alloc(p, HELIOS_CT_PDPT), HELIOS_INV_pdpt_map, kVa, s.vs).status == Error::BUSY);
    // A neighbouring 2 MiB range is free for pt2.
    CHECK(map(w, p, pt2, HELIOS_INV_pt_map, kVa + (1ull << 21), s.vs).ok());
}

TEST_CASE("paging: unaligned or non-user addresses are INVALID_PARAM", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, kVa + 1, s.vs).status == Error::INVALID_PARAM);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, kVa + 0x800, s.vs).status == Error::INVALID_PARAM);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, HELIOS_USER_TOP, s.vs).status == Error::INVALID_PARAM);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, 0xFFFF800000000000ull, s.vs).status == Error::INVALID_PARAM);
    helios_caddr_t pdpt = w.alloc(p, HELIOS_CT_PDPT);
    CHECK(map(w, p, pdpt, HELIOS_INV_pdpt_map, HELIOS_USER_TOP, s.vs).status == Error::INVALID_PARAM);
    CHECK(map(w, p, pdpt, HELIOS_INV_pdpt_map, ~0ull, s.vs).status == Error::INVALID_PARAM);
    CHECK_FALSE(static_cast<Page*>(slot_of(p, pg).object)->mapped());
}

TEST_CASE("paging: the highest user page can be mapped", "[paging]") {
    World w;
    Proc p = w.spawn();
    const uint64_t top = HELIOS_USER_TOP - HELIOS_PAGE_SIZE;
    Space s = make_space(w, p, top);
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, top, s.vs).ok());
}

TEST_CASE("paging: unknown map flags are INVALID_PARAM", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, kVa, s.vs, 0x4).status == Error::INVALID_PARAM);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, kVa, s.vs, 0x100).status == Error::INVALID_PARAM);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, kVa, s.vs, 1ull << 32 | HELIOS_MAP_WRITE).status ==
          Error::INVALID_PARAM);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, kVa, s.vs, HELIOS_MAP_EXEC).ok());
    CHECK(fake_arch().mappings[vs_id(p, s.vs)][kVa].flags == HELIOS_MAP_EXEC);
}

TEST_CASE("paging: a writable mapping needs the WRITE right", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    REQUIRE(cap_copy(w, p, 60, pg, HELIOS_RIGHT_SEND).ok());
    CHECK(map(w, p, 60, HELIOS_INV_page_map, kVa, s.vs, HELIOS_MAP_WRITE).status == Error::NO_RIGHTS);
    CHECK(map(w, p, 60, HELIOS_INV_page_map, kVa, s.vs, HELIOS_MAP_WRITE | HELIOS_MAP_EXEC).status ==
          Error::NO_RIGHTS);
    REQUIRE(map(w, p, 60, HELIOS_INV_page_map, kVa, s.vs, 0).ok());
    CHECK(fake_arch().mappings[vs_id(p, s.vs)][kVa].flags == 0);
    CHECK(w.invoke(p, 60, HELIOS_INV_page_protect, {HELIOS_MAP_WRITE}).status == Error::NO_RIGHTS);
}

TEST_CASE("paging: the vspace capability must be a vspace with SEND", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, kVa, kSlotCSpace).status == Error::INVALID_CTYPE);
    CHECK(map(w, p, pg, HELIOS_INV_page_map, kVa, 200).status == Error::INVALID_CSLOT);
    REQUIRE(cap_copy(w, p, 61, s.vs, HELIOS_RIGHT_RECV).ok());
    CHECK(map(w, p, pg, HELIOS_INV_page_map, kVa, 61).status == Error::NO_RIGHTS);
    CHECK(map(w, p, w.alloc(p, HELIOS_CT_PT), HELIOS_INV_pt_map, kVa, 61).status == Error::NO_RIGHTS);
}

TEST_CASE("paging: unmap removes the mapping and allows mapping again", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    REQUIRE(map(w, p, pg, HELIOS_INV_page_map, kVa, s.vs).ok());
    REQUIRE(w.invoke(p, pg, HELIOS_INV_page_unmap, {}).ok());
    auto& m = fake_arch().mappings[vs_id(p, s.vs)];
    CHECK(m.count(kVa) == 0);
    CHECK(w.invoke(p, s.vs, HELIOS_INV_vspace_lookup, {kVa}).status == Error::INVALID_PARAM);
    CHECK(w.invoke(p, pg, HELIOS_INV_page_unmap, {}).ok());  // harmless when unmapped
    REQUIRE(map(w, p, pg, HELIOS_INV_page_map, kVa + HELIOS_PAGE_SIZE, s.vs).ok());
    CHECK(m.count(kVa + HELIOS_PAGE_SIZE) == 1);
    CHECK(static_cast<VSpace*>(slot_of(p, s.vs).object)->mapped_pages() == 1);
}

TEST_CASE("paging: protect changes the flags of a mapped page", "[paging]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t pg = map_page(w, p, kDataAddr + 8 * HELIOS_PAGE_SIZE);
    const uint64_t va = kDataAddr + 8 * HELIOS_PAGE_SIZE;
    uint32_t v = 0x1234;
    REQUIRE(w.poke(p, va, &v, sizeof v));
    REQUIRE(w.invoke(p, pg, HELIOS_INV_page_protect, {HELIOS_MAP_EXEC}).ok());
    CHECK(fake_arch().mappings[p.vspace->id()][va].flags == HELIOS_MAP_EXEC);
    CHECK_FALSE(w.poke(p, va, &v, sizeof v));
    uint32_t back = 0;
    CHECK(w.peek(p, va, &back, sizeof back));
    CHECK(back == 0x1234);
    REQUIRE(w.invoke(p, pg, HELIOS_INV_page_protect, {HELIOS_MAP_WRITE}).ok());
    CHECK(w.poke(p, va, &v, sizeof v));
    CHECK(w.invoke(p, pg, HELIOS_INV_page_protect, {0x10}).status == Error::INVALID_PARAM);
    CHECK(w.invoke(p, pg, HELIOS_INV_page_protect, {0x1000}).status == Error::INVALID_PARAM);
}

TEST_CASE("paging: protect of an unmapped page is INVALID_PARAM", "[paging]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    CHECK(w.invoke(p, pg, HELIOS_INV_page_protect, {0}).status == Error::INVALID_PARAM);
}

TEST_CASE("paging: page_phys is the frame's address and holds the user's bytes", "[paging]") {
    World w;
    Proc p = w.spawn();
    const uint64_t va = kDataAddr + 8 * HELIOS_PAGE_SIZE;
    helios_caddr_t pg = map_page(w, p, va);
    SysResult r = w.invoke(p, pg, HELIOS_INV_page_phys, {});
    REQUIRE(r.ok());
    CHECK(r.value % HELIOS_PAGE_SIZE == 0);
    CHECK(r.value == static_cast<Page*>(slot_of(p, pg).object)->first_frame() * HELIOS_PAGE_SIZE);
    const char msg[] = "phys";
    REQUIRE(w.poke(p, va + 100, msg, sizeof msg));
    CHECK(std::memcmp(fake_arch().memory.data() + r.value + 100, msg, sizeof msg) == 0);
}

TEST_CASE("paging: vspace_lookup translates mapped addresses only", "[paging]") {
    World w;
    Proc p = w.spawn();
    const uint64_t va = kDataAddr + 8 * HELIOS_PAGE_SIZE;
    helios_caddr_t pg = map_page(w, p, va, 0);  // read-only is fine for lookup
    uint64_t phys = static_cast<Page*>(slot_of(p, pg).object)->phys();
    SysResult r = w.invoke(p, kSlotVSpace, HELIOS_INV_vspace_lookup, {va + 0xABC});
    REQUIRE(r.ok());
    CHECK(r.value == phys + 0xABC);
    CHECK(w.invoke(p, kSlotVSpace, HELIOS_INV_vspace_lookup, {va + HELIOS_PAGE_SIZE}).status ==
          Error::INVALID_PARAM);
    CHECK(w.invoke(p, kSlotVSpace, HELIOS_INV_vspace_lookup, {0x7000000000ull}).status == Error::INVALID_PARAM);
    CHECK(w.invoke(p, kSlotVSpace, HELIOS_INV_vspace_lookup, {HELIOS_USER_TOP}).status == Error::INVALID_PARAM);
    CHECK(w.invoke(p, kSlotVSpace, 2, {va}).status == Error::INVALID_SYSCALL);
}

TEST_CASE("paging: unknown labels on pages and tables are INVALID_SYSCALL", "[paging]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    CHECK(w.invoke(p, pg, 5, {}).status == Error::INVALID_SYSCALL);
    CHECK(w.invoke(p, pg, 0, {}).status == Error::INVALID_SYSCALL);
    const CapType tables[] = {HELIOS_CT_PDPT, HELIOS_CT_PD, HELIOS_CT_PT};
    for (CapType t : tables) CHECK(w.invoke(p, w.alloc(p, t), 2, {kVa}, {kSlotVSpace}).status == Error::INVALID_SYSCALL);
}

TEST_CASE("paging: destroying a page unmaps it", "[paging]") {
    World w;
    Proc p = w.spawn();
    const uint64_t va = kDataAddr + 8 * HELIOS_PAGE_SIZE;
    helios_caddr_t pg = map_page(w, p, va);
    REQUIRE(fake_arch().mappings[p.vspace->id()].count(va) == 1);
    uint64_t pages = p.vspace->mapped_pages();
    REQUIRE(cap_destroy(w, p, pg).ok());
    CHECK(fake_arch().mappings[p.vspace->id()].count(va) == 0);
    CHECK(p.vspace->mapped_pages() == pages - 1);
    CHECK(w.invoke(p, kSlotVSpace, HELIOS_INV_vspace_lookup, {va}).status == Error::INVALID_PARAM);
}

TEST_CASE("paging: destroying a table unmaps everything below it", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    helios_caddr_t b = w.alloc(p, HELIOS_CT_PAGE);
    REQUIRE(map(w, p, b, HELIOS_INV_page_map, kVa + 511 * HELIOS_PAGE_SIZE, s.vs).ok());
    // A second PT elsewhere under the same PD stays.
    helios_caddr_t pt2 = w.alloc(p, HELIOS_CT_PT);
    const uint64_t far = kVa + (1ull << 21);
    REQUIRE(map(w, p, pt2, HELIOS_INV_pt_map, far, s.vs).ok());
    helios_caddr_t c = w.alloc(p, HELIOS_CT_PAGE);
    REQUIRE(map(w, p, c, HELIOS_INV_page_map, far, s.vs).ok());
    auto& m = fake_arch().mappings[vs_id(p, s.vs)];
    REQUIRE(m.size() == 2);
    REQUIRE(cap_destroy(w, p, s.pt).ok());
    CHECK(m.count(kVa + 511 * HELIOS_PAGE_SIZE) == 0);
    CHECK(m.count(far) == 1);
    CHECK_FALSE(static_cast<Page*>(slot_of(p, b).object)->mapped());
    CHECK(static_cast<Page*>(slot_of(p, c).object)->mapped());
    // The page can be mapped again once a new table is in place.
    CHECK(map(w, p, b, HELIOS_INV_page_map, kVa, s.vs).status == Error::MISSING_TABLES);
    REQUIRE(map(w, p, w.alloc(p, HELIOS_CT_PT), HELIOS_INV_pt_map, kVa, s.vs).ok());
    CHECK(map(w, p, b, HELIOS_INV_page_map, kVa, s.vs).ok());
}

TEST_CASE("paging: destroying a PD removes the PTs and pages below, not the PDPT", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    helios_caddr_t b = w.alloc(p, HELIOS_CT_PAGE);
    REQUIRE(map(w, p, b, HELIOS_INV_page_map, kVa, s.vs).ok());
    REQUIRE(cap_destroy(w, p, s.pd).ok());
    auto* pt = static_cast<PageTable*>(slot_of(p, s.pt).object);
    CHECK_FALSE(pt->mapped());
    CHECK(static_cast<PageTable*>(slot_of(p, s.pdpt).object)->mapped());
    CHECK(fake_arch().mappings[vs_id(p, s.vs)].empty());
    SysResult r = map(w, p, b, HELIOS_INV_page_map, kVa, s.vs);
    CHECK(r.status == Error::MISSING_TABLES);
    CHECK(r.value == HELIOS_LEVEL_PD);
    // The emptied PT can be installed again, and starts clean.
    REQUIRE(map(w, p, w.alloc(p, HELIOS_CT_PD), HELIOS_INV_pd_map, kVa, s.vs).ok());
    REQUIRE(map(w, p, s.pt, HELIOS_INV_pt_map, kVa, s.vs).ok());
    CHECK(w.invoke(p, s.vs, HELIOS_INV_vspace_lookup, {kVa}).status == Error::INVALID_PARAM);
    CHECK(map(w, p, b, HELIOS_INV_page_map, kVa, s.vs).ok());
}

TEST_CASE("paging: destroying the PT at address 0 keeps the tables above it", "[paging]") {
    // The PT covering 0 has the same base address as the PD and PDPT above
    // it; only the PT and what is below it may go.
    World w;
    Proc p = w.spawn();
    helios_caddr_t pt0 = w.alloc(p, HELIOS_CT_PT);
    REQUIRE(map(w, p, pt0, HELIOS_INV_pt_map, 0, kSlotVSpace).ok());
    helios_caddr_t pg0 = map_page(w, p, 0);
    (void)pg0;
    REQUIRE(cap_destroy(w, p, pt0).ok());
    CHECK(fake_arch().mappings[p.vspace->id()].count(0) == 0);
    // The process's own pages (same PD and PDPT) are still there.
    uint64_t v = 0;
    CHECK(w.peek(p, kDataAddr, &v, sizeof v));
    CHECK(w.k.ipcbuf_of(*p.task) == p.ipc);
    CHECK(w.invoke(p, kSlotVSpace, HELIOS_INV_vspace_lookup, {kIpcBufAddr}).ok());
    for (PageTable* t = p.vspace->tables.front(); t; t = p.vspace->tables.next(t)) CHECK(t->mapped());
    // And a new PT at 0 goes in without MISSING_TABLES.
    CHECK(map(w, p, w.alloc(p, HELIOS_CT_PT), HELIOS_INV_pt_map, 0, kSlotVSpace).ok());
}

TEST_CASE("paging: destroying a vspace unmaps everything and frees the tables for reuse", "[paging]") {
    World w;
    Proc p = w.spawn();
    Space s = make_space(w, p);
    helios_caddr_t b = w.alloc(p, HELIOS_CT_PAGE);
    REQUIRE(map(w, p, b, HELIOS_INV_page_map, kVa, s.vs).ok());
    uint32_t id = vs_id(p, s.vs);
    fake_arch().calls.clear();
    REQUIRE(cap_destroy(w, p, s.vs).ok());
    CHECK(fake_arch().mappings.count(id) == 0);
    REQUIRE(fake_arch().calls.size() == 1);
    CHECK(fake_arch().calls[0] == "vspace_destroyed " + std::to_string(id));
    CHECK_FALSE(static_cast<Page*>(slot_of(p, b).object)->mapped());
    CHECK_FALSE(static_cast<PageTable*>(slot_of(p, s.pt).object)->mapped());
    // Page and tables can go into another vspace.
    helios_caddr_t vs2 = w.alloc(p, HELIOS_CT_VSPACE);
    REQUIRE(map(w, p, s.pdpt, HELIOS_INV_pdpt_map, kVa, vs2).ok());
    REQUIRE(map(w, p, s.pd, HELIOS_INV_pd_map, kVa, vs2).ok());
    REQUIRE(map(w, p, s.pt, HELIOS_INV_pt_map, kVa, vs2).ok());
    CHECK(map(w, p, b, HELIOS_INV_page_map, kVa, vs2).ok());
}

TEST_CASE("paging: destroying a vspace unconfigures the tasks that use it", "[paging]") {
    World w;
    Proc p = w.spawn();
    Proc q = w.spawn();
    helios_caddr_t qvs = give(p, q.vspace, HELIOS_CT_VSPACE);
    REQUIRE(w.k.scheduler().queued(*q.task));
    // The only owning caps are q's task slot and the one just given.
    REQUIRE(cap_destroy(w, p, qvs).ok());
    CHECK(q.task->vspace() != nullptr);  // q's own task still holds it
    w.k.destroy(q.vspace);
    CHECK(q.task->vspace() == nullptr);
    CHECK_FALSE(q.task->configured());
    CHECK_FALSE(w.k.scheduler().queued(*q.task));
}

TEST_CASE("paging: user memory copies cross page boundaries", "[paging]") {
    World w;
    Proc p = w.spawn();
    char out[3 * 4096];
    for (unsigned i = 0; i < sizeof out; ++i) out[i] = static_cast<char>(i * 7);
    const uint64_t va = kDataAddr + 100;
    REQUIRE(w.poke(p, va, out, sizeof out));
    char in[sizeof out] = {};
    REQUIRE(w.peek(p, va, in, sizeof in));
    CHECK(std::memcmp(in, out, sizeof out) == 0);
    // The bytes landed in the right frames.
    auto phys1 = w.k.paging().translate(*p.vspace, kDataAddr + HELIOS_PAGE_SIZE, false);
    REQUIRE(phys1.ok());
    CHECK(fake_arch().memory[*phys1] == out[HELIOS_PAGE_SIZE - 100]);
    // Past the last data page: the whole copy fails, nothing is written.
    char zero[8] = {};
    const uint64_t edge = kDataAddr + kDataPages * HELIOS_PAGE_SIZE - 4;
    REQUIRE(w.poke(p, edge - 4, zero, 8));
    const char ff[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_FALSE(w.poke(p, edge, ff, 8));
    char check[4] = {9, 9, 9, 9};
    REQUIRE(w.peek(p, edge, check, 4));
    CHECK(check[0] == 0);
    CHECK_FALSE(w.peek(p, edge, in, 8));
    CHECK(w.poke(p, 0, nullptr, 0));  // an empty copy always works
}

TEST_CASE("paging: copy_to_user into a read-only page fails and writes nothing", "[paging]") {
    World w;
    Proc p = w.spawn();
    const uint64_t ro = kDataAddr + kDataPages * HELIOS_PAGE_SIZE;  // right after the data pages
    map_page(w, p, ro, 0);
    char buf[16] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    CHECK_FALSE(w.poke(p, ro, buf, 4));
    // Spanning a writable and a read-only page: all or nothing.
    CHECK_FALSE(w.poke(p, ro - 8, buf, 16));
    char back[8] = {1};
    REQUIRE(w.peek(p, ro - 8, back, 8));
    for (char c : back) CHECK(c == 0);
    CHECK(w.peek(p, ro, back, 8));
}

TEST_CASE("paging: user copies reject ranges that wrap or reach the top", "[paging]") {
    World w;
    Proc p = w.spawn();
    char b[16];
    CHECK_FALSE(w.peek(p, HELIOS_USER_TOP - 8, b, 16));
    CHECK_FALSE(w.peek(p, ~0ull - 4, b, 16));
    CHECK_FALSE(w.k.copy_from_user(*p.vspace, kDataAddr, b, ~0ull));
}

TEST_CASE("paging: a freed page comes back zeroed", "[paging]") {
    World w;
    Proc p = w.spawn();
    const uint64_t va = kDataAddr + 8 * HELIOS_PAGE_SIZE;
    helios_caddr_t pg = map_page(w, p, va);
    uint64_t phys = static_cast<Page*>(slot_of(p, pg).object)->phys();
    uint64_t secret = 0x5EC2E7;
    REQUIRE(w.poke(p, va, &secret, sizeof secret));
    REQUIRE(cap_destroy(w, p, pg).ok());
    helios_caddr_t again = map_page(w, p, va);
    CHECK(static_cast<Page*>(slot_of(p, again).object)->phys() == phys);  // lowest free frame
    uint64_t v = 1;
    REQUIRE(w.peek(p, va, &v, sizeof v));
    CHECK(v == 0);
}
