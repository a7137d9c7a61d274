// CSpace: a table of 2^radix capability slots; a caddr is a slot index.
#pragma once

#include "objects/object.h"

#include <new>

namespace helios {

class CSpace final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_CSPACE;
    static constexpr unsigned kMinRadix = 1;
    static constexpr unsigned kMaxRadix = 16;

    explicit CSpace(unsigned radix) : radix_(radix) {
        for (uint64_t i = 0; i < capacity(); ++i) new (&slots_[i]) Slot();
    }

    // Frames needed for a cspace of this radix (header and slots together).
    static uint64_t frames_for(unsigned radix) {
        uint64_t bytes = sizeof(CSpace) + (uint64_t{1} << radix) * sizeof(Slot);
        return (bytes + HELIOS_PAGE_SIZE - 1) / HELIOS_PAGE_SIZE;
    }

    unsigned radix() const { return radix_; }
    uint64_t capacity() const { return uint64_t{1} << radix_; }

    // The slot at caddr; INVALID_CADDR past the end.
    Result<Slot*> slot(helios_caddr_t caddr) {
        if (caddr >= capacity()) return Error::INVALID_CADDR;
        return &slots_[caddr];
    }
    // A slot that must hold a capability (INVALID_CSLOT when null).
    Result<Slot*> occupied(helios_caddr_t caddr) {
        Slot* s = TRY(slot(caddr));
        if (s->is_null()) return Error::INVALID_CSLOT;
        return s;
    }
    // A slot that must be empty; HELIOS_CADDR_UNDEF picks the lowest free
    // one, skipping `avoid` slots already chosen by the same operation.
    Result<Slot*> empty(helios_caddr_t caddr, const helios_caddr_t* avoid = nullptr, unsigned navoid = 0);

    // Resolve caddr to an object of type T, checking the slot's rights.
    template <typename T>
    Result<T*> resolve(helios_caddr_t caddr, uint8_t rights_needed = 0) {
        Slot* s = TRY(occupied(caddr));
        if (s->type != T::kType) return Error::INVALID_CTYPE;
        if ((s->rights & rights_needed) != rights_needed) return Error::NO_RIGHTS;
        return static_cast<T*>(s->object);
    }

    helios_caddr_t caddr_of(const Slot* s) const { return static_cast<helios_caddr_t>(s - slots_); }
    Slot* slot_at(uint64_t index) { return &slots_[index]; }

private:
    unsigned radix_;
    Slot slots_[];  // flexible array: 2^radix slots follow the header
};

}  // namespace helios
