// Boot: load init's ELF from the initramfs and provision its capabilities.
#include "core/boot.h"

#include "lib/elf64.h"
#include "lib/tar.h"

namespace helios {

namespace {

struct Builder {
    Kernel& k;
    Memory& root;
    CSpace* cs = nullptr;
    VSpace* vs = nullptr;
    helios_caddr_t next_slot = HELIOS_INIT_CAP_FIRST_FREE;
    bool out_of_slots = false;  // why the build failed, when it did for this

    Result<Object*> make(CapType type, uint64_t size = 0) { return k.create_object(root, type, size); }

    // Checked before an object meant for next_slot is made, so that running
    // out of slots (an image with a huge .bss needs a page capability per
    // page) fails cleanly instead of leaving an object no slot holds.
    Status have_free_slot() {
        if (next_slot < cs->capacity()) return {};
        out_of_slots = true;
        return Error::INVALID_CADDR;
    }

    // Precondition: slot < cs->capacity() (a fixed HELIOS_INIT_CAP_* slot,
    // or next_slot after have_free_slot()).
    void give(helios_caddr_t slot, Object* o, CapType type, uint8_t rights = HELIOS_RIGHTS_ALL) {
        auto s = cs->slot(slot);
        if (s.ok()) Caps::install(**s, o, type, rights, 0);
    }

    uint64_t last_pt_region = ~0ull;  // the 2 MiB region whose PT is known present

    // Install any missing tables for vaddr, keeping a capability to each.
    Status tables_for(uint64_t vaddr) {
        if ((vaddr >> 21) == last_pt_region) return {};
        last_pt_region = vaddr >> 21;
        for (;;) {
            unsigned missing = 0;
            TRY_STATUS(have_free_slot());
            // Walk by trying to install the deepest table; the paging code
            // reports which level is missing first.
            auto* pt = static_cast<PageTable*>(TRY(make(HELIOS_CT_PT)));
            Status st = k.paging().map_table(*vs, *pt, vaddr, &missing);
            if (st.ok()) {
                give(next_slot++, pt, HELIOS_CT_PT);
                return {};
            }
            k.destroy(pt);
            if (st.error() == Error::BUSY) return {};  // the PT is already there
            if (st.error() != Error::MISSING_TABLES) return st.error();
            CapType type = missing == HELIOS_LEVEL_PDPT ? HELIOS_CT_PDPT : HELIOS_CT_PD;
            auto* t = static_cast<PageTable*>(TRY(make(type)));
            TRY_STATUS(k.paging().map_table(*vs, *t, vaddr, &missing));
            give(next_slot++, t, type);
        }
    }

    // A fresh zeroed page mapped at vaddr; its capability goes to a slot.
    Result<Page*> page_at(uint64_t vaddr, unsigned flags) {
        TRY_STATUS(tables_for(vaddr));
        TRY_STATUS(have_free_slot());
        auto* p = static_cast<Page*>(TRY(make(HELIOS_CT_PAGE)));
        TRY_STATUS(k.paging().map_page(*vs, *p, vaddr, flags, nullptr));
        give(next_slot++, p, HELIOS_CT_PAGE);
        return p;
    }

    unsigned char* bytes(Page* p) { return static_cast<unsigned char*>(k.frame_ptr(p->phys() / HELIOS_PAGE_SIZE)); }
};

void copy_bytes(unsigned char* dst, const uint8_t* src, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) dst[i] = src[i];
}

void copy_str(char* dst, uint64_t cap, const char* src) {
    uint64_t i = 0;
    for (; src && src[i] && i + 1 < cap; ++i) dst[i] = src[i];
    dst[i] = 0;
}

}  // namespace

Result<Task*> boot_init(Kernel& k, Memory& root, const BootConfig& config, BootError* why) {
    auto fail = [why](Error e, const char* what, const char* detail = nullptr) {
        if (why) *why = {what, detail};
        return e;
    };
    if (!config.initramfs || config.initramfs_size == 0) return fail(Error::INVALID_PARAM, "no initramfs was given");
    lib::TarReader tar(config.initramfs, config.initramfs_size);
    lib::TarEntry entry{};
    lib::TarError terr = tar.find("init", &entry);
    if (terr == lib::TarError::not_found) return fail(Error::INVALID_PARAM, "initramfs has no entry 'init'");
    if (terr != lib::TarError::none)
        return fail(Error::INVALID_PARAM, "initramfs is not a valid tar archive", lib::describe(terr));
    if (entry.type != lib::TarType::regular) return fail(Error::INVALID_PARAM, "initramfs entry 'init' is not a file");
    lib::ElfImage elf;
    lib::ElfError eerr = elf.open(entry.data, entry.size);
    if (eerr != lib::ElfError::none) return fail(Error::INVALID_PARAM, "init is not a loadable ELF executable", lib::describe(eerr));

    uint64_t used_before = root.used();
    Builder b{k, root};
    Task* task = nullptr;
    auto built = [&]() -> Status {
        b.cs = static_cast<CSpace*>(TRY(b.make(HELIOS_CT_CSPACE, 12)));
        b.vs = static_cast<VSpace*>(TRY(b.make(HELIOS_CT_VSPACE)));
        task = static_cast<Task*>(TRY(b.make(HELIOS_CT_TASK)));
        b.give(HELIOS_INIT_CAP_CSPACE, b.cs, HELIOS_CT_CSPACE);
        b.give(HELIOS_INIT_CAP_VSPACE, b.vs, HELIOS_CT_VSPACE);
        b.give(HELIOS_INIT_CAP_TASK, task, HELIOS_CT_TASK);
        if (config.devmem_pages) {
            Object* dm = TRY(k.create_boot_object(HELIOS_CT_DEVMEM, config.devmem_pages, config.devmem_base));
            b.give(HELIOS_INIT_CAP_DEVMEM, dm, HELIOS_CT_DEVMEM);
        }
        b.give(HELIOS_INIT_CAP_IRQCONTROL, TRY(k.create_boot_object(HELIOS_CT_IRQCONTROL, 0, 0)), HELIOS_CT_IRQCONTROL);
        b.give(HELIOS_INIT_CAP_IOCONTROL, TRY(k.create_boot_object(HELIOS_CT_IOCONTROL, 0, 0)), HELIOS_CT_IOCONTROL);

        // The ELF image, page by page, with each segment's permissions.
        Status seg_status;
        elf.for_each_load([&](const lib::ElfSegment& s) {
            if (!seg_status.ok()) return;
            unsigned flags = (s.writable() ? HELIOS_MAP_WRITE : 0) | (s.executable() ? HELIOS_MAP_EXEC : 0);
            uint64_t start = s.vaddr & ~HELIOS_PAGE_MASK;
            for (uint64_t va = start; va < s.vaddr + s.memsz; va += HELIOS_PAGE_SIZE) {
                auto pt = k.paging().translate(*b.vs, va, false);
                unsigned char* dst = nullptr;
                if (pt.ok()) {
                    // Two segments share this page: widen its permissions.
                    auto* owner = downcast<Page>(k.frame(*pt / HELIOS_PAGE_SIZE).owner);
                    if (owner) {
                        (void)k.paging().protect_page(*owner, owner->flags() | flags);
                        dst = b.bytes(owner);
                    }
                } else {
                    auto p = b.page_at(va, flags);
                    if (!p.ok()) {
                        seg_status = p.error();
                        return;
                    }
                    dst = b.bytes(*p);
                }
                // Copy the part of the file image that falls in this page.
                uint64_t lo = va > s.vaddr ? va : s.vaddr;
                uint64_t hi = va + HELIOS_PAGE_SIZE;
                uint64_t file_end = s.vaddr + s.filesz;
                if (hi > file_end) hi = file_end;
                if (dst && lo < hi) copy_bytes(dst + (lo - va), s.data + (lo - s.vaddr), hi - lo);
            }
        });
        TRY_STATUS(seg_status);

        for (unsigned i = 1; i <= HELIOS_INIT_STACK_PAGES; ++i)
            TRY(b.page_at(HELIOS_INIT_STACK_TOP - i * HELIOS_PAGE_SIZE, HELIOS_MAP_WRITE));
        TRY(b.page_at(HELIOS_INIT_IPCBUF_ADDR, HELIOS_MAP_WRITE));
        Page* info_page = TRY(b.page_at(HELIOS_INIT_BOOTINFO_ADDR, 0));
        auto* info = reinterpret_cast<helios_bootinfo*>(b.bytes(info_page));

        // Module 0: the initramfs, copied into pages init can map and keep.
        helios_module& mod = info->modules[0];
        mod.pages.start = b.next_slot;
        uint64_t npages = (config.initramfs_size + HELIOS_PAGE_SIZE - 1) / HELIOS_PAGE_SIZE;
        for (uint64_t i = 0; i < npages; ++i) {
            uint64_t va = kInitModuleBase + i * HELIOS_PAGE_SIZE;
            TRY_STATUS(b.tables_for(va));
            TRY_STATUS(b.have_free_slot());
            auto* p = static_cast<Page*>(TRY(b.make(HELIOS_CT_PAGE)));
            TRY_STATUS(k.paging().map_page(*b.vs, *p, va, 0, nullptr));
            uint64_t off = i * HELIOS_PAGE_SIZE;
            uint64_t n = config.initramfs_size - off < HELIOS_PAGE_SIZE ? config.initramfs_size - off : HELIOS_PAGE_SIZE;
            copy_bytes(b.bytes(p), config.initramfs + off, n);
            b.give(b.next_slot++, p, HELIOS_CT_PAGE);
        }
        mod.pages.count = b.next_slot - mod.pages.start;
        mod.length = config.initramfs_size;
        mod.vaddr = kInitModuleBase;
        copy_str(mod.name, sizeof mod.name, "initramfs");

        info->magic = HELIOS_BOOTINFO_MAGIC;
        info->ipcbuf = HELIOS_INIT_IPCBUF_ADDR;
        info->devmem_base = config.devmem_base;
        info->devmem_pages = config.devmem_pages;
        info->cspace_radix = 12;
        info->module_count = 1;
        lib::ElfSegment tls{};
        if (elf.tls(&tls)) {
            info->tls_base = tls.vaddr;
            info->tls_size = tls.memsz;
        }
        copy_str(info->cmdline, sizeof info->cmdline, config.cmdline);
        // Init's own memory capability: everything left, after its objects.
        b.give(HELIOS_INIT_CAP_MEMORY, &root, HELIOS_CT_MEMORY);
        info->unused.start = b.next_slot;
        info->unused.count = static_cast<helios_caddr_t>(b.cs->capacity() - b.next_slot);
        info->memory_pages = root.available();

        Caps::install(task->cspace_slot, b.cs, HELIOS_CT_CSPACE, HELIOS_RIGHTS_ALL, 0, task);
        Caps::install(task->vspace_slot, b.vs, HELIOS_CT_VSPACE, HELIOS_RIGHTS_ALL, 0, task);
        task->ipcbuf = HELIOS_INIT_IPCBUF_ADDR;
        task->regs.rip = elf.entry();
        task->regs.rsp = HELIOS_INIT_STACK_TOP;
        task->regs.rdi = HELIOS_INIT_BOOTINFO_ADDR;
        task->regs.rflags = 0x202;
        task->mark_all_dirty();
        return {};
    }();
    if (!built.ok()) {
        // Undo: destroying init's cspace and vspace releases every object
        // made for it (the page records are reachable through its slots).
        if (b.cs) k.destroy(b.cs);
        if (task) k.destroy(task);
        if (b.vs) k.destroy(b.vs);
        (void)used_before;
        if (b.out_of_slots)
            return fail(Error::NOMEM, "init's image needs more capability slots than init's cspace has",
                        "every page of its ELF segments (.bss too), page table, stack page and initramfs page "
                        "takes one of the 4096 slots");
        return fail(built.error(), built.error() == Error::NOMEM ? "not enough memory to build init"
                                                                  : "could not build init's address space");
    }
    k.set_init_task(task);
    task->suspended = false;
    k.make_runnable(*task);
    k.switch_to(*task);
    return task;
}

}  // namespace helios
