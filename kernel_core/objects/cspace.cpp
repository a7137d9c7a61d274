// CSpace slot lookup and automatic address allocation.
#include "objects/cspace.h"

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

}  // namespace helios
