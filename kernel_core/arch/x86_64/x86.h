// The x86_64 backend's internal interface: CPU helpers, the trap frame, and
// the pieces the boot path wires together. Nothing here is seen by the core.
#pragma once

#include "arch/x86_64/layout.h"
#include "core/inbound.h"

#include <stddef.h>
#include <stdint.h>

namespace helios::x86 {

// ---- instructions --------------------------------------------------------------
inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
inline uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint16_t inw(uint16_t port) {
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint32_t inl(uint16_t port) {
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}
inline void wrmsr(uint32_t msr, uint64_t v) {
    asm volatile("wrmsr" : : "c"(msr), "a"(static_cast<uint32_t>(v)), "d"(static_cast<uint32_t>(v >> 32)));
}
inline uint64_t read_cr2() {
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr3() {
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
inline void invlpg(uint64_t va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }

constexpr uint32_t kMsrApicBase = 0x1B;
constexpr uint32_t kMsrEfer = 0xC0000080;
constexpr uint32_t kMsrStar = 0xC0000081;
constexpr uint32_t kMsrLstar = 0xC0000082;
constexpr uint32_t kMsrSfmask = 0xC0000084;
constexpr uint32_t kMsrFsBase = 0xC0000100;
constexpr uint32_t kMsrGsBase = 0xC0000101;
constexpr uint32_t kMsrKernelGsBase = 0xC0000102;

// ---- the trap frame (entry.S builds it; lowest address first) --------------
struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;  // the hardware iret frame
};
static_assert(sizeof(TrapFrame) == TRAP_FRAME_SIZE);
static_assert(TRAP_FRAME_SIZE <= TRAP_FRAME_RESERVE && TRAP_FRAME_RESERVE % 16 == 0);

// ---- console (COM1, polled) ----------------------------------------------------
void serial_init();
void serial_write(const char* text, size_t length);
void log(const char* text);
[[noreturn]] void panic(const char* what, const TrapFrame* frame = nullptr);
// Leave QEMU through isa-debug-exit (iobase 0xf4): QEMU exits with
// (code << 1) | 1. Returns on machines without the device.
void debug_exit(uint8_t code);

// ---- CPU tables, interrupt controller, timer ------------------------------------
void cpu_init();              // GDT TSS, IDT, syscall MSRs
void pic_init();              // 8259 pair at vectors 0x20..0x2F, all masked but 0 and 2
void pic_mask(unsigned line);
void pic_unmask(unsigned line);
void pic_eoi(unsigned line);
bool pic_spurious(unsigned line);  // IRQ 7/15 that is not in service
void pit_init();              // channel 0, 100 Hz
uint64_t clock_ns();          // ticks and the PIT's count within the tick
void clock_tick();

constexpr unsigned kIrqVectorBase = 0x20;
constexpr uint64_t kTickNs = 10'000'000;

// The TSS I/O permission bitmap: one bit per port, 1 = deny.
void iobitmap_set_allowed(uint16_t first, uint16_t last, bool allowed);

// ---- address spaces ---------------------------------------------------------------
extern "C" uint64_t boot_pml4[512];
uint64_t kernel_root_phys();
// Load vs's tables (no-op when they are loaded already).
void activate(uint64_t root_phys);
uint64_t loaded_root();
// Map [0, top) of physical memory into the direct map (boot tables cover 4 GiB).
bool direct_map_extend(uint64_t top);

// ---- running tasks -----------------------------------------------------------------
Kernel& kernel();
// Run kernel.current(), or idle until there is one. Never returns.
[[noreturn]] void resume();
// A task is being destroyed: forget it as FPU owner and as holder of the
// fs/gs base MSRs.
void task_gone(Task& task);

}  // namespace helios::x86
