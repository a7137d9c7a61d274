// IRQ control, IRQ handlers, I/O control and I/O port ranges.
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

// The right to issue I/O port capabilities. A singleton made at boot.
class IoControl final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_IOCONTROL;
};

// Ports min..max inclusive.
class IoPort final : public Object {
public:
    static constexpr CapType kType = HELIOS_CT_IOPORT;

    IoPort(uint16_t min, uint16_t max) : min_(min), max_(max) {}
    uint16_t min() const { return min_; }
    uint16_t max() const { return max_; }
    bool covers(uint32_t port, unsigned width) const { return port >= min_ && port + width - 1 <= max_; }

private:
    uint16_t min_, max_;
};

}  // namespace helios
