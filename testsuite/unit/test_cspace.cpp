// CSpace invocations: copy, move, destroy, copy_from, mint, radix; identify.
#include "support/ops.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

TEST_CASE("cspace: copy makes a second capability with the same object", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    SysResult r = cap_copy(w, p, 10, ep);
    REQUIRE(r.ok());
    CHECK(r.value == 10);
    CHECK(p.ipc->caps[0] == 10);
    CHECK(slot_of(p, 10).object == slot_of(p, ep).object);
    CHECK(slot_of(p, 10).type == HELIOS_CT_ENDPOINT);
    CHECK(slot_of(p, 10).rights == HELIOS_RIGHTS_ALL);
    CHECK(slot_of(p, ep).object->owning_caps() == 2);
}

TEST_CASE("cspace: copy may only shrink rights (the result is the intersection)", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    REQUIRE(cap_copy(w, p, 10, ep, HELIOS_RIGHT_RECV | HELIOS_RIGHT_GRANT).ok());
    CHECK(slot_of(p, 10).rights == (HELIOS_RIGHT_RECV | HELIOS_RIGHT_GRANT));
    // Asking for more than the source has yields the intersection.
    REQUIRE(cap_copy(w, p, 11, 10, HELIOS_RIGHTS_ALL).ok());
    CHECK(slot_of(p, 11).rights == (HELIOS_RIGHT_RECV | HELIOS_RIGHT_GRANT));
    REQUIRE(cap_copy(w, p, 12, 11, HELIOS_RIGHT_SEND | HELIOS_RIGHT_GRANT).ok());
    CHECK(slot_of(p, 12).rights == HELIOS_RIGHT_GRANT);
    // Rights bits beyond the defined ones never appear.
    REQUIRE(cap_copy(w, p, 13, ep, 0xFFFF).ok());
    CHECK(slot_of(p, 13).rights == HELIOS_RIGHTS_ALL);
}

TEST_CASE("cspace: copy with HELIOS_CADDR_UNDEF picks the lowest free slot", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    CHECK(ep == 4);  // slots 0..3 hold the process's own caps
    REQUIRE(cap_copy(w, p, 5, ep).ok());
    SysResult r = cap_copy(w, p, HELIOS_CADDR_UNDEF, ep);
    REQUIRE(r.ok());
    CHECK(r.value == 6);
    CHECK(p.ipc->caps[0] == 6);
    REQUIRE(cap_destroy(w, p, 5).ok());
    r = cap_copy(w, p, HELIOS_CADDR_UNDEF, ep);
    REQUIRE(r.ok());
    CHECK(r.value == 5);
    CHECK(p.ipc->caps[0] == 5);
}

TEST_CASE("cspace: copy into an occupied slot is INVALID_CSLOT", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    CHECK(cap_copy(w, p, n, ep).status == Error::INVALID_CSLOT);
    CHECK(slot_of(p, n).type == HELIOS_CT_NOTIFICATION);
    CHECK(slot_of(p, ep).object->owning_caps() == 1);
}

TEST_CASE("cspace: copy from an empty slot is INVALID_CSLOT, out of range INVALID_CADDR", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    CHECK(cap_copy(w, p, 10, 11).status == Error::INVALID_CSLOT);
    CHECK(cap_copy(w, p, 10, 256).status == Error::INVALID_CADDR);
    CHECK(cap_copy(w, p, 256, ep).status == Error::INVALID_CADDR);
    CHECK(cap_copy(w, p, 10, HELIOS_CADDR_UNDEF).status == Error::INVALID_CADDR);
    CHECK(slot_of(p, 10).is_null());
}

TEST_CASE("cspace: copy and move need at least two capability arguments", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    CHECK(w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy, {HELIOS_RIGHTS_ALL}, {10}).status ==
          Error::INVALID_PARAM);
    CHECK(w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_move, {}, {}).status == Error::INVALID_PARAM);
    CHECK(w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_mint, {HELIOS_RIGHTS_ALL, 1}, {ep}).status ==
          Error::INVALID_PARAM);
    CHECK(w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy_from, {HELIOS_RIGHTS_ALL}, {10, ep}).status ==
          Error::INVALID_PARAM);
}

TEST_CASE("cspace: a full cspace gives INVALID_CSLOT for an automatic address", "[cspace]") {
    World w;
    Proc p = w.spawn(2);  // 4 slots, all used by cspace, vspace, task, memory
    CHECK(cap_copy(w, p, HELIOS_CADDR_UNDEF, kSlotTask).status == Error::INVALID_CSLOT);
    CHECK(mem_alloc(w, p, kSlotMemory, HELIOS_CT_ENDPOINT, 0, 1, {HELIOS_CADDR_UNDEF}).status ==
          Error::INVALID_CSLOT);
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("cspace: move transfers the capability and keeps its rights and badge", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    REQUIRE(cap_mint(w, p, 10, ep, HELIOS_RIGHT_SEND, 0x77).ok());
    Object* obj = slot_of(p, ep).object;
    SysResult r = cap_move(w, p, 20, 10);
    REQUIRE(r.ok());
    CHECK(r.value == 20);
    CHECK(slot_of(p, 10).is_null());
    CHECK(slot_of(p, 20).object == obj);
    CHECK(slot_of(p, 20).rights == HELIOS_RIGHT_SEND);
    CHECK(slot_of(p, 20).badge == 0x77);
    CHECK(obj->owning_caps() == 2);
}

TEST_CASE("cspace: move of the last capability keeps the object alive", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    uint64_t live = w.k.stats().objects_live;
    SysResult r = cap_move(w, p, HELIOS_CADDR_UNDEF, ep);
    REQUIRE(r.ok());
    CHECK(r.value == ep + 1);
    CHECK(p.ipc->caps[0] == ep + 1);
    CHECK(w.k.stats().objects_live == live);
    CHECK(slot_of(p, ep + 1).object->owning_caps() == 1);
}

TEST_CASE("cspace: move into an occupied slot fails and changes nothing", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    CHECK(cap_move(w, p, kSlotTask, ep).status == Error::INVALID_CSLOT);
    CHECK(slot_of(p, ep).type == HELIOS_CT_ENDPOINT);
    CHECK(slot_of(p, kSlotTask).type == HELIOS_CT_TASK);
}

TEST_CASE("cspace: destroy empties the slot; the last capability frees the object", "[cspace]") {
    World w;
    Proc p = w.spawn();
    uint64_t live = w.k.stats().objects_live;
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    REQUIRE(cap_copy(w, p, 10, ep).ok());
    CHECK(w.k.stats().objects_live == live + 1);
    REQUIRE(cap_destroy(w, p, ep).ok());
    CHECK(slot_of(p, ep).is_null());
    CHECK(w.k.stats().objects_live == live + 1);
    REQUIRE(cap_destroy(w, p, 10).ok());
    CHECK(w.k.stats().objects_live == live);
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("cspace: destroy with a bad caddr is INVALID_CADDR and destroys nothing", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    SysResult r = w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_destroy, {}, {ep, 300});
    CHECK(r.status == Error::INVALID_CADDR);
    CHECK(slot_of(p, ep).type == HELIOS_CT_ENDPOINT);
    r = w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_destroy, {}, {HELIOS_CADDR_UNDEF});
    CHECK(r.status == Error::INVALID_CADDR);
}

TEST_CASE("cspace: destroy of a null slot is ignored; several caps at once", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t a = w.alloc(p, HELIOS_CT_ENDPOINT);
    helios_caddr_t b = w.alloc(p, HELIOS_CT_NOTIFICATION);
    CHECK(cap_destroy(w, p, 100).ok());
    SysResult r = w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_destroy, {}, {a, 100, b, a});
    CHECK(r.ok());
    CHECK(slot_of(p, a).is_null());
    CHECK(slot_of(p, b).is_null());
    CHECK(mem_info(w, p).used == 0);
}

TEST_CASE("cspace: copy into another cspace through a target capability", "[cspace]") {
    World w;
    Proc p = w.spawn();
    Proc q = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    helios_caddr_t qcs = give(p, q.cspace, HELIOS_CT_CSPACE);
    SysResult r = cap_copy_to(w, p, 30, ep, qcs, HELIOS_RIGHT_SEND);
    REQUIRE(r.ok());
    CHECK(r.value == 30);
    CHECK(slot_of(q, 30).object == slot_of(p, ep).object);
    CHECK(slot_of(q, 30).rights == HELIOS_RIGHT_SEND);
    CHECK(slot_of(p, 30).is_null());
    // Automatic address in the target: the lowest free slot there.
    r = cap_copy_to(w, p, HELIOS_CADDR_UNDEF, ep, qcs);
    REQUIRE(r.ok());
    CHECK(r.value == 4);
    CHECK(p.ipc->caps[0] == 4);
    CHECK(slot_of(q, 4).type == HELIOS_CT_ENDPOINT);
}

TEST_CASE("cspace: move into another cspace", "[cspace]") {
    World w;
    Proc p = w.spawn();
    Proc q = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    helios_caddr_t qcs = give(p, q.cspace, HELIOS_CT_CSPACE);
    SysResult r = w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_move, {}, {9, ep, qcs});
    REQUIRE(r.ok());
    CHECK(slot_of(p, ep).is_null());
    CHECK(slot_of(q, 9).type == HELIOS_CT_ENDPOINT);
}

TEST_CASE("cspace: the target must be a cspace capability with SEND", "[cspace]") {
    World w;
    Proc p = w.spawn();
    Proc q = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    CHECK(cap_copy_to(w, p, 30, ep, ep).status == Error::INVALID_CTYPE);
    CHECK(cap_copy_to(w, p, 30, ep, 200).status == Error::INVALID_CSLOT);
    CHECK(cap_copy_to(w, p, 30, ep, 9999).status == Error::INVALID_CADDR);
    helios_caddr_t qcs = give(p, q.cspace, HELIOS_CT_CSPACE, HELIOS_RIGHT_RECV);
    CHECK(cap_copy_to(w, p, 30, ep, qcs).status == Error::NO_RIGHTS);
    CHECK(slot_of(q, 30).is_null());
}

TEST_CASE("cspace: copy_from copies a slot of another cspace into this one", "[cspace]") {
    World w;
    Proc p = w.spawn();
    Proc q = w.spawn();
    helios_caddr_t qep = w.alloc(q, HELIOS_CT_ENDPOINT);
    helios_caddr_t qcs = give(p, q.cspace, HELIOS_CT_CSPACE);
    SysResult r = w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy_from, {HELIOS_RIGHT_RECV}, {40, qep, qcs});
    REQUIRE(r.ok());
    CHECK(r.value == 40);
    CHECK(slot_of(p, 40).object == slot_of(q, qep).object);
    CHECK(slot_of(p, 40).rights == HELIOS_RIGHT_RECV);
    CHECK(slot_of(q, qep).rights == HELIOS_RIGHTS_ALL);  // the source is untouched
    // Errors: empty source slot over there, bad other.
    CHECK(w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy_from, {HELIOS_RIGHTS_ALL}, {41, 100, qcs}).status ==
          Error::INVALID_CSLOT);
    CHECK(w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy_from, {HELIOS_RIGHTS_ALL}, {41, qep, kSlotTask}).status ==
          Error::INVALID_CTYPE);
}

TEST_CASE("cspace: mint sets the badge and shrinks rights", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    SysResult r = cap_mint(w, p, HELIOS_CADDR_UNDEF, ep, HELIOS_RIGHT_SEND | HELIOS_RIGHT_WRITE, 0xBADBEEF);
    REQUIRE(r.ok());
    Slot& s = slot_of(p, static_cast<helios_caddr_t>(r.value));
    CHECK(s.badge == 0xBADBEEF);
    CHECK(s.rights == (HELIOS_RIGHT_SEND | HELIOS_RIGHT_WRITE));
    // A copy keeps the badge; a second mint replaces it.
    REQUIRE(cap_copy(w, p, 50, static_cast<helios_caddr_t>(r.value)).ok());
    CHECK(slot_of(p, 50).badge == 0xBADBEEF);
    REQUIRE(cap_mint(w, p, 51, 50, HELIOS_RIGHTS_ALL, 5).ok());
    CHECK(slot_of(p, 51).badge == 5);
    CHECK(slot_of(p, 51).rights == (HELIOS_RIGHT_SEND | HELIOS_RIGHT_WRITE));
}

TEST_CASE("cspace: mint into another cspace", "[cspace]") {
    World w;
    Proc p = w.spawn();
    Proc q = w.spawn();
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    helios_caddr_t qcs = give(p, q.cspace, HELIOS_CT_CSPACE);
    REQUIRE(w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_mint, {HELIOS_RIGHT_SEND, 0x40}, {12, n, qcs}).ok());
    CHECK(slot_of(q, 12).badge == 0x40);
    CHECK(slot_of(q, 12).rights == HELIOS_RIGHT_SEND);
}

TEST_CASE("cspace: reply capabilities cannot be copied or minted, only moved", "[cspace]") {
    World w;
    Proc s = w.spawn();
    Proc c = w.thread(s, 0x10100000);
    helios_caddr_t ep = w.alloc(s, HELIOS_CT_ENDPOINT);
    w.sys(c, HELIOS_SYS_call, ep, HELIOS_TAG(1, 0, 0));
    REQUIRE(is_blocked(c));
    REQUIRE(w.sys(s, HELIOS_SYS_recv, ep).ok());
    SysResult st = w.sys(s, HELIOS_SYS_store_reply, HELIOS_CADDR_UNDEF);
    REQUIRE(st.ok());
    auto reply = static_cast<helios_caddr_t>(st.value);
    CHECK(slot_of(s, reply).type == HELIOS_CT_REPLY);
    CHECK(cap_copy(w, s, 60, reply).status == Error::UNSUPPORTED);
    CHECK(cap_mint(w, s, 60, reply, HELIOS_RIGHTS_ALL, 1).status == Error::UNSUPPORTED);
    CHECK(slot_of(s, 60).is_null());
    REQUIRE(cap_move(w, s, 60, reply).ok());
    CHECK(slot_of(s, 60).type == HELIOS_CT_REPLY);
    CHECK(slot_of(s, reply).is_null());
    CHECK(is_blocked(c));  // moving it does not answer the caller
}

TEST_CASE("cspace: radix reports the cspace size", "[cspace]") {
    World w;
    Proc p = w.spawn(5);
    SysResult r = w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_radix, {});
    REQUIRE(r.ok());
    CHECK(r.value == 5);
    helios_caddr_t cs = w.alloc(p, HELIOS_CT_CSPACE, 3);
    r = w.invoke(p, cs, HELIOS_INV_cspace_radix, {});
    REQUIRE(r.ok());
    CHECK(r.value == 3);
}

TEST_CASE("cspace: operations act on the invoked cspace, not the caller's", "[cspace]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t cs = w.alloc(p, HELIOS_CT_CSPACE, 4);
    auto* other = static_cast<CSpace*>(slot_of(p, cs).object);
    // Put a cap into the other cspace, then destroy it through the other cap.
    Caps::install(**other->slot(3), slot_of(p, kSlotTask).object, HELIOS_CT_TASK, HELIOS_RIGHTS_ALL, 0);
    REQUIRE(w.invoke(p, cs, HELIOS_INV_cspace_copy, {HELIOS_RIGHTS_ALL}, {7, 3}).ok());
    CHECK((**other->slot(7)).type == HELIOS_CT_TASK);
    CHECK(slot_of(p, 7).is_null());
    REQUIRE(w.invoke(p, cs, HELIOS_INV_cspace_destroy, {}, {3, 7}).ok());
    CHECK((**other->slot(3)).is_null());
    CHECK(w.invoke(p, cs, HELIOS_INV_cspace_destroy, {}, {16}).status == Error::INVALID_CADDR);
}

TEST_CASE("cspace: unknown cspace label is INVALID_SYSCALL; invoking without SEND is NO_RIGHTS", "[cspace]") {
    World w;
    Proc p = w.spawn();
    CHECK(w.invoke(p, kSlotCSpace, 99, {}).status == Error::INVALID_SYSCALL);
    CHECK(w.invoke(p, kSlotCSpace, 0, {}).status == Error::INVALID_SYSCALL);
    REQUIRE(cap_copy(w, p, 10, kSlotCSpace, HELIOS_RIGHT_RECV).ok());
    CHECK(w.invoke(p, 10, HELIOS_INV_cspace_radix, {}).status == Error::NO_RIGHTS);
}

TEST_CASE("identify: type and rights bits of each capability", "[cspace]") {
    World w;
    Proc p = w.spawn();
    SysResult r = w.sys(p, HELIOS_SYS_identify, kSlotMemory);
    REQUIRE(r.ok());
    CHECK(HELIOS_IDENTIFY_TYPE(r.value) == HELIOS_CT_MEMORY);
    CHECK(HELIOS_IDENTIFY_RIGHTS(r.value) == HELIOS_RIGHTS_ALL);
    CHECK(r.value == ((HELIOS_CT_MEMORY << 2) | 0x3u | (1u << 8) | (1u << 9)));
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    REQUIRE(cap_copy(w, p, 10, ep, HELIOS_RIGHT_RECV | HELIOS_RIGHT_WRITE).ok());
    r = w.sys(p, HELIOS_SYS_identify, 10);
    REQUIRE(r.ok());
    CHECK(HELIOS_IDENTIFY_TYPE(r.value) == HELIOS_CT_ENDPOINT);
    CHECK(HELIOS_IDENTIFY_RIGHTS(r.value) == (HELIOS_RIGHT_RECV | HELIOS_RIGHT_WRITE));
    CHECK(r.value == ((HELIOS_CT_ENDPOINT << 2) | HELIOS_RIGHT_RECV | (1u << 9)));
    const CapType own[] = {HELIOS_CT_CSPACE, HELIOS_CT_VSPACE, HELIOS_CT_TASK};
    for (helios_caddr_t i = 0; i < 3; ++i) CHECK(HELIOS_IDENTIFY_TYPE(w.sys(p, HELIOS_SYS_identify, i).value) == own[i]);
}

TEST_CASE("identify: an empty slot is the null type, out of range INVALID_CADDR", "[cspace]") {
    World w;
    Proc p = w.spawn();
    SysResult r = w.sys(p, HELIOS_SYS_identify, 100);
    REQUIRE(r.ok());
    CHECK(r.value == 0);
    CHECK(w.sys(p, HELIOS_SYS_identify, 256).status == Error::INVALID_CADDR);
    CHECK(w.sys(p, HELIOS_SYS_identify, HELIOS_CADDR_UNDEF).status == Error::INVALID_CADDR);
    // A 64-bit argument is not truncated to slot 0.
    CHECK(w.sys(p, HELIOS_SYS_identify, 1ull << 32).status == Error::INVALID_CADDR);
}
