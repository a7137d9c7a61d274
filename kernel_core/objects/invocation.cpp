// Steps shared by perform functions: picking out-slots and installing new objects.
#include "objects/invocation.h"

#include "core/kernel.h"
#include "objects/out_slots.h"

namespace helios {

CSpace& Invocation::cspace() const { return *caller.cspace(); }

Status pick_out_slots(Invocation& invocation, unsigned first, unsigned count, Slot** out) {
    CSpace& cs = invocation.cspace();
    helios_ipcbuf& b = invocation.buffer;
    helios_caddr_t chosen[HELIOS_MAX_CAPS];
    unsigned nchosen = 0;
    // Explicit caddrs are claimed first, so an automatic (UNDEF) pick never
    // takes a slot that a later entry of the same list names.
    for (int pass = 0; pass < 2; ++pass) {
        for (unsigned i = 0; i < count; ++i) {
            bool automatic = b.caps[first + i] == HELIOS_CADDR_UNDEF;
            if (automatic != (pass == 1)) continue;
            Slot* s = TRY(cs.empty(b.caps[first + i], chosen, nchosen));
            for (unsigned j = 0; j < nchosen; ++j)
                if (chosen[j] == cs.caddr_of(s)) return Error::INVALID_CSLOT;  // the same slot named twice
            out[i] = s;
            chosen[nchosen++] = cs.caddr_of(s);
        }
    }
    return {};
}

void install_new_objects(Invocation& invocation, CapType type, Object* const* made, Slot* const* out,
                         uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) {
        Caps::install(*out[i], made[i], type, HELIOS_RIGHTS_ALL, 0);
        invocation.buffer.caps[i] = invocation.cspace().caddr_of(out[i]);
    }
    invocation.value = invocation.buffer.caps[0];
}

}  // namespace helios
