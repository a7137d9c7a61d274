// IoBus: port dispatch through the device table, and interrupt delivery.
#include "sim/machine/io_bus.h"

namespace helios::sim {

std::function<void(bool)> IoBus::attach(Device device) {
    const unsigned line = device.irq;
    devices_.push_back(std::move(device));
    return [this, line](bool level) { pic_.set_level(line, level); };
}

IoBus::Device* IoBus::decoder(uint16_t port) {
    for (Device& d : devices_)
        if (port >= d.base && port < d.base + d.ports) return &d;
    return nullptr;
}

uint32_t IoBus::in(uint16_t port, unsigned width) {
    uint32_t v = 0;
    for (unsigned i = 0; i < width; ++i) {
        uint16_t p = static_cast<uint16_t>(port + i);
        uint8_t b = 0xFF;
        if (Device* d = decoder(p)) b = d->read(static_cast<unsigned>(p - d->base));
        v |= static_cast<uint32_t>(b) << (8 * i);
    }
    return v;
}

void IoBus::out(uint16_t port, unsigned width, uint32_t value) {
    for (unsigned i = 0; i < width; ++i) {
        uint16_t p = static_cast<uint16_t>(port + i);
        uint8_t b = static_cast<uint8_t>(value >> (8 * i));
        if (Device* d = decoder(p)) d->write(static_cast<unsigned>(p - d->base), b);
    }
}

void IoBus::deliver(const std::function<void(unsigned line)>& enter_irq) {
    while (auto line = pic_.next_pending()) {
        if (drop_[*line]) {
            // Lost on the way: the kernel never hears of it, and the line
            // stays masked as if it had been delivered.
            drop_[*line]--;
            pic_.mask(*line);
            continue;
        }
        enter_irq(*line);
        if (duplicate_[*line]) {
            duplicate_[*line]--;
            enter_irq(*line);
        }
    }
}

}  // namespace helios::sim
