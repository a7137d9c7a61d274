// Memory: allocation of every type, atomicity, quota, sub-division, and
// destruction of everything allocated from a memory.
#include "support/ops.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace helios;
using namespace helios::test;

TEST_CASE("memory: allocate one object of each type", "[memory]") {
    World w;
    Proc p = w.spawn();
    struct Case {
        CapType type;
        uint64_t size;
        uint64_t charge;
    };
    const Case cases[] = {
        {HELIOS_CT_CSPACE, 4, 1}, {HELIOS_CT_VSPACE, 0, 1}, {HELIOS_CT_TASK, 0, 1},
        {HELIOS_CT_ENDPOINT, 0, 1}, {HELIOS_CT_NOTIFICATION, 0, 1}, {HELIOS_CT_PAGE, 0, 1},
        {HELIOS_CT_PDPT, 0, 1}, {HELIOS_CT_PD, 0, 1}, {HELIOS_CT_PT, 0, 1},
        {HELIOS_CT_MEMORY, 3, 4},
    };
    for (const Case& c : cases) {
        INFO("type " << c.type);
        uint64_t used = mem_info(w, p).used;
        uint64_t frames = w.frames_used();
        helios_caddr_t cap = w.alloc(p, c.type, c.size);
        SysResult id = w.sys(p, HELIOS_SYS_identify, cap);
        REQUIRE(id.ok());
        CHECK(HELIOS_IDENTIFY_TYPE(id.value) == c.type);
        CHECK(HELIOS_IDENTIFY_RIGHTS(id.value) == HELIOS_RIGHTS_ALL);
        CHECK(mem_info(w, p).used == used + c.charge);
        CHECK(w.frames_used() == frames + (c.type == HELIOS_CT_MEMORY ? 1 : c.charge));
        CHECK(slot_of(p, cap).object->parent() == p.memory);
    }
}

TEST_CASE("memory: count > 1 fills several slots and writes them back", "[memory]") {
    World w;
    Proc p = w.spawn();
    SysResult r = mem_alloc(w, p, kSlotMemory, HELIOS_CT_NOTIFICATION, 0, 3,
                            {HELIOS_CADDR_UNDEF, 20, HELIOS_CADDR_UNDEF});
    REQUIRE(r.ok());
    CHECK(r.value == 4);
    CHECK(p.ipc->caps[0] == 4);
    CHECK(p.ipc->caps[1] == 20);
    CHECK(p.ipc->caps[2] == 5);  // the lowest free slot not already chosen
    CHECK(slot_of(p, 4).type == HELIOS_CT_NOTIFICATION);
    CHECK(slot_of(p, 20).type == HELIOS_CT_NOTIFICATION);
    CHECK(slot_of(p, 5).type == HELIOS_CT_NOTIFICATION);
    CHECK(slot_of(p, 4).object != slot_of(p, 5).object);
    CHECK(mem_info(w, p).used == 3);
}

TEST_CASE("memory: automatic addresses for count > 1 are distinct", "[memory]") {
    World w;
    Proc p = w.spawn();
    SysResult r = mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 8,
                            {HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF,
                             HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF});
    REQUIRE(r.ok());
    for (unsigned i = 0; i < 8; ++i) CHECK(p.ipc->caps[i] == 4 + i);
}

TEST_CASE("memory: one bad destination slot allocates nothing", "[memory]") {
    World w;
    Proc p = w.spawn();
    uint64_t frames = w.frames_used();
    uint64_t live = w.k.stats().objects_live;
    SECTION("occupied") {
        SysResult r = mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 3, {10, 11, kSlotTask});
        CHECK(r.status == Error::INVALID_CSLOT);
    }
    SECTION("out of range") {
        SysResult r = mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 3, {10, 11, 4096});
        CHECK(r.status == Error::INVALID_CADDR);
    }
    SECTION("the same slot twice") {
        SysResult r = mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 2, {10, 10});
        CHECK(r.status == Error::INVALID_CSLOT);
    }
    CHECK(slot_of(p, 10).is_null());
    CHECK(slot_of(p, 11).is_null());
    CHECK(mem_info(w, p).used == 0);
    CHECK(w.frames_used() == frames);
    CHECK(w.k.stats().objects_live == live);
}

TEST_CASE("memory: count 0 or more than HELIOS_MAX_CAPS is INVALID_PARAM", "[memory]") {
    World w;
    Proc p = w.spawn();
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 0, {}).status == Error::INVALID_PARAM);
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 9, {}).status == Error::INVALID_PARAM);
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("memory: quota exhausted is NOMEM with nothing changed", "[memory]") {
    World w;
    Proc p = w.spawn(8, 2);
    uint64_t frames = w.frames_used();
    uint64_t live = w.k.stats().objects_live;
    // Three objects with room for two: the two made are undone.
    SysResult r = mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 3,
                            {HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF});
    CHECK(r.status == Error::NOMEM);
    CHECK(slot_of(p, 4).is_null());
    CHECK(slot_of(p, 5).is_null());
    MemInfo mi = mem_info(w, p);
    CHECK(mi.used == 0);
    CHECK(mi.available == 2);
    CHECK(w.frames_used() == frames);
    CHECK(w.k.stats().objects_live == live);
    // Exactly the quota works; one more does not.
    w.alloc(p, HELIOS_CT_ENDPOINT);
    w.alloc(p, HELIOS_CT_ENDPOINT);
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_PAGE, 0, 1, {HELIOS_CADDR_UNDEF}).status == Error::NOMEM);
    CHECK(mem_info(w, p).available == 0);
}

TEST_CASE("memory: a bad type is INVALID_CTYPE", "[memory]") {
    World w;
    Proc p = w.spawn();
    const uint64_t bad[] = {HELIOS_CT_NULL_CAP, HELIOS_CT_DEVMEM, HELIOS_CT_REPLY, HELIOS_CT_IRQCONTROL,
                            HELIOS_CT_IRQ, HELIOS_CT_IOCONTROL, HELIOS_CT_IOPORT, HELIOS_CTYPE_COUNT, 1000,
                            ~0ull};
    for (uint64_t type : bad) {
        INFO("type " << type);
        SysResult r = w.invoke(p, kSlotMemory, HELIOS_INV_memory_allocate, {type, 1, 1}, {HELIOS_CADDR_UNDEF});
        CHECK(r.status == Error::INVALID_CTYPE);
    }
    CHECK(slot_of(p, 4).is_null());
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("memory: a bad size is INVALID_PARAM (cspace radix 0 or 17, memory 0)", "[memory]") {
    World w;
    Proc p = w.spawn();
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_CSPACE, 0, 1, {HELIOS_CADDR_UNDEF}).status ==
          Error::INVALID_PARAM);
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_CSPACE, 17, 1, {HELIOS_CADDR_UNDEF}).status ==
          Error::INVALID_PARAM);
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_CSPACE, 1ull << 40, 1, {HELIOS_CADDR_UNDEF}).status ==
          Error::INVALID_PARAM);
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_MEMORY, 0, 1, {HELIOS_CADDR_UNDEF}).status ==
          Error::INVALID_PARAM);
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("memory: cspace radix 1 and 16 are the limits; big cspaces take several frames", "[memory]") {
    World w;
    Proc p = w.spawn(8, 1024);
    helios_caddr_t small = w.alloc(p, HELIOS_CT_CSPACE, 1);
    CHECK(static_cast<CSpace*>(slot_of(p, small).object)->capacity() == 2);
    uint64_t used = mem_info(w, p).used;
    helios_caddr_t big = w.alloc(p, HELIOS_CT_CSPACE, 16);
    auto* cs = static_cast<CSpace*>(slot_of(p, big).object);
    CHECK(cs->capacity() == 65536);
    CHECK(cs->page_count() == CSpace::frames_for(16));
    CHECK(cs->page_count() > 1);
    CHECK(mem_info(w, p).used == used + CSpace::frames_for(16));
    // Every frame of it is contiguous and owned by the cspace.
    for (uint64_t f = 0; f < cs->page_count(); ++f) CHECK(w.k.frame(cs->first_frame() + f).owner == cs);
    REQUIRE(cap_destroy(w, p, big).ok());
    CHECK(mem_info(w, p).used == used);
}

TEST_CASE("memory: a huge memory size is NOMEM, never an overflow", "[memory]") {
    World w;
    Proc p = w.spawn();
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_MEMORY, ~0ull, 1, {HELIOS_CADDR_UNDEF}).status == Error::NOMEM);
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_MEMORY, ~0ull - 1, 1, {HELIOS_CADDR_UNDEF}).status ==
          Error::NOMEM);
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_MEMORY, 512, 1, {HELIOS_CADDR_UNDEF}).status == Error::NOMEM);
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("memory: memory_info reports quota, used and available", "[memory]") {
    World w;
    Proc p = w.spawn(8, 100);
    MemInfo mi = mem_info(w, p);
    CHECK(mi.quota == 100);
    CHECK(mi.used == 0);
    CHECK(mi.available == 100);
    w.alloc(p, HELIOS_CT_PAGE);
    mi = mem_info(w, p);
    CHECK(mi.used == 1);
    CHECK(mi.available == 99);
}

TEST_CASE("memory: sub-dividing charges the parent; the child has its own quota", "[memory]") {
    World w;
    Proc p = w.spawn(8, 100);
    helios_caddr_t child = w.alloc(p, HELIOS_CT_MEMORY, 10);
    MemInfo parent = mem_info(w, p);
    CHECK(parent.used == 11);  // one frame for the object, ten of quota
    MemInfo ci = mem_info(w, p, child);
    CHECK(ci.quota == 10);
    CHECK(ci.used == 0);
    // Allocating from the child charges only the child.
    REQUIRE(mem_alloc(w, p, child, HELIOS_CT_ENDPOINT, 0, 2, {HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF}).ok());
    CHECK(mem_info(w, p, child).used == 2);
    CHECK(mem_info(w, p).used == 11);
    CHECK(mem_alloc(w, p, child, HELIOS_CT_MEMORY, 9, 1, {HELIOS_CADDR_UNDEF}).status == Error::NOMEM);
}

TEST_CASE("memory: destroying the last capability frees the object exactly", "[memory]") {
    World w;
    Proc p = w.spawn();
    uint64_t frames = w.frames_used();
    MemInfo start = mem_info(w, p);
    helios_caddr_t cs = w.alloc(p, HELIOS_CT_CSPACE, 10);
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    helios_caddr_t m = w.alloc(p, HELIOS_CT_MEMORY, 7);
    CHECK(w.frames_used() > frames);
    SysResult r = w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_destroy, {}, {cs, t, pg, m});
    REQUIRE(r.ok());
    MemInfo end = mem_info(w, p);
    CHECK(end.used == start.used);
    CHECK(end.available == start.available);
    CHECK(w.frames_used() == frames);
}

TEST_CASE("memory: destroying a memory capability destroys everything allocated from it", "[memory]") {
    World w;
    Proc p = w.spawn();
    uint64_t frames = w.frames_used();
    uint64_t live = w.k.stats().objects_live;
    helios_caddr_t m = w.alloc(p, HELIOS_CT_MEMORY, 50);
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_ENDPOINT, 0, 2, {30, 31}).ok());
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_CSPACE, 3, 1, {32}).ok());
    // Copies of the caps (and a cap stored inside the child cspace) all go.
    REQUIRE(cap_copy(w, p, 40, 30).ok());
    REQUIRE(cap_copy_to(w, p, 2, 31, 32).ok());
    auto* inner = static_cast<CSpace*>(slot_of(p, 32).object);
    (void)inner;
    REQUIRE(cap_destroy(w, p, m).ok());
    for (helios_caddr_t c : {30u, 31u, 32u, 40u}) {
        INFO("slot " << c);
        CHECK(slot_of(p, c).is_null());
    }
    CHECK(w.frames_used() == frames);
    CHECK(w.k.stats().objects_live == live);
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("memory: destroying a memory deschedules tasks made from it", "[memory]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t m = w.alloc(p, HELIOS_CT_MEMORY, 20);
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_TASK, 0, 1, {30}).ok());
    auto* task = static_cast<Task*>(slot_of(p, 30).object);
    uint32_t id = task->id();
    REQUIRE(w.invoke(p, 30, HELIOS_INV_task_configure, {kDataAddr}, {kSlotCSpace, kSlotVSpace}).ok());
    REQUIRE(w.invoke(p, 30, HELIOS_INV_task_resume, {}).ok());
    REQUIRE(w.k.scheduler().queued(*task));
    fake_arch().destroyed_tasks.clear();
    REQUIRE(cap_destroy(w, p, m).ok());
    CHECK(slot_of(p, 30).is_null());
    CHECK(fake_arch().destroyed_tasks == std::vector<uint32_t>{id});
    // Only p is left to run.
    CHECK(w.k.current() == p.task);
    CHECK(w.k.scheduler().idle());
}

TEST_CASE("memory: nested memories are destroyed depth first and accounting returns", "[memory]") {
    World w;
    Proc p = w.spawn();
    uint64_t frames = w.frames_used();
    uint64_t live = w.k.stats().objects_live;
    helios_caddr_t m1 = w.alloc(p, HELIOS_CT_MEMORY, 100);
    REQUIRE(mem_alloc(w, p, m1, HELIOS_CT_MEMORY, 40, 1, {20}).ok());
    REQUIRE(mem_alloc(w, p, 20, HELIOS_CT_MEMORY, 10, 1, {21}).ok());
    REQUIRE(mem_alloc(w, p, 21, HELIOS_CT_PAGE, 0, 3, {22, 23, 24}).ok());
    REQUIRE(mem_alloc(w, p, 20, HELIOS_CT_NOTIFICATION, 0, 1, {25}).ok());
    REQUIRE(mem_alloc(w, p, m1, HELIOS_CT_ENDPOINT, 0, 1, {26}).ok());
    CHECK(mem_info(w, p, 20).used == 11 + 1);
    CHECK(mem_info(w, p, m1).used == 41 + 1);
    REQUIRE(cap_destroy(w, p, m1).ok());
    for (helios_caddr_t c = 20; c <= 26; ++c) CHECK(slot_of(p, c).is_null());
    CHECK(w.frames_used() == frames);
    CHECK(w.k.stats().objects_live == live);
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("memory: destroying an inner memory leaves the outer one intact", "[memory]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t m1 = w.alloc(p, HELIOS_CT_MEMORY, 30);
    REQUIRE(mem_alloc(w, p, m1, HELIOS_CT_MEMORY, 10, 1, {20}).ok());
    REQUIRE(mem_alloc(w, p, 20, HELIOS_CT_PAGE, 0, 1, {21}).ok());
    REQUIRE(mem_alloc(w, p, m1, HELIOS_CT_PAGE, 0, 1, {22}).ok());
    REQUIRE(cap_destroy(w, p, 20).ok());
    CHECK(slot_of(p, 21).is_null());
    CHECK(slot_of(p, 22).type == HELIOS_CT_PAGE);
    CHECK(mem_info(w, p, m1).used == 1);
}

TEST_CASE("memory: a memory kept alive by a copy survives deleting one cap", "[memory]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t m = w.alloc(p, HELIOS_CT_MEMORY, 5);
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_ENDPOINT, 0, 1, {20}).ok());
    REQUIRE(cap_copy(w, p, 21, m).ok());
    REQUIRE(cap_destroy(w, p, m).ok());
    CHECK(slot_of(p, 20).type == HELIOS_CT_ENDPOINT);
    CHECK(mem_info(w, p, 21).used == 1);
}

TEST_CASE("memory: the process's own memory destroyed by the kernel revokes its caps", "[memory]") {
    World w;
    Proc p = w.spawn();
    uint64_t root_used = w.root->used();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    w.k.destroy(p.memory);
    CHECK(slot_of(p, ep).is_null());
    CHECK(slot_of(p, kSlotMemory).is_null());
    CHECK(w.root->used() == root_used - 513);  // the memory object and its quota
}

TEST_CASE("memory: unknown label is INVALID_SYSCALL; no SEND right is NO_RIGHTS", "[memory]") {
    World w;
    Proc p = w.spawn();
    CHECK(w.invoke(p, kSlotMemory, 3, {}).status == Error::INVALID_SYSCALL);
    REQUIRE(cap_copy(w, p, 10, kSlotMemory, HELIOS_RIGHT_RECV).ok());
    CHECK(w.invoke(p, 10, HELIOS_INV_memory_info, {}).status == Error::NO_RIGHTS);
    CHECK(mem_alloc(w, p, 10, HELIOS_CT_ENDPOINT, 0, 1, {HELIOS_CADDR_UNDEF}).status == Error::NO_RIGHTS);
}

TEST_CASE("memory: the kernel allocator running dry is NOMEM even with quota", "[memory]") {
    World w;
    Proc p = w.spawn();
    // The next frame allocation fails, as on a machine whose frames are all
    // taken (the fault-injection hook; the allocator itself is the kernel's).
    w.k.fail_next_allocations(1);
    uint64_t live = w.k.stats().objects_live;
    SysResult r = mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 1, {HELIOS_CADDR_UNDEF});
    CHECK(r.status == Error::NOMEM);
    CHECK(mem_info(w, p).used == 0);  // the charge was undone
    CHECK(slot_of(p, 4).is_null());
    CHECK(w.k.stats().objects_live == live);
    CHECK(w.k.pending_allocation_failures() == 0);
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 1, {HELIOS_CADDR_UNDEF}).ok());
}

TEST_CASE("memory: an automatic slot never takes one named later in the same list", "[memory]") {
    World w;
    Proc p = w.spawn();
    // kSlotFree is the lowest free slot: UNDEF first must not pick it, since
    // the second entry names it explicitly.
    SysResult r = w.invoke(p, kSlotMemory, HELIOS_INV_memory_allocate, {HELIOS_CT_ENDPOINT, 0, 2},
                           {HELIOS_CADDR_UNDEF, kSlotFree});
    REQUIRE(r.status == Error::NONE);
    CHECK(p.ipc->caps[1] == kSlotFree);
    CHECK(p.ipc->caps[0] != kSlotFree);
    CHECK(HELIOS_IDENTIFY_TYPE(w.sys(p, HELIOS_SYS_identify, p.ipc->caps[0]).value) == HELIOS_CT_ENDPOINT);
}
