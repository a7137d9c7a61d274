// GDT/TSS/IDT, the syscall MSRs, the 8259 PIC pair and the PIT.
#include "arch/arch.h"
#include "arch/x86_64/x86.h"

namespace helios::x86 {

extern "C" {
extern uint64_t gdt[];
extern const uint64_t isr_table[256];
extern char ist_stack_top[];
extern char kernel_stack_top[];
void syscall_entry();
}

namespace {

// The 64-bit TSS followed by its I/O permission bitmap (8 KiB for 65536
// ports, then the 0xFF byte the CPU may read past the last one).
struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
    uint8_t iomap[8192];
    uint8_t iomap_end;
};
static_assert(sizeof(Tss) == 104 + 8192 + 1);

alignas(16) Tss g_tss;

struct [[gnu::packed]] IdtEntry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t zero;
};
alignas(16) IdtEntry g_idt[256];

struct [[gnu::packed]] TablePointer {
    uint16_t limit;
    uint64_t base;
};

uint8_t g_pic_mask[2] = {0xFF, 0xFF};
volatile uint64_t g_ticks = 0;
constexpr uint16_t kPitDivisor = 11932;  // 1193182 Hz / 100
uint64_t g_last_ns = 0;

}  // namespace

void cpu_init() {
    // TSS: kernel stack for traps from user mode, IST1 for double faults,
    // every port denied until a task with IoPort capabilities runs.
    g_tss.rsp[0] = reinterpret_cast<uint64_t>(kernel_stack_top);
    g_tss.ist[0] = reinterpret_cast<uint64_t>(ist_stack_top);
    g_tss.iomap_base = static_cast<uint16_t>(__builtin_offsetof(Tss, iomap));
    for (uint8_t& b : g_tss.iomap) b = 0xFF;
    g_tss.iomap_end = 0xFF;
    uint64_t base = reinterpret_cast<uint64_t>(&g_tss);
    uint64_t limit = sizeof(Tss) - 1;
    gdt[SEL_TSS / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
                       (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt[SEL_TSS / 8 + 1] = base >> 32;
    asm volatile("ltr %w0" : : "r"(SEL_TSS));

    // IDT: interrupt gates (IF cleared on entry); NMI, double fault and
    // machine check on their own stack (IST1: they may arrive between
    // `syscall` and the stack switch); int3 may be raised from
    // user mode (DPL 3) so a breakpoint is #BP, not #GP.
    for (unsigned v = 0; v < 256; ++v) {
        uint64_t off = isr_table[v];
        IdtEntry& e = g_idt[v];
        e.offset_lo = static_cast<uint16_t>(off);
        e.selector = SEL_KERNEL_CODE;
        e.ist = (v == 2 || v == 8 || v == 18) ? 1 : 0;  // NMI, #DF, #MC: may hit the syscall gap
        e.type = v == 3 ? 0xEE : 0x8E;
        e.offset_mid = static_cast<uint16_t>(off >> 16);
        e.offset_hi = static_cast<uint32_t>(off >> 32);
        e.zero = 0;
    }
    TablePointer idtr{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" : : "m"(idtr));

    // syscall/sysret: kernel CS 0x08 (SS 0x10); sysret's base 0x10 gives
    // user SS 0x18|3 and CS 0x20|3. Mask IF, TF, DF, AC, NT on entry.
    wrmsr(kMsrStar, (static_cast<uint64_t>(0x10) << 48) | (static_cast<uint64_t>(SEL_KERNEL_CODE) << 32));
    wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(&syscall_entry));
    wrmsr(kMsrSfmask, 0x47700);
    wrmsr(kMsrFsBase, 0);
    wrmsr(kMsrGsBase, 0);
    wrmsr(kMsrKernelGsBase, 0);
}

void iobitmap_set_allowed(uint16_t first, uint16_t last, bool allowed) {
    for (uint32_t p = first; p <= last; ++p) {
        uint8_t bit = static_cast<uint8_t>(1u << (p & 7));
        if (allowed)
            g_tss.iomap[p >> 3] &= static_cast<uint8_t>(~bit);
        else
            g_tss.iomap[p >> 3] |= bit;
    }
}

// ---- 8259 PIC --------------------------------------------------------------------

namespace {
void io_wait() { outb(0x80, 0); }
void pic_write_masks() {
    outb(0x21, g_pic_mask[0]);
    outb(0xA1, g_pic_mask[1]);
}
}  // namespace

void pic_init() {
    // The 8259 pair reaches the CPU through the local APIC's LINT0 pin,
    // which must be in virtual-wire mode (ExtINT, unmasked). SeaBIOS sets
    // that up, qboot leaves LINT0 masked as at reset: set it ourselves.
    uint32_t eax = 1, ebx, ecx, edx;
    asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
    if (edx & (1u << 9)) {
        uint64_t base = rdmsr(kMsrApicBase);
        wrmsr(kMsrApicBase, base | (1ull << 11));
        auto* apic = static_cast<volatile uint32_t*>(arch::phys_to_virt(base & 0xFFFFF000ull));
        apic[0x80 / 4] = 0;                               // TPR: accept everything
        apic[0xF0 / 4] = (apic[0xF0 / 4] & ~0xFFu) | 0x1FF;  // software enable, spurious vector 0xFF
        apic[0x350 / 4] = 0x700;                          // LINT0: ExtINT (the 8259)
        apic[0x360 / 4] = 0x400;                          // LINT1: NMI
    }

    outb(0x20, 0x11);  // ICW1: edge, cascade, ICW4
    io_wait();
    outb(0xA0, 0x11);
    io_wait();
    outb(0x21, kIrqVectorBase);  // ICW2: vector bases
    io_wait();
    outb(0xA1, kIrqVectorBase + 8);
    io_wait();
    outb(0x21, 0x04);  // ICW3: slave on line 2
    io_wait();
    outb(0xA1, 0x02);
    io_wait();
    outb(0x21, 0x01);  // ICW4: 8086 mode
    io_wait();
    outb(0xA1, 0x01);
    io_wait();
    g_pic_mask[0] = static_cast<uint8_t>(~((1u << 0) | (1u << 2)));  // timer and cascade
    g_pic_mask[1] = 0xFF;
    pic_write_masks();
}

void pic_mask(unsigned line) {
    if (line >= 16 || line == 2) return;
    g_pic_mask[line / 8] |= static_cast<uint8_t>(1u << (line % 8));
    outb(line < 8 ? 0x21 : 0xA1, g_pic_mask[line / 8]);
}

void pic_unmask(unsigned line) {
    if (line >= 16) return;
    g_pic_mask[line / 8] &= static_cast<uint8_t>(~(1u << (line % 8)));
    outb(line < 8 ? 0x21 : 0xA1, g_pic_mask[line / 8]);
}

void pic_eoi(unsigned line) {
    if (line >= 8) outb(0xA0, 0x20);
    outb(0x20, 0x20);
}

bool pic_spurious(unsigned line) {
    if (line != 7 && line != 15) return false;
    uint16_t cmd = line == 7 ? 0x20 : 0xA0;
    outb(cmd, 0x0B);  // read the in-service register
    bool in_service = inb(cmd) & 0x80;
    if (in_service) return false;
    if (line == 15) outb(0x20, 0x20);  // the master did see the cascade
    return true;
}

// ---- PIT ----------------------------------------------------------------------------

void pit_init() {
    outb(0x43, 0x34);  // channel 0, lo/hi, mode 2 (rate generator)
    outb(0x40, kPitDivisor & 0xFF);
    outb(0x40, kPitDivisor >> 8);
}

void clock_tick() { g_ticks = g_ticks + 1; }

uint64_t clock_ns() {
    outb(0x43, 0x00);  // latch channel 0
    uint16_t count = inb(0x40);
    count = static_cast<uint16_t>(count | (inb(0x40) << 8));
    uint64_t into = count <= kPitDivisor ? kPitDivisor - count : 0;
    uint64_t ns = g_ticks * kTickNs + into * 1'000'000'000ull / 1'193'182ull;
    if (ns < g_last_ns) ns = g_last_ns;  // a tick pending but not yet counted
    g_last_ns = ns;
    return ns;
}

}  // namespace helios::x86
