// Kernel object lifecycle: creation, capability counting, iterative destroy.
#include "support/ops.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

TEST_CASE("kernel: create_object charges the memory and links the object", "[kernel]") {
    World w;
    uint64_t used = w.root->used();
    uint64_t live = w.k.stats().objects_live;
    auto r = w.k.create_object(*w.root, HELIOS_CT_ENDPOINT, 0);
    REQUIRE(r.ok());
    Object* o = *r;
    CHECK(o->type() == HELIOS_CT_ENDPOINT);
    CHECK(o->parent() == w.root);
    CHECK(o->owning_caps() == 0);
    CHECK(o->page_count() == 1);
    CHECK(w.k.frame(o->first_frame()).owner == o);
    CHECK(w.root->used() == used + 1);
    CHECK(w.k.stats().objects_live == live + 1);
    w.k.destroy(o);
    CHECK(w.root->used() == used);
    CHECK(w.k.stats().objects_live == live);
    CHECK(w.k.frame(o->first_frame()).owner == nullptr);
}

TEST_CASE("kernel: create_object rejects bad types and sizes without charging", "[kernel]") {
    World w;
    uint64_t used = w.root->used();
    CHECK(w.k.create_object(*w.root, HELIOS_CT_IRQ, 0).error() == Error::INVALID_CTYPE);
    CHECK(w.k.create_object(*w.root, HELIOS_CT_CSPACE, 0).error() == Error::INVALID_PARAM);
    CHECK(w.k.create_object(*w.root, HELIOS_CT_MEMORY, 0).error() == Error::INVALID_PARAM);
    CHECK(w.root->used() == used);
}

TEST_CASE("kernel: a copy keeps the object alive; the last owner destroys it", "[kernel]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    Object* o = slot_of(p, n).object;
    REQUIRE(cap_copy(w, p, 30, n).ok());
    REQUIRE(cap_copy(w, p, 31, 30).ok());
    CHECK(o->owning_caps() == 3);
    CHECK(o->caps.size() == 3);
    uint64_t live = w.k.stats().objects_live;
    REQUIRE(cap_destroy(w, p, 30).ok());
    REQUIRE(cap_destroy(w, p, n).ok());
    CHECK(w.k.stats().objects_live == live);
    REQUIRE(cap_destroy(w, p, 31).ok());
    CHECK(w.k.stats().objects_live == live - 1);
}

TEST_CASE("kernel: destroying an object revokes every capability to it", "[kernel]") {
    World w;
    Proc p = w.spawn();
    Proc q = w.spawn();
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    REQUIRE(cap_copy(w, p, 30, n).ok());
    helios_caddr_t qcs = give(p, q.cspace, HELIOS_CT_CSPACE);
    REQUIRE(cap_copy_to(w, p, 40, n, qcs).ok());
    w.k.destroy(slot_of(p, n).object);
    CHECK(slot_of(p, n).is_null());
    CHECK(slot_of(p, 30).is_null());
    CHECK(slot_of(q, 40).is_null());
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("kernel: a long chain of cspaces is destroyed without recursion", "[kernel]") {
    World w;
    Proc p = w.spawn(8, 1024);
    // cs[0] <- slot 30; cs[i] slot 0 holds the only capability to cs[i+1].
    const unsigned kChain = 600;
    helios_caddr_t head = w.alloc(p, HELIOS_CT_CSPACE, 1);
    REQUIRE(cap_move(w, p, 30, head).ok());
    for (unsigned i = 1; i < kChain; ++i) {
        helios_caddr_t next = w.alloc(p, HELIOS_CT_CSPACE, 1);
        // Move `next` into the newest cspace: walk down from the head.
        auto* cs = static_cast<CSpace*>(slot_of(p, 30).object);
        while (!(**cs->slot(0)).is_null()) cs = static_cast<CSpace*>((**cs->slot(0)).object);
        Slot& src = slot_of(p, next);
        Caps::install(**cs->slot(0), src.object, HELIOS_CT_CSPACE, HELIOS_RIGHTS_ALL, 0);
        Caps::clear(src);
    }
    CHECK(mem_info(w, p).used == kChain);
    uint64_t live = w.k.stats().objects_live;
    REQUIRE(cap_destroy(w, p, 30).ok());
    CHECK(mem_info(w, p).used == 0);
    CHECK(w.k.stats().objects_live == live - kChain);
}

TEST_CASE("kernel: a cspace holding a capability to itself is freed with its memory", "[kernel]") {
    World w;
    Proc p = w.spawn();
    uint64_t frames = w.frames_used();
    helios_caddr_t m = w.alloc(p, HELIOS_CT_MEMORY, 10);
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_CSPACE, 2, 1, {30}).ok());
    REQUIRE(cap_copy_to(w, p, 0, 30, 30).ok());  // the cspace holds itself
    REQUIRE(cap_destroy(w, p, 30).ok());          // leaks a cycle...
    CHECK(mem_info(w, p, m).used == 1);
    REQUIRE(cap_destroy(w, p, m).ok());  // ...until its memory goes
    CHECK(w.frames_used() == frames);
}

TEST_CASE("kernel: a task and its own cspace and vspace, made from one memory, all go", "[kernel]") {
    World w;
    Proc p = w.spawn();
    uint64_t frames = w.frames_used();
    helios_caddr_t m = w.alloc(p, HELIOS_CT_MEMORY, 40);
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_CSPACE, 4, 1, {30}).ok());
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_VSPACE, 0, 1, {31}).ok());
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_TASK, 0, 1, {32}).ok());
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_PAGE, 0, 1, {33}).ok());
    const uint64_t va = 0x400000;
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_PDPT, 0, 1, {34}).ok());
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_PD, 0, 1, {35}).ok());
    REQUIRE(mem_alloc(w, p, m, HELIOS_CT_PT, 0, 1, {36}).ok());
    REQUIRE(w.invoke(p, 34, HELIOS_INV_pdpt_map, {va}, {31}).ok());
    REQUIRE(w.invoke(p, 35, HELIOS_INV_pd_map, {va}, {31}).ok());
    REQUIRE(w.invoke(p, 36, HELIOS_INV_pt_map, {va}, {31}).ok());
    REQUIRE(w.invoke(p, 33, HELIOS_INV_page_map, {va, HELIOS_MAP_WRITE}, {31}).ok());
    REQUIRE(w.invoke(p, 32, HELIOS_INV_task_configure, {va}, {30, 31}).ok());
    // The new task's cspace holds caps to its own task and vspace (cycles).
    REQUIRE(cap_copy_to(w, p, 0, 32, 30).ok());
    REQUIRE(cap_copy_to(w, p, 1, 31, 30).ok());
    REQUIRE(w.invoke(p, 32, HELIOS_INV_task_resume, {}).ok());
    uint32_t vs_id = static_cast<VSpace*>(slot_of(p, 31).object)->id();
    REQUIRE(cap_destroy(w, p, m).ok());
    CHECK(w.frames_used() == frames);
    CHECK(fake_arch().mappings.count(vs_id) == 0);
    CHECK(w.k.current() == p.task);
    CHECK(w.k.scheduler().idle());
}

TEST_CASE("kernel: boot objects are charged to no memory", "[kernel]") {
    World w;
    uint64_t used = w.root->used();
    uint64_t frames = w.frames_used();
    auto r = w.k.create_boot_object(HELIOS_CT_IRQCONTROL, 0, 0);
    REQUIRE(r.ok());
    CHECK((*r)->parent() == nullptr);
    CHECK(w.root->used() == used);
    CHECK(w.frames_used() == frames + 1);
    w.k.destroy(*r);
    CHECK(w.frames_used() == frames);
}
