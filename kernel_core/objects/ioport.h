// IoControl (the right to issue I/O port capabilities) and IoPort (a port range).
#pragma once

#include "objects/object.h"

namespace helios {

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
