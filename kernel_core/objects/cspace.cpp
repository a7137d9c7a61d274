// CSpace: slot lookup, its descriptor and invocations (copy, move, mint, destroy).
#include "objects/cspace.h"

#include "core/kernel.h"
#include "objects/invocation.h"
#include "objects/object_type.h"

#include <new>

namespace helios {

Result<Slot*> CSpace::empty(helios_caddr_t caddr, const helios_caddr_t* avoid, unsigned navoid) {
    if (caddr != HELIOS_CADDR_UNDEF) {
        Slot* s = TRY(slot(caddr));
        if (!s->is_null()) return Error::INVALID_CSLOT;
        return s;
    }
    for (uint64_t i = 0; i < capacity(); ++i) {
        if (!slots_[i].is_null()) continue;
        bool taken = false;
        for (unsigned j = 0; j < navoid; ++j) taken |= avoid[j] == i;
        if (!taken) return &slots_[i];
    }
    return Error::INVALID_CSLOT;
}

namespace {
Status check_radix(uint64_t radix) {
    if (radix < CSpace::kMinRadix || radix > CSpace::kMaxRadix) return Error::INVALID_PARAM;
    return {};
}
uint64_t cspace_frames(uint64_t radix) { return CSpace::frames_for(static_cast<unsigned>(radix)); }
Object* construct_cspace(Kernel&, const Placement& p) {
    return new (p.frames) CSpace(static_cast<unsigned>(p.size));
}
// Every capability the cspace holds goes with it.
void teardown_cspace(Kernel& kernel, Object& object) {
    auto& cs = static_cast<CSpace&>(object);
    for (uint64_t i = 0; i < cs.capacity(); ++i) kernel.release(*cs.slot_at(i));
}

// copy, move and mint: caps[] = dest, src, [target]; copy_from: dest, src,
// other (the source cspace). The target or source defaults to this cspace.
Error copy_slot(Invocation& invocation, bool move, bool from_other, uint64_t rights, bool mint, uint64_t badge) {
    auto& cs = invocation.target<CSpace>();
    helios_ipcbuf& b = invocation.buffer;
    CSpace* src_cs = &cs;
    CSpace* dst_cs = &cs;
    if (CSpace* other = invocation.argument<CSpace>(2)) (from_other ? src_cs : dst_cs) = other;
    Slot* src = TRY(src_cs->occupied(b.caps[1]));
    Slot* dst = TRY(dst_cs->empty(b.caps[0]));
    if (!move && src->type == HELIOS_CT_REPLY) return Error::UNSUPPORTED;
    uint8_t granted = move ? src->rights : static_cast<uint8_t>(src->rights & rights);
    Caps::install(*dst, src->object, src->type, granted, mint ? badge : src->badge);
    if (move) Caps::clear(*src);
    invocation.value = dst_cs->caddr_of(dst);
    b.caps[0] = static_cast<helios_caddr_t>(invocation.value);
    return Error::NONE;
}
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_CSPACE>() {
    static constexpr ObjectType kCSpace{
        HELIOS_CT_CSPACE, true, check_radix, cspace_frames, construct_cspace, nullptr, teardown_cspace, nullptr};
    return kCSpace;
}

Error perform_cspace_radix(Invocation& invocation) {
    invocation.value = invocation.target<CSpace>().radix();
    return Error::NONE;
}

Error perform_cspace_destroy(Invocation& invocation) {
    auto& cs = invocation.target<CSpace>();
    // All named slots are checked before the first goes.
    for (unsigned i = 0; i < invocation.ncaps; ++i) TRY_STATUS(cs.slot(invocation.buffer.caps[i]));
    for (unsigned i = 0; i < invocation.ncaps; ++i) invocation.kernel.delete_cap(**cs.slot(invocation.buffer.caps[i]));
    return Error::NONE;
}

Error perform_cspace_copy(Invocation& invocation, uint64_t rights) {
    return copy_slot(invocation, false, false, rights, false, 0);
}
Error perform_cspace_move(Invocation& invocation) { return copy_slot(invocation, true, false, 0, false, 0); }
Error perform_cspace_copy_from(Invocation& invocation, uint64_t rights) {
    return copy_slot(invocation, false, true, rights, false, 0);
}
Error perform_cspace_mint(Invocation& invocation, uint64_t rights, uint64_t badge) {
    return copy_slot(invocation, false, false, rights, true, badge);
}

}  // namespace helios
