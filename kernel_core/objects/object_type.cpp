// The type table: one descriptor per row of HELIOS_CTYPES, checked at build time.
#include "objects/object_type.h"

#include "lib/assert.h"

namespace helios {

namespace {
using Describe = const ObjectType& (*)();

// Rows in HELIOS_CTYPES order; a type missing its object_type_of<>
// definition is an undefined symbol at link time.
constexpr Describe kTypes[] = {
#define HELIOS_X_ROW(num, name, text) &object_type_of<HELIOS_CT_##name>,
    HELIOS_CTYPES(HELIOS_X_ROW)
#undef HELIOS_X_ROW
};
static_assert(sizeof kTypes / sizeof kTypes[0] == HELIOS_CTYPE_COUNT, "one descriptor per capability type");

// The table is indexed by type number: the rows must be numbered 0, 1, 2 ...
constexpr unsigned kRowNumbers[] = {
#define HELIOS_X_NUM(num, name, text) num,
    HELIOS_CTYPES(HELIOS_X_NUM)
#undef HELIOS_X_NUM
};
constexpr bool rows_in_order() {
    for (unsigned i = 0; i < HELIOS_CTYPE_COUNT; ++i)
        if (kRowNumbers[i] != i) return false;
    return true;
}
static_assert(rows_in_order(), "HELIOS_CTYPES rows must be numbered in order from 0");
}  // namespace

const ObjectType& object_type(CapType type) {
    HELIOS_ASSERT(type < HELIOS_CTYPE_COUNT);
    const ObjectType& described = kTypes[type]();
    HELIOS_ASSERT(described.type == type);
    return described;
}

uint64_t one_frame(uint64_t) { return 1; }
Status any_size(uint64_t) { return {}; }

// The null capability names nothing.
template <>
const ObjectType& object_type_of<HELIOS_CT_NULL_CAP>() {
    static constexpr ObjectType kNull{HELIOS_CT_NULL_CAP, false, nullptr, one_frame, nullptr, nullptr, nullptr, nullptr};
    return kNull;
}

}  // namespace helios
