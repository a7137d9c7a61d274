// Host limits: a machine that refuses one more vspace, task or mapping makes the request fail with NOMEM, leaving nothing behind.
#include "support/ops.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

TEST_CASE("host limits: a refused vspace or task is NOMEM and costs nothing", "[limits]") {
    World w;
    Proc p = w.spawn();
    const CapType type = GENERATE(HELIOS_CT_VSPACE, HELIOS_CT_TASK);
    // Allow exactly one more than exist now.
    const uint64_t live = w.k.stats().live_by_type[type];
    fake_arch().object_limit[type] = live + 1;
    REQUIRE(mem_alloc(w, p, kSlotMemory, type, 0, 1, {HELIOS_CADDR_UNDEF}).ok());
    CHECK(w.k.stats().live_by_type[type] == live + 1);

    const uint64_t frames = w.frames_used();
    const uint64_t objects = w.k.stats().objects_live;
    const MemInfo before = mem_info(w, p);
    SysResult r = mem_alloc(w, p, kSlotMemory, type, 0, 1, {HELIOS_CADDR_UNDEF});
    CHECK(r.status == Error::NOMEM);
    CHECK(w.frames_used() == frames);
    CHECK(w.k.stats().objects_live == objects);
    CHECK(mem_info(w, p).used == before.used);

    // A higher limit admits the next one.
    fake_arch().object_limit[type] = live + 2;
    CHECK(mem_alloc(w, p, kSlotMemory, type, 0, 1, {HELIOS_CADDR_UNDEF}).ok());
    CHECK(w.k.stats().live_by_type[type] == live + 2);
}

TEST_CASE("host limits: live counts fall when objects are destroyed", "[limits]") {
    World w;
    Proc p = w.spawn();
    const uint64_t live = w.k.stats().live_by_type[HELIOS_CT_TASK];
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    CHECK(w.k.stats().live_by_type[HELIOS_CT_TASK] == live + 1);
    REQUIRE(cap_destroy(w, p, t).ok());
    CHECK(w.k.stats().live_by_type[HELIOS_CT_TASK] == live);
}

TEST_CASE("host limits: a refused mapping is NOMEM and the page stays unmapped", "[limits]") {
    World w;
    Proc p = w.spawn();
    constexpr uint64_t kVa = 0x0000004000200000ull;
    map_tables(w, p, kVa);
    VSpace* vs = static_cast<VSpace*>(slot_of(p, kSlotVSpace).object);
    fake_arch().mapping_limit = vs->mapped_pages() + 1;
    map_page(w, p, kVa);
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    SysResult r = w.invoke(p, pg, HELIOS_INV_page_map, {kVa + HELIOS_PAGE_SIZE, HELIOS_MAP_WRITE}, {kSlotVSpace});
    CHECK(r.status == Error::NOMEM);
    CHECK(fake_arch().mappings[vs->id()].count(kVa + HELIOS_PAGE_SIZE) == 0);
    CHECK_FALSE(w.k.paging().translate(*vs, kVa + HELIOS_PAGE_SIZE, false).ok());
    // The same page maps once the limit allows it.
    fake_arch().mapping_limit = ~0ull;
    r = w.invoke(p, pg, HELIOS_INV_page_map, {kVa + HELIOS_PAGE_SIZE, HELIOS_MAP_WRITE}, {kSlotVSpace});
    CHECK(r.status == Error::NONE);
}
