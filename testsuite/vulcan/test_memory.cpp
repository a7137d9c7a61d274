// memory: allocate, atomic failure, quota exhausted, sub-divide, destroy cascades; devmem.
#include "vulcan.h"

using namespace helios;
using namespace vulcan;

namespace {
constexpr helios_caddr_t CS = HELIOS_INIT_CAP_CSPACE;
constexpr helios_caddr_t VS = HELIOS_INIT_CAP_VSPACE;
constexpr helios_caddr_t DM = HELIOS_INIT_CAP_DEVMEM;

struct Info {
    uint64_t available, quota, used;
};
Info info(helios_caddr_t memory) {
    SysResult r = memory_info(memory);
    CHECK_OK(r);
    return {r.value, ipcbuf()->params[0], ipcbuf()->params[1]};
}

struct DevInfo {
    uint64_t base, pages, watermark;
};
DevInfo devinfo(helios_caddr_t devmem) {
    SysResult r = inv::devmem_info(devmem);
    CHECK_OK(r);
    return {r.value, ipcbuf()->params[0], ipcbuf()->params[1]};
}
}  // namespace

VULCAN_TEST(memory, allocate) {
    helios_caddr_t m = alloc_memory(16);
    Info i = info(m);
    CHECK_EQ(i.quota, 16);
    CHECK_EQ(i.used, 0);
    CHECK_EQ(i.available, 16);
    helios_caddr_t pages[3] = {HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF};
    CHECK_OK(memory_allocate(m, HELIOS_CT_PAGE, 0, pages, 3));
    i = info(m);
    CHECK_EQ(i.used, 3);
    CHECK_EQ(i.available, 13);
    uint64_t phys[3];
    for (int k = 0; k < 3; ++k) {
        CHECK_EQ(type_of(pages[k]), HELIOS_CT_PAGE);
        SysResult p = page_phys(pages[k]);
        CHECK_OK(p);
        CHECK_EQ(p.value % HELIOS_PAGE_SIZE, 0);
        phys[k] = p.value;
    }
    CHECK(phys[0] != phys[1] && phys[1] != phys[2] && phys[0] != phys[2]);
    // A cspace costs its slots: radix 8 takes more than one page.
    SysResult cs = memory_allocate_one(m, HELIOS_CT_CSPACE, 8);
    CHECK_OK(cs);
    CHECK(info(m).used > 4);
    // Fresh pages are zero.
    CHECK_OK(map_page(ctx().mem, VS, pages[0], ctx().va, 0));
    const volatile uint64_t* words = reinterpret_cast<const volatile uint64_t*>(ctx().va);
    for (unsigned k = 0; k < HELIOS_PAGE_SIZE / 8; ++k) CHECK_EQ(words[k], 0);
    destroy(m);
    CHECK_EQ(type_of(pages[0]), HELIOS_CT_NULL_CAP);
}

VULCAN_TEST(memory, atomic_failure) {
    helios_caddr_t m = alloc_memory(4);
    helios_caddr_t low = empty_slot();
    // Five pages from four: nothing is allocated, no slot is filled.
    helios_caddr_t caps[5];
    for (auto& c : caps) c = HELIOS_CADDR_UNDEF;
    CHECK_ERR(memory_allocate(m, HELIOS_CT_PAGE, 0, caps, 5), NOMEM);
    CHECK_EQ(info(m).used, 0);
    CHECK_EQ(empty_slot(), low);
    // One bad destination among three: nothing either.
    helios_caddr_t taken = alloc(HELIOS_CT_NOTIFICATION);
    helios_caddr_t mixed[3] = {HELIOS_CADDR_UNDEF, taken, HELIOS_CADDR_UNDEF};
    CHECK_ERR(memory_allocate(m, HELIOS_CT_PAGE, 0, mixed, 3), INVALID_CSLOT);
    CHECK_EQ(info(m).used, 0);
    destroy(taken);
    CHECK_EQ(empty_slot(), low);
    // Exactly the quota works.
    for (auto& c : caps) c = HELIOS_CADDR_UNDEF;
    CHECK_OK(memory_allocate(m, HELIOS_CT_PAGE, 0, caps, 4));
    CHECK_EQ(info(m).available, 0);
    destroy(m);
}

VULCAN_TEST(memory, quota_exhausted) {
    helios_caddr_t m = alloc_memory(8);
    helios_caddr_t caps[8];
    for (auto& c : caps) c = HELIOS_CADDR_UNDEF;
    CHECK_OK(memory_allocate(m, HELIOS_CT_NOTIFICATION, 0, caps, 8));
    CHECK_ERR(memory_allocate_one(m, HELIOS_CT_ENDPOINT), NOMEM);
    CHECK_ERR(memory_allocate_one(m, HELIOS_CT_MEMORY, 1), NOMEM);
    // Freeing one object makes room for one.
    destroy(caps[3]);
    CHECK_EQ(info(m).available, 1);
    SysResult again = memory_allocate_one(m, HELIOS_CT_ENDPOINT);
    CHECK_OK(again);
    CHECK_ERR(memory_allocate_one(m, HELIOS_CT_PAGE), NOMEM);
    // More than the quota in one object.
    helios_caddr_t tiny = alloc_memory(2);
    CHECK_ERR(memory_allocate_one(tiny, HELIOS_CT_CSPACE, 12), NOMEM);
    CHECK_ERR(memory_allocate_one(tiny, HELIOS_CT_MEMORY, 2), NOMEM);
    CHECK_EQ(info(tiny).used, 0);
    CHECK_OK(cspace_destroy(CS, {m, tiny}));
}

VULCAN_TEST(memory, subdivide) {
    uint64_t before = used(ctx().mem);
    helios_caddr_t child = alloc_memory(8);
    // A child costs one page plus its quota.
    CHECK_EQ(used(ctx().mem), before + 9);
    SysResult g = memory_allocate_one(child, HELIOS_CT_MEMORY, 4);
    CHECK_OK(g);
    auto grandchild = static_cast<helios_caddr_t>(g.value);
    CHECK_EQ(info(child).used, 5);
    CHECK_EQ(info(grandchild).quota, 4);
    // Allocating from the grandchild draws on its own quota only.
    SysResult p = memory_allocate_one(grandchild, HELIOS_CT_PAGE);
    CHECK_OK(p);
    CHECK_EQ(info(grandchild).used, 1);
    CHECK_EQ(info(child).used, 5);
    CHECK_EQ(used(ctx().mem), before + 9);
    destroy(grandchild);
    CHECK_EQ(type_of(static_cast<helios_caddr_t>(p.value)), HELIOS_CT_NULL_CAP);
    CHECK_EQ(info(child).used, 0);
    CHECK_ERR(memory_allocate_one(child, HELIOS_CT_MEMORY, 0), INVALID_PARAM);
    destroy(child);
    CHECK_EQ(used(ctx().mem), before);
}

VULCAN_TEST(memory, destroy_cascades) {
    uint64_t before = used(ctx().mem);
    helios_caddr_t child = alloc_memory(48);
    helios_caddr_t made[8];
    unsigned n = 0;
    static const uint64_t kTypes[] = {HELIOS_CT_ENDPOINT, HELIOS_CT_NOTIFICATION, HELIOS_CT_TASK, HELIOS_CT_VSPACE,
                                      HELIOS_CT_PAGE};
    for (uint64_t type : kTypes) {
        SysResult r = memory_allocate_one(child, type);
        CHECK_OK(r);
        made[n++] = static_cast<helios_caddr_t>(r.value);
    }
    SysResult cs = memory_allocate_one(child, HELIOS_CT_CSPACE, 3);
    CHECK_OK(cs);
    made[n++] = static_cast<helios_caddr_t>(cs.value);
    SysResult g = memory_allocate_one(child, HELIOS_CT_MEMORY, 4);
    CHECK_OK(g);
    made[n++] = static_cast<helios_caddr_t>(g.value);
    SysResult gp = memory_allocate_one(static_cast<helios_caddr_t>(g.value), HELIOS_CT_PAGE);
    CHECK_OK(gp);
    made[n++] = static_cast<helios_caddr_t>(gp.value);
    // A page mapped with page tables from the child, and a copy of the
    // endpoint kept in a cspace that is not the child's.
    CHECK_OK(map_page(child, VS, made[4], ctx().va, HELIOS_MAP_WRITE));
    *reinterpret_cast<volatile uint64_t*>(ctx().va) = 7;
    helios_caddr_t outside = alloc(HELIOS_CT_CSPACE, 2);
    CHECK_OK(cspace_copy_to(CS, outside, 0, made[0]));
    destroy(child);
    for (unsigned k = 0; k < n; ++k) CHECK_EQ(type_of(made[k]), HELIOS_CT_NULL_CAP);
    CHECK_ERR(cspace_copy_from(CS, HELIOS_CADDR_UNDEF, outside, 0), INVALID_CSLOT);
    CHECK_ERR(vspace_lookup(VS, ctx().va), INVALID_PARAM);
    destroy(outside);
    // Every page came back.
    CHECK_EQ(used(ctx().mem), before);
}

VULCAN_TEST(memory, bad_parameters) {
    helios_caddr_t one[1] = {HELIOS_CADDR_UNDEF};
    CHECK_ERR(inv::memory_allocate(ctx().mem, 99, 0, 1, Caps(one, 1)), INVALID_CTYPE);
    CHECK_ERR(inv::memory_allocate(ctx().mem, HELIOS_CT_IRQ, 0, 1, Caps(one, 1)), INVALID_CTYPE);
    CHECK_ERR(inv::memory_allocate(ctx().mem, HELIOS_CT_REPLY, 0, 1, Caps(one, 1)), INVALID_CTYPE);
    CHECK_ERR(inv::memory_allocate(ctx().mem, HELIOS_CT_DEVMEM, 1, 1, Caps(one, 1)), INVALID_CTYPE);
    CHECK_ERR(inv::memory_allocate(ctx().mem, HELIOS_CT_NULL_CAP, 0, 1, Caps(one, 1)), INVALID_CTYPE);
    CHECK_ERR(inv::memory_allocate(ctx().mem, HELIOS_CT_PAGE, 0, 0, Caps(one, 1)), INVALID_PARAM);
    CHECK_ERR(inv::memory_allocate(ctx().mem, HELIOS_CT_PAGE, 0, 9, Caps(one, 1)), INVALID_PARAM);
    CHECK_ERR(memory_allocate_one(ctx().mem, HELIOS_CT_CSPACE, 0), INVALID_PARAM);
    CHECK_ERR(memory_allocate_one(ctx().mem, HELIOS_CT_CSPACE, 17), INVALID_PARAM);
    CHECK_ERR(memory_allocate_one(ctx().mem, HELIOS_CT_MEMORY, 0), INVALID_PARAM);
    helios_caddr_t taken = alloc(HELIOS_CT_NOTIFICATION);
    CHECK_ERR(memory_allocate_one(ctx().mem, HELIOS_CT_PAGE, 0, taken), INVALID_CSLOT);
    CHECK_ERR(memory_allocate_one(ctx().mem, HELIOS_CT_PAGE, 0, 4096), INVALID_CADDR);
    helios_caddr_t free_slot = empty_slot();
    helios_caddr_t twice[2] = {free_slot, free_slot};
    CHECK_ERR(memory_allocate(ctx().mem, HELIOS_CT_PAGE, 0, twice, 2), INVALID_CSLOT);
    CHECK_EQ(type_of(free_slot), HELIOS_CT_NULL_CAP);
    destroy(taken);
}

VULCAN_TEST(devmem, allocate) {
    DevInfo d = devinfo(DM);
    CHECK(d.pages >= 4);
    CHECK_EQ(d.watermark, 0);
    helios_caddr_t pages[2] = {HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF};
    CHECK_OK(inv::devmem_allocate(DM, HELIOS_CT_PAGE, 0, 2, Caps(pages, 2)));
    defer_destroy(pages[0]);
    defer_destroy(pages[1]);
    CHECK_EQ(type_of(pages[0]), HELIOS_CT_PAGE);
    SysResult p0 = page_phys(pages[0]);
    SysResult p1 = page_phys(pages[1]);
    CHECK_EQ(p0.value, d.base);
    CHECK_EQ(p1.value, d.base + HELIOS_PAGE_SIZE);
    CHECK_EQ(devinfo(DM).watermark, 2);
    // Device memory maps like memory, but the kernel never touches it on a
    // user's behalf (no writecons from it).
    CHECK_OK(map_page(ctx().mem, VS, pages[0], ctx().va, HELIOS_MAP_WRITE));
    volatile uint64_t* word = reinterpret_cast<volatile uint64_t*>(ctx().va);
    *word = 0x1234;
    CHECK_EQ(*word, 0x1234);
    CHECK_ERR(sys::writecons(ctx().va, 1), INVALID_PARAM);
    CHECK_OK(cspace_destroy(CS, {pages[0], pages[1]}));
    CHECK_EQ(devinfo(DM).watermark, 0);
    CHECK_ERR(vspace_lookup(VS, ctx().va), INVALID_PARAM);
}

VULCAN_TEST(devmem, watermark) {
    DevInfo d = devinfo(DM);
    helios_caddr_t sub[1] = {HELIOS_CADDR_UNDEF};
    CHECK_OK(inv::devmem_allocate(DM, HELIOS_CT_DEVMEM, 4, 1, Caps(sub, 1)));
    defer_destroy(sub[0]);
    DevInfo s = devinfo(sub[0]);
    CHECK_EQ(s.base, d.base);
    CHECK_EQ(s.pages, 4);
    CHECK_EQ(devinfo(DM).watermark, 4);
    // Allocation only moves up: the next page of the parent is past the child.
    helios_caddr_t above[1] = {HELIOS_CADDR_UNDEF};
    CHECK_OK(inv::devmem_allocate(DM, HELIOS_CT_PAGE, 0, 1, Caps(above, 1)));
    defer_destroy(above[0]);
    CHECK_EQ(page_phys(above[0]).value, d.base + 4 * HELIOS_PAGE_SIZE);
    helios_caddr_t inner[1] = {HELIOS_CADDR_UNDEF};
    CHECK_OK(inv::devmem_allocate(sub[0], HELIOS_CT_PAGE, 0, 1, Caps(inner, 1)));
    CHECK_EQ(page_phys(inner[0]).value, d.base);
    CHECK_EQ(devinfo(sub[0]).watermark, 1);
    // When everything made from a range is gone, its watermark resets.
    destroy(inner[0]);
    CHECK_EQ(devinfo(sub[0]).watermark, 0);
    CHECK_OK(cspace_destroy(CS, {sub[0], above[0]}));
    CHECK_EQ(devinfo(DM).watermark, 0);
}

VULCAN_TEST(devmem, errors) {
    DevInfo d = devinfo(DM);
    helios_caddr_t one[1] = {HELIOS_CADDR_UNDEF};
    CHECK_ERR(inv::devmem_allocate(DM, HELIOS_CT_ENDPOINT, 0, 1, Caps(one, 1)), INVALID_CTYPE);
    CHECK_ERR(inv::devmem_allocate(DM, HELIOS_CT_MEMORY, 1, 1, Caps(one, 1)), INVALID_CTYPE);
    CHECK_ERR(inv::devmem_allocate(DM, HELIOS_CT_DEVMEM, 0, 1, Caps(one, 1)), INVALID_PARAM);
    CHECK_ERR(inv::devmem_allocate(DM, HELIOS_CT_PAGE, 0, 0, Caps(one, 1)), INVALID_PARAM);
    CHECK_ERR(inv::devmem_allocate(DM, HELIOS_CT_DEVMEM, d.pages + 1, 1, Caps(one, 1)), NOMEM);
    CHECK_ERR(inv::devmem_allocate(DM, HELIOS_CT_DEVMEM, ~0ull, 1, Caps(one, 1)), NOMEM);
    // All of it in one child: the parent has nothing left.
    CHECK_OK(inv::devmem_allocate(DM, HELIOS_CT_DEVMEM, d.pages, 1, Caps(one, 1)));
    defer_destroy(one[0]);
    helios_caddr_t more[1] = {HELIOS_CADDR_UNDEF};
    CHECK_ERR(inv::devmem_allocate(DM, HELIOS_CT_PAGE, 0, 1, Caps(more, 1)), NOMEM);
    destroy(one[0]);
    CHECK_EQ(devinfo(DM).watermark, 0);
}
