// Capability install/clear: the only code that changes an object's cap list.
#include "objects/object.h"

#include "lib/assert.h"

namespace helios {

void Caps::install(Slot& dst, Object* object, CapType type, uint8_t rights, uint64_t badge,
                   Object* embedded_in) {
    // Overwriting a capability would leave it on its object's list forever.
    HELIOS_ASSERT(dst.is_null());
    HELIOS_ASSERT(object != nullptr);
    dst.object = object;
    dst.type = type;
    dst.rights = rights;
    dst.badge = badge;
    dst.embedded_in = embedded_in;
    object->caps.push_back(&dst);
    if (type != HELIOS_CT_REPLY) object->owning_caps_++;
}

Object* Caps::clear(Slot& slot) {
    Object* object = slot.object;
    if (!object) return nullptr;
    CapType type = slot.type;
    slot.link.unlink();
    slot.object = nullptr;
    slot.type = HELIOS_CT_NULL_CAP;
    slot.rights = 0;
    slot.badge = 0;
    if (type == HELIOS_CT_REPLY) return nullptr;
    HELIOS_ASSERT(object->owning_caps_ > 0);
    object->owning_caps_--;
    return object->owning_caps_ == 0 ? object : nullptr;
}

}  // namespace helios
