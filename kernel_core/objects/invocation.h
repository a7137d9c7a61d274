// Invocation: a decoded send(cap, tag) on a kernel object, and every type's perform steps.
#pragma once

#include "objects/object.h"

#include <helios/pp.h>

namespace helios {

class CSpace;

// What uapi/invoke.cpp hands an object type once decoding succeeded: the
// tag's counts are checked against the invocation's abi.h row, its IN,
// OPTIONAL and NULLABLE capability arguments are resolved (type and rights
// checked), and the params arrive as the perform function's arguments. A
// perform step checks what only it can (values, states) before it changes
// anything, so an error leaves no half-done work.
struct Invocation {
    Kernel& kernel;
    Task& caller;
    Slot& cap;               // the invoked capability
    helios_ipcbuf& buffer;   // the caller's IPC buffer: results go back here
    unsigned ncaps;          // caps[] entries the tag carries
    Object* objects[HELIOS_MAX_CAPS] = {};  // resolved capability arguments (null: absent or empty)
    uint64_t value = 0;      // the result value (rdx)

    CSpace& cspace() const;  // the caller's
    template <typename T>
    T& target() const {
        return *static_cast<T*>(cap.object);
    }
    template <typename T>
    T* argument(unsigned index) const {
        return static_cast<T*>(objects[index]);
    }
};

// One perform function per HELIOS_INVOCATIONS row, taking the row's params
// in order; each is defined beside its object type (objects/<type>.cpp). The
// dispatch table names every one: a row without its function fails to link.
#define HELIOS_X_PERFORM(type, label, name, params, caps, doc) \
    Error perform_##name(Invocation& invocation HELIOS_PP_COMMA_U64_PARAMS(params));
HELIOS_INVOCATIONS(HELIOS_X_PERFORM)
#undef HELIOS_X_PERFORM

}  // namespace helios
