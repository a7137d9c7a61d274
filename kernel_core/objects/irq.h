// IrqControl (the right to issue IRQ capabilities) and Irq (a line bound to a notification).
#pragma once

#include "objects/object.h"

namespace helios {

// The right to issue IRQ capabilities. A singleton made at boot.
class IrqControl final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_IRQCONTROL;
};

// An IRQ line bound to a notification. The line is masked from the moment
// an interrupt is delivered until the holder acks it.
class Irq final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_IRQ;
    static constexpr unsigned kLines = 16;

    explicit Irq(unsigned line) : line_(line) {}
    unsigned line() const { return line_; }

    Slot notification;  // embedded: keeps the notification alive
    bool pending_ack = true;  // masked until the first ack

private:
    unsigned line_;
};

}  // namespace helios
