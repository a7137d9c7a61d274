// PDPT, PD and PT: their descriptors, teardown and the one invocation they share (map).
#include "core/kernel.h"
#include "objects/invocation.h"
#include "objects/object_type.h"
#include "objects/page_table.h"
#include "objects/paging.h"

#include <new>

namespace helios {

namespace {
// The table's frame holds its entries; its record lives in the frame table.
template <CapType Level>
Object* construct_table(Kernel&, const Placement& p) {
    return new (p.frame_record) PageTable(Level);
}
void teardown_table(Kernel& kernel, Object& table) { kernel.paging().unmap_table(static_cast<PageTable&>(table)); }

template <CapType Level>
constexpr ObjectType kTable{Level, true, any_size, one_frame, construct_table<Level>, nullptr, teardown_table, nullptr};

Error map_table(Invocation& invocation, uint64_t vaddr) {
    unsigned missing = 0;
    Status st = invocation.kernel.paging().map_table(*invocation.argument<VSpace>(0), invocation.target<PageTable>(),
                                                   vaddr, &missing);
    invocation.value = missing;
    return st.error();
}
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_PDPT>() {
    return kTable<HELIOS_CT_PDPT>;
}
template <>
const ObjectType& object_type_of<HELIOS_CT_PD>() {
    return kTable<HELIOS_CT_PD>;
}
template <>
const ObjectType& object_type_of<HELIOS_CT_PT>() {
    return kTable<HELIOS_CT_PT>;
}

Error perform_pdpt_map(Invocation& invocation, uint64_t vaddr) { return map_table(invocation, vaddr); }
Error perform_pd_map(Invocation& invocation, uint64_t vaddr) { return map_table(invocation, vaddr); }
Error perform_pt_map(Invocation& invocation, uint64_t vaddr) { return map_table(invocation, vaddr); }

}  // namespace helios
