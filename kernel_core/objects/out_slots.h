// Out-slots: where an invocation that makes objects puts their capabilities.
#pragma once

#include "core/kernel.h"
#include "objects/invocation.h"

namespace helios {

// Pick `count` distinct empty slots of the caller's cspace named by
// caps[first ..] (HELIOS_CADDR_UNDEF: the lowest free one). Changes nothing.
Status pick_out_slots(Invocation& invocation, unsigned first, unsigned count, Slot** out);

// Install full-rights capabilities to made[0 .. count) in out[], write their
// caddrs back into caps[], and make the first the result value.
void install_new_objects(Invocation& invocation, CapType type, Object* const* made, Slot* const* out,
                         uint64_t count);

// Make `count` objects with `make` (returning Result<Object*>), all or none:
// a failure destroys those already made. Then install them.
template <typename Make>
Error make_objects_into(Invocation& invocation, CapType type, uint64_t count, Slot** out, Make&& make) {
    Object* made[HELIOS_MAX_CAPS];
    for (uint64_t i = 0; i < count; ++i) {
        auto object = make();
        if (!object.ok()) {
            for (uint64_t j = 0; j < i; ++j) invocation.kernel.destroy(made[j]);
            return object.error();
        }
        made[i] = *object;
    }
    install_new_objects(invocation, type, made, out, count);
    return Error::NONE;
}

}  // namespace helios
