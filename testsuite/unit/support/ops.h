// Ops: small invocation helpers shared by the unit tests, and Catch printers
// for kernel types (an Error prints by name).
#pragma once

#include "support/world.h"

#include <catch2/catch.hpp>

#include <string>

namespace Catch {
template <>
struct StringMaker<helios::Error> {
    static std::string convert(helios::Error e) { return helios::error_name(e); }
};
template <>
struct StringMaker<helios::test::SysResult> {
    static std::string convert(const helios::test::SysResult& r) {
        return std::string("{") + helios::error_name(r.status) + ", " + std::to_string(r.value) + "}";
    }
};
}  // namespace Catch

namespace helios::test {

// The slot at caddr in p's cspace (must be in range).
inline Slot& slot_of(Proc& p, helios_caddr_t caddr) { return **p.cspace->slot(caddr); }

inline bool is_blocked(const Proc& p) { return p.task->blocked != BlockedOn::None; }

// cspace_copy(rights) src -> dest in p's own cspace (or `target`, a cspace
// capability in p's cspace).
inline SysResult cap_copy(World& w, Proc& p, helios_caddr_t dest, helios_caddr_t src,
                          uint64_t rights = HELIOS_RIGHTS_ALL) {
    return w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy, {rights}, {dest, src});
}
inline SysResult cap_copy_to(World& w, Proc& p, helios_caddr_t dest, helios_caddr_t src, helios_caddr_t target,
                             uint64_t rights = HELIOS_RIGHTS_ALL) {
    return w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy, {rights}, {dest, src, target});
}
inline SysResult cap_move(World& w, Proc& p, helios_caddr_t dest, helios_caddr_t src) {
    return w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_move, {}, {dest, src});
}
inline SysResult cap_mint(World& w, Proc& p, helios_caddr_t dest, helios_caddr_t src, uint64_t rights,
                          uint64_t badge) {
    return w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_mint, {rights, badge}, {dest, src});
}
inline SysResult cap_destroy(World& w, Proc& p, helios_caddr_t caddr) {
    return w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_destroy, {}, {caddr});
}

// memory_allocate through an arbitrary memory capability; caddrs in p.ipc->caps.
inline SysResult mem_alloc(World& w, Proc& p, helios_caddr_t mem, CapType type, uint64_t size, uint64_t count,
                           std::initializer_list<helios_caddr_t> dests) {
    return w.invoke(p, mem, HELIOS_INV_memory_allocate, {static_cast<uint64_t>(type), size, count}, dests);
}

struct MemInfo {
    uint64_t available, quota, used;
};
inline MemInfo mem_info(World& w, Proc& p, helios_caddr_t mem = kSlotMemory) {
    SysResult r = w.invoke(p, mem, HELIOS_INV_memory_info, {});
    REQUIRE(r.status == Error::NONE);
    return {r.value, p.ipc->params[0], p.ipc->params[1]};
}

struct TaskInfo {
    uint64_t id, flags, priority;
};
inline TaskInfo task_info(World& w, Proc& p, helios_caddr_t task) {
    SysResult r = w.invoke(p, task, HELIOS_INV_task_info, {});
    REQUIRE(r.status == Error::NONE);
    return {r.value, p.ipc->params[0], p.ipc->params[1]};
}

// Put a capability to `object` (e.g. a boot object) into p's cspace.
inline helios_caddr_t give(Proc& p, Object* object, CapType type, uint8_t rights = HELIOS_RIGHTS_ALL,
                           helios_caddr_t caddr = HELIOS_CADDR_UNDEF, uint64_t badge = 0) {
    auto s = p.cspace->empty(caddr);
    REQUIRE(s.ok());
    Caps::install(**s, object, type, rights, badge);
    return p.cspace->caddr_of(*s);
}

// Map PDPT, PD and PT for vaddr in p's vspace from p's own memory, by
// invocation (tolerating levels that are already present).
inline void map_tables(World& w, Proc& p, uint64_t vaddr) {
    const CapType types[] = {HELIOS_CT_PDPT, HELIOS_CT_PD, HELIOS_CT_PT};
    const uint64_t labels[] = {HELIOS_INV_pdpt_map, HELIOS_INV_pd_map, HELIOS_INV_pt_map};
    for (int i = 0; i < 3; ++i) {
        helios_caddr_t t = w.alloc(p, types[i]);
        SysResult r = w.invoke(p, t, labels[i], {vaddr}, {kSlotVSpace});
        if (r.status == Error::BUSY) {
            REQUIRE(cap_destroy(w, p, t).ok());
        } else {
            REQUIRE(r.status == Error::NONE);
        }
    }
}

// A new page from p's memory, mapped at vaddr (tables must exist).
inline helios_caddr_t map_page(World& w, Proc& p, uint64_t vaddr, unsigned flags = HELIOS_MAP_WRITE) {
    helios_caddr_t pg = w.alloc(p, HELIOS_CT_PAGE);
    SysResult r = w.invoke(p, pg, HELIOS_INV_page_map, {vaddr, flags}, {kSlotVSpace});
    REQUIRE(r.status == Error::NONE);
    return pg;
}

}  // namespace helios::test
