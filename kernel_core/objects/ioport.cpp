// IoControl and IoPort: their descriptors and invocations (issue, in, out).
#include "arch/arch.h"
#include "core/kernel.h"
#include "objects/invocation.h"
#include "objects/ioport.h"
#include "objects/object_type.h"

#include <new>

namespace helios {

namespace {
// Both are made by the kernel (boot, iocontrol_issue), never from a Memory.
Object* construct_io_control(Kernel&, const Placement& p) { return new (p.frames) IoControl(); }
Object* construct_ioport(Kernel&, const Placement& p) {
    return new (p.frames) IoPort(static_cast<uint16_t>(p.size), static_cast<uint16_t>(p.extra));
}

Error check_port(const IoPort& io, uint64_t port, uint64_t width) {
    if (width != 1 && width != 2 && width != 4) return Error::INVALID_PARAM;
    if (port > 0xFFFF || !io.covers(static_cast<uint32_t>(port), static_cast<unsigned>(width)))
        return Error::INVALID_PARAM;
    return Error::NONE;
}
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_IOCONTROL>() {
    static constexpr ObjectType kIoControl{
        HELIOS_CT_IOCONTROL, true, nullptr, one_frame, construct_io_control, nullptr, nullptr, nullptr};
    return kIoControl;
}

template <>
const ObjectType& object_type_of<HELIOS_CT_IOPORT>() {
    static constexpr ObjectType kIoPort{
        HELIOS_CT_IOPORT, true, nullptr, one_frame, construct_ioport, nullptr, nullptr, nullptr};
    return kIoPort;
}

Error perform_iocontrol_issue(Invocation& invocation, uint64_t min, uint64_t max) {
    Kernel& k = invocation.kernel;
    if (min > max || max > 0xFFFF) return Error::INVALID_PARAM;
    CSpace& mine = invocation.cspace();
    Slot* out = TRY(mine.empty(invocation.buffer.caps[0]));
    Object* io = TRY(k.create_uncharged_object(HELIOS_CT_IOPORT, min, max));
    Caps::install(*out, io, HELIOS_CT_IOPORT, HELIOS_RIGHT_SEND, 0);
    invocation.value = mine.caddr_of(out);
    invocation.buffer.caps[0] = static_cast<helios_caddr_t>(invocation.value);
    return Error::NONE;
}

Error perform_ioport_in(Invocation& invocation, uint64_t port, uint64_t width) {
    if (Error e = check_port(invocation.target<IoPort>(), port, width); e != Error::NONE) return e;
    invocation.value = arch::port_in(static_cast<uint16_t>(port), static_cast<unsigned>(width));
    return Error::NONE;
}

Error perform_ioport_out(Invocation& invocation, uint64_t port, uint64_t width, uint64_t value) {
    if (Error e = check_port(invocation.target<IoPort>(), port, width); e != Error::NONE) return e;
    arch::port_out(static_cast<uint16_t>(port), static_cast<unsigned>(width), static_cast<uint32_t>(value));
    return Error::NONE;
}

}  // namespace helios
