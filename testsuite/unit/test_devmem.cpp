// DevMem: watermark allocation of device pages and sub-ranges.
#include "support/ops.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

namespace {
constexpr uint64_t kDevBase = 0xFE000000;  // far above the fake RAM

helios_caddr_t make_devmem(World& w, Proc& p, uint64_t pages, uint64_t base = kDevBase) {
    auto r = w.k.create_boot_object(HELIOS_CT_DEVMEM, pages, base);
    REQUIRE(r.ok());
    return give(p, *r, HELIOS_CT_DEVMEM);
}

SysResult dev_alloc(World& w, Proc& p, helios_caddr_t dm, CapType type, uint64_t size, uint64_t count,
                    std::initializer_list<helios_caddr_t> dests) {
    return w.invoke(p, dm, HELIOS_INV_devmem_allocate, {static_cast<uint64_t>(type), size, count}, dests);
}

uint64_t page_phys(World& w, Proc& p, helios_caddr_t pg) {
    SysResult r = w.invoke(p, pg, HELIOS_INV_page_phys, {});
    REQUIRE(r.ok());
    return r.value;
}

struct DevInfo {
    uint64_t base, pages, watermark;
};
DevInfo dev_info(World& w, Proc& p, helios_caddr_t dm) {
    SysResult r = w.invoke(p, dm, HELIOS_INV_devmem_info, {});
    REQUIRE(r.ok());
    return {r.value, p.ipc->params[0], p.ipc->params[1]};
}
}  // namespace

TEST_CASE("devmem: info reports base, size and watermark", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 16);
    DevInfo i = dev_info(w, p, dm);
    CHECK(i.base == kDevBase);
    CHECK(i.pages == 16);
    CHECK(i.watermark == 0);
}

TEST_CASE("devmem: pages come from the watermark upwards", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 16);
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {HELIOS_CADDR_UNDEF}).ok());
    helios_caddr_t a = p.ipc->caps[0];
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {HELIOS_CADDR_UNDEF}).ok());
    helios_caddr_t b = p.ipc->caps[0];
    CHECK(page_phys(w, p, a) == kDevBase);
    CHECK(page_phys(w, p, b) == kDevBase + HELIOS_PAGE_SIZE);
    CHECK(dev_info(w, p, dm).watermark == 2);
    auto* page = static_cast<Page*>(slot_of(p, a).object);
    CHECK(page->device());
    CHECK(slot_of(p, a).rights == HELIOS_RIGHTS_ALL);
    // Device pages are not charged to any memory.
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("devmem: count > 1 gives consecutive pages", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 16);
    SysResult r = dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 3, {HELIOS_CADDR_UNDEF, 30, HELIOS_CADDR_UNDEF});
    REQUIRE(r.ok());
    CHECK(r.value == p.ipc->caps[0]);
    helios_caddr_t caps[3] = {p.ipc->caps[0], p.ipc->caps[1], p.ipc->caps[2]};
    CHECK(caps[1] == 30);
    for (unsigned i = 0; i < 3; ++i) CHECK(page_phys(w, p, caps[i]) == kDevBase + i * HELIOS_PAGE_SIZE);
    CHECK(dev_info(w, p, dm).watermark == 3);
}

TEST_CASE("devmem: a device page at physical address 0 keeps its address", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 4, 0);
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {HELIOS_CADDR_UNDEF}).ok());
    helios_caddr_t pg = p.ipc->caps[0];
    CHECK(page_phys(w, p, pg) == 0);
    CHECK(static_cast<Page*>(slot_of(p, pg).object)->device());
}

TEST_CASE("devmem: a sub-devmem takes a range and allocates inside it", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 16);
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {HELIOS_CADDR_UNDEF}).ok());
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_DEVMEM, 4, 1, {40}).ok());
    DevInfo sub = dev_info(w, p, 40);
    CHECK(sub.base == kDevBase + HELIOS_PAGE_SIZE);
    CHECK(sub.pages == 4);
    CHECK(sub.watermark == 0);
    CHECK(dev_info(w, p, dm).watermark == 5);
    REQUIRE(dev_alloc(w, p, 40, HELIOS_CT_PAGE, 0, 2, {41, 42}).ok());
    CHECK(page_phys(w, p, 42) == kDevBase + 2 * HELIOS_PAGE_SIZE);
    CHECK(dev_alloc(w, p, 40, HELIOS_CT_PAGE, 0, 3, {43, 44, 45}).status == Error::NOMEM);
    CHECK(dev_info(w, p, 40).watermark == 2);
}

TEST_CASE("devmem: the watermark resets when every child is gone", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 8);
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 2, {30, 31}).ok());
    REQUIRE(cap_destroy(w, p, 30).ok());
    CHECK(dev_info(w, p, dm).watermark == 2);  // one child is still there
    REQUIRE(cap_destroy(w, p, 31).ok());
    CHECK(dev_info(w, p, dm).watermark == 0);
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {30}).ok());
    CHECK(page_phys(w, p, 30) == kDevBase);
}

TEST_CASE("devmem: NOMEM past the end, with nothing allocated", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 3);
    uint64_t frames = w.frames_used();
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 4, {30, 31, 32, 33}).status == Error::NOMEM);
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_DEVMEM, 4, 1, {30}).status == Error::NOMEM);
    CHECK(slot_of(p, 30).is_null());
    CHECK(dev_info(w, p, dm).watermark == 0);
    CHECK(w.frames_used() == frames);
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 3, {30, 31, 32}).ok());
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {33}).status == Error::NOMEM);
}

TEST_CASE("devmem: wrong type is INVALID_CTYPE; bad size or count INVALID_PARAM", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 8);
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_ENDPOINT, 0, 1, {30}).status == Error::INVALID_CTYPE);
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_MEMORY, 1, 1, {30}).status == Error::INVALID_CTYPE);
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_DEVMEM, 0, 1, {30}).status == Error::INVALID_PARAM);
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_DEVMEM, 2, 2, {30, 31}).status == Error::INVALID_PARAM);
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 0, {}).status == Error::INVALID_PARAM);
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 9, {}).status == Error::INVALID_PARAM);
    CHECK(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {kSlotTask}).status == Error::INVALID_CSLOT);
    CHECK(dev_info(w, p, dm).watermark == 0);
    CHECK(w.invoke(p, dm, 7, {}).status == Error::INVALID_SYSCALL);
}

TEST_CASE("devmem: a device page maps at its device address and unmaps on destroy", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 8);
    uint64_t frames = w.frames_used();
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {30}).ok());
    const uint64_t va = kDataAddr + 8 * HELIOS_PAGE_SIZE;
    REQUIRE(w.invoke(p, 30, HELIOS_INV_page_map, {va, HELIOS_MAP_WRITE}, {kSlotVSpace}).ok());
    auto& maps = fake_arch().mappings[p.vspace->id()];
    REQUIRE(maps.count(va) == 1);
    CHECK(maps[va].phys == kDevBase);
    SysResult look = w.invoke(p, kSlotVSpace, HELIOS_INV_vspace_lookup, {va + 0x10});
    REQUIRE(look.ok());
    CHECK(look.value == kDevBase + 0x10);
    REQUIRE(cap_destroy(w, p, 30).ok());
    CHECK(maps.count(va) == 0);
    CHECK(w.frames_used() == frames);  // the page's record frame came back
}

TEST_CASE("devmem: the kernel never copies user data through device pages", "[devmem]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t dm = make_devmem(w, p, 8);
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {30}).ok());
    const uint64_t va = kDataAddr + 8 * HELIOS_PAGE_SIZE;
    REQUIRE(w.invoke(p, 30, HELIOS_INV_page_map, {va, HELIOS_MAP_WRITE}, {kSlotVSpace}).ok());
    // MMIO is not memory the kernel may read or write on a user's behalf.
    CHECK(w.sys(p, HELIOS_SYS_writecons, va, 8).status == Error::INVALID_PARAM);
    uint8_t byte = 1;
    CHECK_FALSE(w.poke(p, va, &byte, 1));
    CHECK_FALSE(w.peek(p, va, &byte, 1));
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    CHECK(w.invoke(p, t, HELIOS_INV_task_read_registers, {va}).status == Error::INVALID_PARAM);
    // Nor can it be an IPC buffer.
    CHECK(w.invoke(p, t, HELIOS_INV_task_configure, {va}, {kSlotCSpace, kSlotVSpace}).status ==
          Error::INVALID_PARAM);
}

TEST_CASE("devmem: destroying a devmem destroys its pages and sub-ranges", "[devmem]") {
    World w;
    Proc p = w.spawn();
    uint64_t frames = w.frames_used();
    helios_caddr_t dm = make_devmem(w, p, 8);
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_PAGE, 0, 1, {30}).ok());
    REQUIRE(dev_alloc(w, p, dm, HELIOS_CT_DEVMEM, 4, 1, {31}).ok());
    REQUIRE(dev_alloc(w, p, 31, HELIOS_CT_PAGE, 0, 1, {32}).ok());
    REQUIRE(cap_destroy(w, p, dm).ok());
    CHECK(slot_of(p, 30).is_null());
    CHECK(slot_of(p, 31).is_null());
    CHECK(slot_of(p, 32).is_null());
    CHECK(w.frames_used() == frames);
}
