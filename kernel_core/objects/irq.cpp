// IrqControl and Irq: their descriptors, teardown and invocations (issue, ack).
#include "objects/irq.h"

#include "arch/arch.h"
#include "core/kernel.h"
#include "objects/notification.h"
#include "objects/invocation.h"
#include "objects/object_type.h"

#include <new>

namespace helios {

namespace {
// Both are made by the kernel (boot, irqcontrol_issue), never from a Memory.
Object* construct_irq_control(Kernel&, const Placement& p) { return new (p.frames) IrqControl(); }
Object* construct_irq(Kernel&, const Placement& p) { return new (p.frames) Irq(static_cast<unsigned>(p.size)); }
void teardown_irq(Kernel& kernel, Object& object) {
    auto& irq = static_cast<Irq&>(object);
    kernel.release(irq.notification);
    if (kernel.irq_line(irq.line()) == &irq) kernel.bind_irq_line(irq.line(), nullptr);
    arch::irq_mask(irq.line());
}
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_IRQCONTROL>() {
    static constexpr ObjectType kIrqControl{
        HELIOS_CT_IRQCONTROL, true, nullptr, one_frame, construct_irq_control, nullptr, nullptr, nullptr};
    return kIrqControl;
}

template <>
const ObjectType& object_type_of<HELIOS_CT_IRQ>() {
    static constexpr ObjectType kIrq{HELIOS_CT_IRQ, true, nullptr, one_frame, construct_irq, nullptr, teardown_irq, nullptr};
    return kIrq;
}

Error perform_irqcontrol_issue(Invocation& invocation, uint64_t line) {
    Kernel& k = invocation.kernel;
    if (line >= Irq::kLines || line == 0 || line == 2) return Error::INVALID_PARAM;  // timer, cascade
    if (k.irq_line(static_cast<unsigned>(line))) return Error::BUSY;
    auto* notification = invocation.argument<Notification>(0);
    CSpace& mine = invocation.cspace();
    Slot* out = TRY(mine.empty(invocation.buffer.caps[1]));
    auto* irq = static_cast<Irq*>(TRY(k.create_uncharged_object(HELIOS_CT_IRQ, line, 0)));
    Caps::install(irq->notification, notification, HELIOS_CT_NOTIFICATION, HELIOS_RIGHT_SEND, 0, irq);
    k.bind_irq_line(static_cast<unsigned>(line), irq);
    arch::irq_mask(static_cast<unsigned>(line));
    Caps::install(*out, irq, HELIOS_CT_IRQ, HELIOS_RIGHT_SEND, 0);
    invocation.value = mine.caddr_of(out);
    invocation.buffer.caps[1] = static_cast<helios_caddr_t>(invocation.value);
    return Error::NONE;
}

Error perform_irq_ack(Invocation& invocation) {
    auto& irq = invocation.target<Irq>();
    irq.pending_ack = false;
    arch::irq_unmask(irq.line());
    return Error::NONE;
}

}  // namespace helios
