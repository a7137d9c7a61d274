// kmain: from the multiboot hand-off to the first user task.
//
// Memory: the largest usable stretch of RAM (multiboot memory map) that is
// not the kernel image or a boot module goes to Kernel::init; the first
// module is the initramfs, read through the direct map by boot_init (which
// copies it into pages of its own, so the module's memory is never reused
// while needed and simply stays outside the kernel's pool).
#include "arch/arch.h"
#include "arch/x86_64/x86.h"
#include "core/inbound.h"
#include "lib/line_buffer.h"

#include <new>

extern "C" {
extern char __kernel_start[], __kernel_end[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
extern uint64_t boot_pdpt_direct[512];
[[noreturn]] void kmain(uint32_t magic, uint32_t info_phys);
}

namespace helios::x86 {

namespace {

constexpr uint32_t kMultibootLoaderMagic = 0x2BADB002;
constexpr uint64_t kGiB = 1ull << 30;
// Device memory given to init: the VGA text buffer (real device memory on
// every PC and under QEMU -M pc).
constexpr uint64_t kDevMemBase = 0xB8000;
constexpr uint64_t kDevMemPages = 8;

struct [[gnu::packed]] MbInfo {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};
struct [[gnu::packed]] MbModule {
    uint32_t mod_start, mod_end, string, reserved;
};
struct [[gnu::packed]] MbMmapEntry {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
};

alignas(Kernel) unsigned char g_kernel_storage[sizeof(Kernel)];
Kernel* g_kernel = nullptr;
uint64_t g_loaded_root = 0;

// Page directories for the direct map beyond the boot tables' 4 GiB.
constexpr unsigned kExtraPds = 60;
alignas(4096) uint64_t g_extra_pd[kExtraPds][512];
unsigned g_extra_used = 0;

char g_cmdline[256];

uint64_t virt_to_phys_image(const void* p) { return reinterpret_cast<uint64_t>(p) - KERNEL_VMA; }

template <typename T>
T* phys_ptr(uint64_t phys) {
    return static_cast<T*>(arch::phys_to_virt(phys));
}

struct Range {
    uint64_t base, end;
};

// Cut `hole` out of the pieces; pieces stay sorted by nothing in particular.
void subtract(Range* pieces, unsigned& n, unsigned cap, Range hole) {
    for (unsigned i = 0; i < n; ++i) {
        Range r = pieces[i];
        if (hole.end <= r.base || hole.base >= r.end) continue;
        Range left{r.base, hole.base}, right{hole.end, r.end};
        bool has_left = hole.base > r.base, has_right = hole.end < r.end;
        if (has_left && has_right) {
            pieces[i] = left;
            if (n < cap) pieces[n++] = right;
        } else if (has_left) {
            pieces[i] = left;
        } else if (has_right) {
            pieces[i] = right;
        } else {
            pieces[i] = pieces[--n];
            --i;
        }
    }
}

void say(LineBuffer& line) { serial_write(line.data(), line.size()); }

// Init's devmem is the VGA text buffer. A VGA BIOS leaves it decoding as
// text memory; firmware that runs none (qboot) leaves the VGA as at reset,
// where writes to it are dropped. If a byte written there does not stick,
// set the memory decode a VGA BIOS sets for text mode 3: planes 0 and 1
// written, odd/even addressing, window 0xB8000..0xBFFFF.
void vga_text_window() {
    auto* probe = static_cast<volatile uint8_t*>(arch::phys_to_virt(kDevMemBase + 0x7FFF));
    uint8_t old = *probe;
    *probe = static_cast<uint8_t>(old ^ 0xA5);
    bool works = *probe == static_cast<uint8_t>(old ^ 0xA5);
    *probe = old;
    if (works) return;
    outb(0x3C4, 0x02), outb(0x3C5, 0x03);  // sequencer: map mask, planes 0 and 1
    outb(0x3C4, 0x04), outb(0x3C5, 0x02);  // sequencer: memory mode, odd/even, > 64 KiB
    outb(0x3CE, 0x04), outb(0x3CF, 0x00);  // graphics: read map 0
    outb(0x3CE, 0x05), outb(0x3CF, 0x10);  // graphics: mode, odd/even
    outb(0x3CE, 0x06), outb(0x3CF, 0x0E);  // graphics: misc, window B8000, chain odd/even, text
}

}  // namespace

Kernel& kernel() { return *g_kernel; }

uint64_t kernel_root_phys() { return virt_to_phys_image(boot_pml4); }
uint64_t loaded_root() { return g_loaded_root; }
void activate(uint64_t root) {
    if (root == g_loaded_root) return;
    write_cr3(root);
    g_loaded_root = root;
}

bool direct_map_extend(uint64_t top) {
    uint64_t gib = (top + kGiB - 1) / kGiB;
    if (gib > 512) return false;
    for (uint64_t g = BOOT_DIRECT_GIB; g < gib; ++g) {
        if (boot_pdpt_direct[g] & 1) continue;
        if (g_extra_used == kExtraPds) return false;
        uint64_t* pd = g_extra_pd[g_extra_used++];
        for (uint64_t i = 0; i < 512; ++i) pd[i] = (g * kGiB + i * (2ull << 20)) | 0x83;
        boot_pdpt_direct[g] = virt_to_phys_image(pd) | 3;
    }
    return true;
}

}  // namespace helios::x86

using namespace helios;
using namespace helios::x86;

extern "C" void kmain(uint32_t magic, uint32_t info_phys) {
    serial_init();
    log("Booting Helios kernel (x86_64)\n");
    if (magic != kMultibootLoaderMagic) panic("not started by a multiboot loader");
    for (void (**ctor)() = __init_array_start; ctor != __init_array_end; ++ctor) (*ctor)();

    // The identity map was only for the jump to the higher half.
    boot_pml4[0] = 0;
    g_loaded_root = kernel_root_phys();
    write_cr3(g_loaded_root);
    cpu_init();

    auto* info = phys_ptr<MbInfo>(info_phys);
    // Command line: the loader puts the kernel's path first; init gets the rest.
    if (info->flags & (1u << 2)) {
        const char* s = phys_ptr<const char>(info->cmdline);
        while (*s && *s != ' ') ++s;
        while (*s == ' ') ++s;
        unsigned i = 0;
        for (; s[i] && i + 1 < sizeof g_cmdline; ++i) g_cmdline[i] = s[i];
        g_cmdline[i] = 0;
    }
    if (!(info->flags & (1u << 3)) || info->mods_count == 0)
        panic("no boot module: give the initramfs tar as the first module (qemu -initrd, grub module)");
    auto* mods = phys_ptr<MbModule>(info->mods_addr);

    // Usable RAM, minus the kernel image and every module.
    constexpr unsigned kMaxPieces = 64;
    Range pieces[kMaxPieces];
    unsigned n = 0;
    uint64_t top = 0;
    if (info->flags & (1u << 6)) {
        uint64_t p = info->mmap_addr, end = p + info->mmap_length;
        while (p < end && n < kMaxPieces) {
            auto* e = phys_ptr<MbMmapEntry>(p);
            if (e->type == 1 && e->len) {
                pieces[n++] = {e->addr, e->addr + e->len};
                if (e->addr + e->len > top) top = e->addr + e->len;
            }
            p += e->size + 4;
        }
    } else if (info->flags & 1u) {
        pieces[n++] = {1ull << 20, (1ull << 20) + static_cast<uint64_t>(info->mem_upper) * 1024};
        top = pieces[0].end;
    } else {
        panic("the boot loader gave no memory map");
    }
    uint64_t limit = (BOOT_DIRECT_GIB + 60) * (1ull << 30);
    if (top > limit) top = limit;
    if (!direct_map_extend(top)) panic("cannot extend the direct map");
    subtract(pieces, n, kMaxPieces, {0, 1ull << 20});  // BIOS area and low memory
    subtract(pieces, n, kMaxPieces, {virt_to_phys_image(__kernel_start), virt_to_phys_image(__kernel_end)});
    subtract(pieces, n, kMaxPieces, {limit, ~0ull});
    for (uint32_t i = 0; i < info->mods_count; ++i)
        subtract(pieces, n, kMaxPieces, {mods[i].mod_start & ~0xFFFull, (mods[i].mod_end + 0xFFFull) & ~0xFFFull});
    Range best{0, 0};
    for (unsigned i = 0; i < n; ++i) {
        Range r{(pieces[i].base + 0xFFF) & ~0xFFFull, pieces[i].end & ~0xFFFull};
        if (r.end > r.base && r.end - r.base > best.end - best.base) best = r;
    }
    {
        LineBuffer line;
        line.put("[kernel] memory: ").put_hex(best.base).put("..").put_hex(best.end).put(" (");
        line.put_dec((best.end - best.base) >> 20).put(" MiB); initramfs ").put_dec(mods[0].mod_end - mods[0].mod_start);
        line.put(" bytes at ").put_hex(mods[0].mod_start).put("\n");
        say(line);
    }

    vga_text_window();
    g_kernel = new (g_kernel_storage) Kernel();
    auto root = g_kernel->init(best.base, best.end - best.base);
    if (!root.ok()) panic("Kernel::init failed: not enough usable memory");

    BootConfig config{};
    config.initramfs = phys_ptr<const uint8_t>(mods[0].mod_start);
    config.initramfs_size = mods[0].mod_end - mods[0].mod_start;
    config.devmem_base = kDevMemBase;
    config.devmem_pages = kDevMemPages;
    config.cmdline = g_cmdline;
    BootError why;
    auto init = boot_init(*g_kernel, **root, config, &why);
    if (!init.ok()) {
        LineBuffer line;
        line.put("[kernel] boot failed: ").put(why.what ? why.what : "unknown");
        if (why.detail) line.put(": ").put(why.detail);
        line.put("\n");
        say(line);
        panic("cannot start init");
    }

    pic_init();
    pit_init();
    resume();
}
