// The kernel log on COM1 (16550, polled), panics, and QEMU's debug exit.
#include "arch/x86_64/x86.h"
#include "lib/line_buffer.h"

namespace helios::x86 {

namespace {
constexpr uint16_t kCom1 = 0x3F8;
constexpr uint16_t kDebugExitPort = 0xF4;
}  // namespace

// Only the line settings: the rest of the UART stays as at reset (no
// interrupts, FIFOs off, MCR 0), which is the state the serial driver finds
// in the simulator too. (FIFOs left on by the kernel would, for instance,
// turn a single received byte into a character-timeout interrupt.)
void serial_init() {
    outb(kCom1 + 1, 0x00);  // no interrupts (the serial driver enables its own)
    outb(kCom1 + 3, 0x80);  // DLAB
    outb(kCom1 + 0, 0x01);  // 115200 baud
    outb(kCom1 + 1, 0x00);
    outb(kCom1 + 3, 0x03);  // 8N1
    outb(kCom1 + 2, 0x00);  // FIFOs off (as at reset: input already received stays)
    outb(kCom1 + 4, 0x00);
}

// The serial driver owns the same UART. The kernel log must not land in a
// loopback test the driver is running (nor vanish into it): while loopback
// is on, it is switched off for the kernel's bytes, which go to the line, and
// switched back on once they have left the transmitter.
void serial_write(const char* text, size_t length) {
    constexpr uint8_t kMcrLoop = 0x10, kLsrThre = 0x20, kLsrTemt = 0x40;
    constexpr unsigned kSpin = 20000;  // bounded: a missing UART reads 0xFF
    uint8_t mcr = inb(kCom1 + 4);
    bool loop = (mcr & kMcrLoop) && mcr != 0xFF;
    if (loop) outb(kCom1 + 4, static_cast<uint8_t>(mcr & ~kMcrLoop));
    for (size_t i = 0; i < length; ++i) {
        for (unsigned spin = 0; spin < kSpin && !(inb(kCom1 + 5) & kLsrThre); ++spin) {
        }
        outb(kCom1, static_cast<uint8_t>(text[i]));
    }
    if (loop) {
        for (unsigned spin = 0; spin < kSpin && !(inb(kCom1 + 5) & kLsrTemt); ++spin) {
        }
        outb(kCom1 + 4, mcr);
    }
}

void log(const char* text) {
    size_t n = 0;
    while (text[n]) ++n;
    serial_write(text, n);
}

void debug_exit(uint8_t code) { outb(kDebugExitPort, code); }

void panic(const char* what, const TrapFrame* f) {
    asm volatile("cli");
    LineBuffer line;
    line.put("[kernel] PANIC: ").put(what).put("\n");
    serial_write(line.data(), line.size());
    if (f) {
        LineBuffer a;
        a.put("  vector ").put_dec(f->vector).put(" error ").put_hex(f->error).put(" rip ").put_hex(f->rip);
        a.put(" cs ").put_hex(f->cs).put(" rflags ").put_hex(f->rflags).put(" rsp ").put_hex(f->rsp);
        a.put(" cr2 ").put_hex(read_cr2()).put("\n");
        serial_write(a.data(), a.size());
        LineBuffer b;
        b.put("  rax ").put_hex(f->rax).put(" rbx ").put_hex(f->rbx).put(" rcx ").put_hex(f->rcx);
        b.put(" rdx ").put_hex(f->rdx).put(" rsi ").put_hex(f->rsi).put(" rdi ").put_hex(f->rdi).put("\n");
        serial_write(b.data(), b.size());
    }
    debug_exit(0x7F);  // QEMU: exit status 255
    for (;;) asm volatile("cli; hlt");
}

}  // namespace helios::x86
