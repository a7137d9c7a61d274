// VSpace: its descriptor, teardown and invocation (lookup).
#include "arch/arch.h"
#include "core/kernel.h"
#include "objects/invocation.h"
#include "objects/object_type.h"
#include "objects/vspace.h"

#include <new>

namespace helios {

namespace {
// The frame is the PML4; the record lives in the frame table.
Object* construct_vspace(Kernel& kernel, const Placement& p) {
    return new (p.frame_record) VSpace(kernel.next_vspace_id());
}
// The arch prepares the address space (the kernel half of the PML4 on
// hardware) once its frame is known.
void vspace_created(Kernel&, Object& object) { arch::vspace_created(static_cast<VSpace&>(object)); }
void teardown_vspace(Kernel& kernel, Object& object) {
    auto& vs = static_cast<VSpace&>(object);
    kernel.paging().clear_vspace(vs);
    arch::vspace_destroyed(vs);
}
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_VSPACE>() {
    static constexpr ObjectType kVSpace{
        HELIOS_CT_VSPACE, true, any_size, one_frame, construct_vspace, vspace_created, teardown_vspace, nullptr};
    return kVSpace;
}

Error perform_vspace_lookup(Invocation& invocation, uint64_t vaddr) {
    invocation.value = TRY(invocation.kernel.paging().translate(invocation.target<VSpace>(), vaddr, false));
    return Error::NONE;
}

}  // namespace helios
