// DevMem: its descriptor and invocations (device pages and sub-ranges, info).
#include "objects/devmem.h"

#include "core/kernel.h"
#include "objects/object_type.h"
#include "objects/out_slots.h"

#include <new>

namespace helios {

namespace {
// A DevMem is made by boot code (the whole device range) or from another
// DevMem (a sub-range), never from a Memory: no size check.
Object* construct_devmem(Kernel&, const Placement& p) { return new (p.frames) DevMem(p.extra, p.size); }
List<Object, &Object::sibling>* devmem_children(Object& devmem) { return &static_cast<DevMem&>(devmem).children; }
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_DEVMEM>() {
    static constexpr ObjectType kDevMem{
        HELIOS_CT_DEVMEM, true, nullptr, one_frame, construct_devmem, nullptr, nullptr, devmem_children};
    return kDevMem;
}

Error perform_devmem_info(Invocation& invocation) {
    auto& devmem = invocation.target<DevMem>();
    invocation.buffer.params[0] = devmem.pages();
    invocation.buffer.params[1] = devmem.watermark();
    invocation.value = devmem.base();
    return Error::NONE;
}

Error perform_devmem_allocate(Invocation& invocation, uint64_t type, uint64_t size, uint64_t count) {
    auto& devmem = invocation.target<DevMem>();
    if (count == 0 || count > HELIOS_MAX_CAPS || count > invocation.ncaps) return Error::INVALID_PARAM;
    if (type != HELIOS_CT_PAGE && type != HELIOS_CT_DEVMEM) return Error::INVALID_CTYPE;
    if (type == HELIOS_CT_DEVMEM && (size == 0 || count != 1)) return Error::INVALID_PARAM;
    uint64_t pages = type == HELIOS_CT_PAGE ? count : size;
    if (pages > devmem.remaining()) return Error::NOMEM;
    Slot* out[HELIOS_MAX_CAPS];
    TRY_STATUS(pick_out_slots(invocation, 0, static_cast<unsigned>(count), out));
    auto ctype = static_cast<CapType>(type);
    return make_objects_into(invocation, ctype, count, out,
                             [&] { return invocation.kernel.create_device_object(devmem, ctype, size); });
}

}  // namespace helios
