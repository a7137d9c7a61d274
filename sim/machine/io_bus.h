// IoBus: the machine's port-I/O bus and interrupt lines, a table of devices by port range and IRQ line.
#pragma once

#include "sim/devices/interrupt_controller.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace helios::sim {

// Devices register the ports they decode and the interrupt line they drive;
// port accesses are dispatched by that table, byte by byte as on the ISA bus,
// and interrupts go through the interrupt controller the bus owns. The bus
// also holds the injected interrupt faults (irq-drop, irq-dup), which act
// where a line is delivered.
class IoBus {
public:
    // One device: the ports [base, base + ports) and its interrupt line.
    struct Device {
        std::string name;  // for people, e.g. "COM1"
        uint16_t base = 0;
        uint16_t ports = 0;
        unsigned irq = 0;
        std::function<uint8_t(unsigned offset)> read;               // a read of port base + offset
        std::function<void(unsigned offset, uint8_t value)> write;  // a write to port base + offset
    };

    // Adds `device` to the table and returns the function through which it
    // drives its interrupt line (a level: asserted or not). Precondition: its
    // ports overlap no attached device's, irq < InterruptController::kLines.
    std::function<void(bool)> attach(Device device);

    // `width` (1, 2 or 4) bytes from consecutive ports, the first in the low
    // byte. A port no device decodes reads 0xFF, as an unclaimed ISA port.
    uint32_t in(uint16_t port, unsigned width);
    // The low `width` bytes of `value` to consecutive ports, the low byte
    // first; a byte to a port no device decodes is lost.
    void out(uint16_t port, unsigned width, uint32_t value);

    // The kernel masks a line while its driver handles it.
    void mask(unsigned line) { pic_.mask(line); }
    void unmask(unsigned line) { pic_.unmask(line); }

    // Injected faults, one interrupt each: the next one on `line` is lost /
    // delivered twice. Precondition: line < InterruptController::kLines.
    void drop_next(unsigned line) { drop_[line]++; }
    void duplicate_next(unsigned line) { duplicate_[line]++; }

    // Hands every asserted, unmasked line to `enter_irq`, highest priority
    // first, until none is pending. The kernel masks a line it is given, so
    // each is handed over once; a dropped one is masked here instead.
    void deliver(const std::function<void(unsigned line)>& enter_irq);

private:
    // The device decoding `port`, or null.
    Device* decoder(uint16_t port);

    std::vector<Device> devices_;
    InterruptController pic_;
    unsigned drop_[InterruptController::kLines] = {};
    unsigned duplicate_[InterruptController::kLines] = {};
};

}  // namespace helios::sim
