// Memory: a quota of physical pages from which every other object is allocated.
#pragma once

#include "lib/assert.h"
#include "objects/object.h"

namespace helios {

// seL4's untyped, as Helios does it: not a physical range but a quota of
// frames drawn from the kernel's physical allocator. Sub-dividing moves quota
// to a child Memory; destroying a Memory destroys everything allocated from
// it, children first.
class Memory final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_MEMORY;

    explicit Memory(uint64_t quota) : quota_(quota) {}

    uint64_t quota() const { return quota_; }
    uint64_t used() const { return used_; }
    uint64_t available() const { return quota_ - used_; }

    // Reserve n pages of quota; NOMEM when short. Never partially charges.
    Status charge(uint64_t n) {
        if (n > available()) return Error::NOMEM;
        used_ += n;
        return {};
    }
    void uncharge(uint64_t n) {
        HELIOS_ASSERT(n <= used_);  // only what was charged comes back
        used_ -= n;
    }

    List<Object, &Object::sibling> children;

private:
    uint64_t quota_;
    uint64_t used_ = 0;
};

}  // namespace helios
