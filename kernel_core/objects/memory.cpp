// Memory: its descriptor and invocations (allocate objects from the quota, info).
#include "objects/memory.h"

#include "core/kernel.h"
#include "objects/object_type.h"
#include "objects/out_slots.h"

#include <new>

namespace helios {

namespace {
Status check_memory_size(uint64_t pages) { return pages == 0 ? Status(Error::INVALID_PARAM) : Status(); }
Object* construct_memory(Kernel&, const Placement& p) { return new (p.frames) Memory(p.size); }
List<Object, &Object::sibling>* memory_children(Object& memory) { return &static_cast<Memory&>(memory).children; }
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_MEMORY>() {
    static constexpr ObjectType kMemory{
        HELIOS_CT_MEMORY, true, check_memory_size, one_frame, construct_memory, nullptr, nullptr, memory_children};
    return kMemory;
}

Error perform_memory_info(Invocation& invocation) {
    auto& memory = invocation.target<Memory>();
    invocation.buffer.params[0] = memory.quota();
    invocation.buffer.params[1] = memory.used();
    invocation.value = memory.available();
    return Error::NONE;
}

Error perform_memory_allocate(Invocation& invocation, uint64_t type, uint64_t size, uint64_t count) {
    auto& memory = invocation.target<Memory>();
    if (count == 0 || count > HELIOS_MAX_CAPS || count > invocation.ncaps) return Error::INVALID_PARAM;
    if (type >= HELIOS_CTYPE_COUNT) return Error::INVALID_CTYPE;
    Slot* out[HELIOS_MAX_CAPS];
    TRY_STATUS(pick_out_slots(invocation, 0, static_cast<unsigned>(count), out));
    auto ctype = static_cast<CapType>(type);
    return make_objects_into(invocation, ctype, count, out,
                             [&] { return invocation.kernel.create_object(memory, ctype, size); });
}

}  // namespace helios
