// Raw x86 port I/O (in/out instructions); the task must hold an IOPort capability for the port.
#ifndef HELIOS_RT_PORTIO_H
#define HELIOS_RT_PORTIO_H

#include <stdint.h>

// Holding an IOPort capability (from IOControl issue) is what permits these
// instructions; without one they fault (HELIOS_FAULT_IOPORT). The simulator
// traps and emulates them on its device models, hardware executes them.
namespace helios::port {

inline void outb(uint16_t port, uint8_t value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory"); }
inline void outw(uint16_t port, uint16_t value) { asm volatile("outw %0, %1" : : "a"(value), "Nd"(port) : "memory"); }
inline void outl(uint16_t port, uint32_t value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory"); }

inline uint8_t inb(uint16_t port) {
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}
inline uint16_t inw(uint16_t port) {
    uint16_t value;
    asm volatile("inw %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}
inline uint32_t inl(uint16_t port) {
    uint32_t value;
    asm volatile("inl %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

}  // namespace helios::port

#endif
