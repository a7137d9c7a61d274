// ObjectType: each capability type's lifecycle steps, in one table by type.
#pragma once

#include "objects/object.h"

namespace helios {

// Where a new object goes. Its record lives at the start of its own frames
// (Memory, CSpace, Task ...) or, for an object that manages one frame whose
// contents are not the kernel's (a Page's frame is the user's data, a
// table's frame holds entries), in that frame's entry of the frame table.
struct Placement {
    uint64_t first_frame;
    void* frames;        // the frames, through the direct map
    void* frame_record;  // Frame::storage of first_frame
    uint64_t size;       // as the creator passed it (radix, pages, irq line ...)
    uint64_t extra;      // type-specific (a device page's address ...)
};

// What the kernel's generic code (create, destroy) needs from a type. Each
// type defines its descriptor beside its behaviour, in objects/<type>.cpp,
// so adding a type touches its own files and its abi.h rows only.
struct ObjectType {
    CapType type;
    // False for the capability types that name no object of their own (the
    // null capability, a reply capability naming a waiting task).
    bool is_object;
    // Allocation from a Memory: the size check (null: not allocatable from
    // a Memory, INVALID_CTYPE) and the frames its body takes for that size.
    Status (*check_size)(uint64_t size);
    uint64_t (*frames)(uint64_t size);
    // Build the object's record (frames are zeroed).
    Object* (*construct)(Kernel& kernel, const Placement& placement);
    // Once the object's header is complete (frames, parent): tell the arch,
    // for instance (null: nothing to do).
    void (*created)(Kernel& kernel, Object& object);
    // After every capability to the object was revoked: release what it holds
    // (null: nothing). Objects losing their last owner are queued, never
    // destroyed recursively (Kernel::release).
    void (*teardown)(Kernel& kernel, Object& object);
    // Objects allocated from this one, destroyed before it (null: none).
    List<Object, &Object::sibling>* (*children)(Object& object);
};

// A type's descriptor, defined by the type (objects/<type>.cpp). One is
// declared per HELIOS_CTYPES row and the table names every one: a row
// without its definition fails to link.
template <CapType T>
const ObjectType& object_type_of();
#define HELIOS_X_DECLARE(num, name, text) \
    template <>                           \
    const ObjectType& object_type_of<HELIOS_CT_##name>();
HELIOS_CTYPES(HELIOS_X_DECLARE)
#undef HELIOS_X_DECLARE

// The descriptor of `type` (precondition: type < HELIOS_CTYPE_COUNT).
const ObjectType& object_type(CapType type);

// Shared steps for descriptors.
uint64_t one_frame(uint64_t size);
Status any_size(uint64_t size);

}  // namespace helios
