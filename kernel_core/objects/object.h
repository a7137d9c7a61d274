// Object: the header every kernel object starts with, and Slot: a capability.
#pragma once

#include "lib/list.h"
#include "lib/result.h"

#include <helios/abi.h>
#include <stdint.h>

namespace helios {

class Kernel;
class Memory;
class Object;
class Task;

using CapType = helios_ctype;

// A capability: (object, type, rights, badge), stored in a cspace slot or
// embedded in an object (a task's cspace/vspace/fault endpoint, an irq's
// notification). Every non-null slot is linked into its object's cap list,
// so revocation is a walk over that list.
struct Slot {
    Object* object = nullptr;
    CapType type = HELIOS_CT_NULL_CAP;
    uint8_t rights = 0;
    // Embedded slots belong to an object rather than a cspace; revoking one
    // tells that owner (e.g. a task loses its vspace and is unconfigured).
    Object* embedded_in = nullptr;
    uint64_t badge = 0;
    ListNode link;  // in object->caps

    bool is_null() const { return object == nullptr; }
};

// How an object came to be and how it is torn down.
//
// Lifetime: an object lives while it has at least one owning capability (a
// reply capability does not own its task). When the last owning capability
// goes, or when the memory it was allocated from is destroyed, the object is
// destroyed: all its capabilities are revoked, its type's teardown runs, and
// its pages return to its memory's quota.
class Object {
public:
    CapType type() const { return type_; }
    uint64_t first_frame() const { return first_frame_; }
    uint32_t page_count() const { return npages_; }
    // The Memory or DevMem this object was allocated from (null: boot object).
    Object* parent() const { return parent_; }
    uint32_t owning_caps() const { return owning_caps_; }
    bool dying() const { return dying_; }

    List<Slot, &Slot::link> caps;
    ListNode sibling;       // in the parent's children list
    ListNode destroy_link;  // in the kernel's destroy queue while dying

protected:
    friend class Memory;
    friend class Kernel;
    friend class CSpace;
    friend struct Caps;

    CapType type_ = HELIOS_CT_NULL_CAP;
    bool dying_ = false;
    uint32_t npages_ = 0;
    uint64_t first_frame_ = 0;
    Object* parent_ = nullptr;
    uint32_t owning_caps_ = 0;
};

// Capability bookkeeping shared by every object type.
struct Caps {
    // Fill the empty slot `dst` with a capability to `object`. The slot must
    // be null. Counts an owning reference unless type is REPLY.
    static void install(Slot& dst, Object* object, CapType type, uint8_t rights, uint64_t badge,
                        Object* embedded_in = nullptr);
    // Empty `slot` (harmless if null). Returns the object if this was its
    // last owning capability (the caller queues it for destruction).
    static Object* clear(Slot& slot);
};

}  // namespace helios
