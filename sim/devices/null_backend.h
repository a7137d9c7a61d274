// The "none" backend: a serial line with nothing attached.
#ifndef HELIOS_SIM_DEVICES_NULL_BACKEND_H
#define HELIOS_SIM_DEVICES_NULL_BACKEND_H

#include "sim/devices/char_backend.h"

namespace helios::sim {

// Discards all output and never has input.
class NullBackend final : public CharBackend {
public:
    void write(const uint8_t*, size_t) override {}
    size_t read(uint8_t*, size_t) override { return 0; }
    int poll_fd() const override { return -1; }
    std::string describe() const override { return "none"; }
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_NULL_BACKEND_H
