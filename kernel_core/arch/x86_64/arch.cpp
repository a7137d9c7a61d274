// The arch seam (arch/arch.h) on x86_64 hardware.
#include "arch/arch.h"

#include "arch/x86_64/x86.h"
#include "lib/line_buffer.h"

namespace helios::arch {

void* phys_to_virt(uint64_t phys) { return reinterpret_cast<void*>(DIRECT_MAP + phys); }

void vspace_created(VSpace& vs) {
    // The kernel half (PML4 entries 256..511: direct map and kernel image)
    // in every address space; these entries never change after boot.
    auto* root = static_cast<uint64_t*>(phys_to_virt(vs.root_phys()));
    for (unsigned i = 256; i < 512; ++i) root[i] = x86::boot_pml4[i];
}

// Hardware: page tables and TCBs live in the frames the core already charged.
bool admit_object(unsigned, uint64_t) { return true; }
bool admit_mapping(VSpace&, uint64_t) { return true; }

void map_page(VSpace& vs, uint64_t vaddr, uint64_t, unsigned) {
    // The core wrote the entry; a remap (protect) may have narrowed rights.
    if (x86::loaded_root() == vs.root_phys()) x86::invlpg(vaddr);
}

void unmap_page(VSpace& vs, uint64_t vaddr) {
    if (x86::loaded_root() != vs.root_phys()) return;  // a CR3 load flushes it
    if (vs.dying()) {
        // The vspace is being torn down and its PML4 (kernel half included)
        // is about to be cleared: leave it before that happens.
        x86::activate(x86::kernel_root_phys());
        return;
    }
    x86::invlpg(vaddr);
}

void vspace_destroyed(VSpace& vs) {
    if (x86::loaded_root() == vs.root_phys()) x86::activate(x86::kernel_root_phys());
}

void task_destroyed(Task& task) { x86::task_gone(task); }

void task_exited(Task& task, uint64_t status) {
    if (&task != x86::kernel().init_task()) return;
    LineBuffer line;
    line.put("[kernel] init exited with status ").put_dec(status & 0xFF).put("\n");
    x86::serial_write(line.data(), line.size());
    // QEMU exits with (code << 1) | 1, of which the shell keeps 7 bits of
    // code; 127 means a kernel panic, so larger statuses show as 126.
    // Elsewhere (no debug-exit device) the machine halts.
    x86::debug_exit(static_cast<uint8_t>(status > 126 ? 126 : status));
    x86::log("[kernel] halted\n");
    for (;;) asm volatile("cli; hlt");
}

void irq_mask(unsigned line) { x86::pic_mask(line); }
void irq_unmask(unsigned line) { x86::pic_unmask(line); }

uint32_t port_in(uint16_t port, unsigned width) {
    switch (width) {
        case 1: return x86::inb(port);
        case 2: return x86::inw(port);
        default: return x86::inl(port);
    }
}

void port_out(uint16_t port, unsigned width, uint32_t value) {
    switch (width) {
        case 1: x86::outb(port, static_cast<uint8_t>(value)); break;
        case 2: x86::outw(port, static_cast<uint16_t>(value)); break;
        default: x86::outl(port, value); break;
    }
}

uint64_t now_ns() { return x86::clock_ns(); }

void console_write(const char* text, size_t length) { x86::serial_write(text, length); }

void trace(const TraceEvent&) {}

void panic(const char* text, size_t length) {
    char message[192];
    size_t n = length < sizeof message - 1 ? length : sizeof message - 1;
    for (size_t i = 0; i < n; ++i) message[i] = text[i];
    message[n] = '\0';
    x86::panic(message);
}

}  // namespace helios::arch
