// The ELF loader: builds a process (cspace, vspace, task, image, stack, IPC buffer, procinfo) and grants its manifest's
// capabilities.
#include <helios/console.h>
#include <helios/format.h>
#include <helios/invoke.h>
#include <helios/syscall.h>
#include <helios/vm.h>

#include "init.h"
#include "lib/elf64.h"
#include "lib/string.h"

namespace mercury {

namespace lib = helios::lib;
using helios::SysResult;

namespace {

constexpr helios_caddr_t kCs = HELIOS_INIT_CAP_CSPACE;
constexpr helios_caddr_t kVs = HELIOS_INIT_CAP_VSPACE;
constexpr helios_caddr_t kMem = HELIOS_INIT_CAP_MEMORY;
constexpr helios_caddr_t kUndef = HELIOS_CADDR_UNDEF;
constexpr uint64_t kPage = HELIOS_PAGE_SIZE;

uint64_t round_up(uint64_t v) {
    return (v + kPage - 1) & ~HELIOS_PAGE_MASK;
}

// Frames a cspace of this radix costs (slots of 48 bytes plus a header).
uint64_t cspace_frames(unsigned radix) {
    return ((uint64_t{1} << radix) * 48 + 64 + kPage - 1) / kPage;
}

unsigned radix_for(uint64_t slots) {
    unsigned r = 4;
    while ((uint64_t{1} << r) < slots && r < 16) ++r;
    return r;
}

uint64_t ctype_of(lib::ManifestCapType t) {
    switch (t) {
        case lib::ManifestCapType::endpoint: return HELIOS_CT_ENDPOINT;
        case lib::ManifestCapType::note: return HELIOS_CT_NOTIFICATION;
        case lib::ManifestCapType::ioport: return HELIOS_CT_IOPORT;
        case lib::ManifestCapType::irq: return HELIOS_CT_IRQ;
        case lib::ManifestCapType::cspace: return HELIOS_CT_CSPACE;
        case lib::ManifestCapType::vspace: return HELIOS_CT_VSPACE;
        case lib::ManifestCapType::memory: return HELIOS_CT_MEMORY;
        case lib::ManifestCapType::serial: return HELIOS_CT_ENDPOINT;
    }
    return HELIOS_CT_NULL_CAP;
}

// Builds one instance of a program. Every object is allocated from the
// instance's arena; page and page-table capabilities are moved into the
// `holder` cspace (also in the arena), so init's own cspace keeps just the
// arena, holder, cspace, vspace and task capabilities.
class Builder {
public:
    explicit Builder(Program& p) : p_(p), m_(*p.manifest) {}

    bool build() {
        lib::ElfError e = elf_.open(p_.elf, p_.elf_size);
        if (e != lib::ElfError::none) return fail(0, "not a loadable ELF executable: %s", lib::describe(e));
        return make_process() && load_image() &&
               map_fresh(HELIOS_PROC_STACK_TOP - HELIOS_PROC_STACK_PAGES * kPage, HELIOS_PROC_STACK_PAGES,
                         HELIOS_MAP_WRITE, "stack") &&
               map_fresh(HELIOS_PROC_IPCBUF_ADDR, 1, HELIOS_MAP_WRITE, "IPC buffer") && make_tls() && grant_all() &&
               write_procinfo() && start();
    }

private:
    // Prints "[init] PATH: [.manifest line N: ]WHAT; not started" and undoes the build.
    __attribute__((format(printf, 3, 4))) bool fail(uint32_t line, const char* fmt, ...) {
        char what[200];
        va_list ap;
        va_start(ap, fmt);
        helios::vformat(what, sizeof what, fmt, ap);
        va_end(ap);
        if (line)
            helios::printf("[init] %s: .manifest line %u: %s; not started\n", p_.path, line, what);
        else
            helios::printf("[init] %s: %s; not started\n", p_.path, what);
        destroy_instance(p_);
        return false;
    }

    SysResult alloc(uint64_t type, uint64_t size = 0) { return helios::memory_allocate_one(p_.arena, type, size); }

    // Moves one of init's capabilities into the holder cspace.
    bool hold(helios_caddr_t cap) { return helios::cspace_move_to(kCs, p_.holder, kUndef, cap).ok(); }

    static void hold_table(void* self, helios_caddr_t table, uint64_t) {
        auto* b = static_cast<Builder*>(self);
        if (!b->hold(table)) b->table_hold_failed_ = true;
    }

    SysResult map_child(helios_caddr_t page, uint64_t vaddr, uint64_t flags) {
        SysResult r = helios::vm::map_page(p_.arena, p_.vspace, page, vaddr, flags, &Builder::hold_table, this);
        if (r.ok() && table_hold_failed_) return {HELIOS_EINVALID_CSLOT, 0};
        return r;
    }

    bool make_process() {
        uint64_t image_pages = 0;
        for (uint16_t i = 0; i < elf_.segment_count(); ++i) {
            lib::ElfSegment s = elf_.segment(i);
            if (s.type == lib::elf::kPtLoad)
                image_pages += (round_up(s.vaddr + s.memsz) - (s.vaddr & ~HELIOS_PAGE_MASK)) / kPage;
        }
        uint64_t extra = 0;
        for (size_t i = 0; i < m_.cap_count; ++i)
            extra += m_.caps[i].type == lib::ManifestCapType::memory ? m_.caps[i].pages + 1 : 1;
        // Slots the holder needs: image, stack, IPC buffer, procinfo, tables.
        lib::ElfSegment tls{};
        if (elf_.tls(&tls)) image_pages += (tls.memsz + 64 + tls.align + 2 * kPage - 1) / kPage;  // the TLS block
        uint64_t held = image_pages + HELIOS_PROC_STACK_PAGES + 2 + 32;
        unsigned holder_radix = radix_for(held);
        uint64_t quota = image_pages + HELIOS_PROC_STACK_PAGES + 2 /* ipcbuf, procinfo */ + 32 /* tables */ +
                         cspace_frames(m_.radix) + cspace_frames(holder_radix) + 2 /* vspace, task */ + extra + 8;

        SysResult r = alloc_arena(quota);
        if (!r.ok()) return fail(0, "cannot get %lu pages of memory for it: %s", quota, error_name(r.status));
        p_.arena = static_cast<helios_caddr_t>(r.value);
        if (!(r = alloc(HELIOS_CT_CSPACE, holder_radix)).ok())
            return fail(0, "cannot make its page holder: %s", error_name(r.status));
        p_.holder = static_cast<helios_caddr_t>(r.value);
        if (!(r = alloc(HELIOS_CT_CSPACE, m_.radix)).ok())
            return fail(m_.radix_line, "cannot make a cspace of radix %u: %s", m_.radix, error_name(r.status));
        p_.cspace = static_cast<helios_caddr_t>(r.value);
        if (!(r = alloc(HELIOS_CT_VSPACE)).ok()) return fail(0, "cannot make its vspace: %s", error_name(r.status));
        p_.vspace = static_cast<helios_caddr_t>(r.value);
        if (!(r = alloc(HELIOS_CT_TASK)).ok()) return fail(0, "cannot make its task: %s", error_name(r.status));
        p_.task = static_cast<helios_caddr_t>(r.value);
        return true;
    }

    SysResult alloc_arena(uint64_t quota) { return helios::memory_allocate_one(kMem, HELIOS_CT_MEMORY, quota); }

    // ---- the image: each page is filled through init's scratch window, then
    // moved into the child with the union of its segments' rights.

    bool begin_page(uint64_t vaddr) {
        SysResult r = alloc(HELIOS_CT_PAGE);
        if (!r.ok()) return fail(0, "cannot allocate a page for 0x%lx: %s", vaddr, error_name(r.status));
        cur_page_ = static_cast<helios_caddr_t>(r.value);
        r = helios::vm::map_page(kMem, kVs, cur_page_, helios::vm::kScratchBase, HELIOS_MAP_WRITE);
        if (!r.ok()) return fail(0, "cannot map a page in init's scratch window: %s", error_name(r.status));
        cur_vaddr_ = vaddr;
        cur_flags_ = 0;
        return true;
    }

    bool finish_page() {
        if (cur_vaddr_ == kNoPage) return true;
        (void)helios::page_unmap(cur_page_);
        SysResult r = map_child(cur_page_, cur_vaddr_, cur_flags_);
        if (!r.ok()) return fail(0, "cannot map its page at 0x%lx: %s", cur_vaddr_, error_name(r.status));
        if (!hold(cur_page_)) return fail(0, "its page holder is full");
        cur_vaddr_ = kNoPage;
        return true;
    }

    bool load_image() {
        auto* scratch = reinterpret_cast<uint8_t*>(helios::vm::kScratchBase);
        for (uint16_t i = 0; i < elf_.segment_count(); ++i) {
            lib::ElfSegment s = elf_.segment(i);
            if (s.type != lib::elf::kPtLoad || s.memsz == 0) continue;
            uint64_t flags = (s.writable() ? HELIOS_MAP_WRITE : 0) | (s.executable() ? HELIOS_MAP_EXEC : 0);
            uint64_t file_end = s.vaddr + s.filesz;
            for (uint64_t va = s.vaddr & ~HELIOS_PAGE_MASK; va < s.vaddr + s.memsz; va += kPage) {
                // Segments are sorted and disjoint: a page shared by two is
                // the last of one and the first of the next, still current.
                if (va != cur_vaddr_ && !(finish_page() && begin_page(va))) return false;
                cur_flags_ |= flags;
                uint64_t lo = va > s.vaddr ? va : s.vaddr;
                uint64_t hi = va + kPage < file_end ? va + kPage : file_end;
                if (lo < hi) lib::copy(scratch + (lo - va), s.data + (lo - s.vaddr), hi - lo);
            }
        }
        return finish_page();
    }

    // count fresh zeroed pages mapped into the child from vaddr.
    bool map_fresh(uint64_t vaddr, size_t count, uint64_t flags, const char* what) {
        for (size_t done = 0; done < count;) {
            helios_caddr_t caps[HELIOS_MAX_CAPS];
            size_t n = count - done < HELIOS_MAX_CAPS ? count - done : HELIOS_MAX_CAPS;
            for (size_t i = 0; i < n; ++i) caps[i] = kUndef;
            SysResult r = helios::memory_allocate(p_.arena, HELIOS_CT_PAGE, 0, caps, n);
            if (!r.ok()) return fail(0, "cannot allocate its %s: %s", what, error_name(r.status));
            for (size_t i = 0; i < n; ++i) {
                r = map_child(caps[i], vaddr + (done + i) * kPage, flags);
                if (!r.ok()) return fail(0, "cannot map its %s: %s", what, error_name(r.status));
                if (!hold(caps[i])) return fail(0, "its page holder is full");
            }
            done += n;
        }
        return true;
    }

    // ---- TLS: the first thread's block (x86_64 variant II, as mercury/rt/tls.h
    // lays it out): [.tdata copy | .tbss zeroed][TCB], fs_base = the TCB,
    // whose first word points at itself. It sits below the stack, a guard
    // page apart. Compiled code may read a thread-local at any time (even
    // speculatively), so a program with PT_TLS must start with a valid fs.

    bool make_tls() {
        lib::ElfSegment t{};
        if (!elf_.tls(&t)) return true;
        // The linker puts a thread-local at tp - round_up(memsz, p_align) +
        // its offset; tp itself is aligned for the TCB too (16 at least).
        uint64_t p_align = t.align == 0 ? 1 : t.align;
        uint64_t align = p_align < 16 ? 16 : p_align;
        if (align > kPage || (p_align & (p_align - 1)))
            return fail(0, "its TLS alignment %lu is not supported", t.align);
        uint64_t image = (t.memsz + p_align - 1) & ~(p_align - 1);
        constexpr uint64_t kTcb = 64;
        uint64_t pages = (image + kTcb + align + kPage - 1) / kPage;  // room to align tp down
        if (pages > 64) return fail(0, "its TLS template (%lu bytes) is too large", t.memsz);
        uint64_t top = HELIOS_PROC_STACK_TOP - (HELIOS_PROC_STACK_PAGES + 1) * kPage;
        uint64_t start = top - pages * kPage;
        uint64_t tp = (top - kTcb) & ~(align - 1);  // tp - image >= start: pages covers image + TCB
        helios_caddr_t caps[64];
        for (uint64_t i = 0; i < pages; ++i) {
            SysResult r = alloc(HELIOS_CT_PAGE);
            if (!r.ok()) return fail(0, "cannot allocate its TLS block: %s", error_name(r.status));
            caps[i] = static_cast<helios_caddr_t>(r.value);
            r = helios::vm::map_page(kMem, kVs, caps[i], helios::vm::kScratchBase + i * kPage, HELIOS_MAP_WRITE);
            if (!r.ok()) return fail(0, "cannot map a page in init's scratch window: %s", error_name(r.status));
        }
        auto* scratch = reinterpret_cast<uint8_t*>(helios::vm::kScratchBase);
        uint64_t block = tp - image - start;  // offset of the block in the scratch copy
        if (t.filesz > 0) lib::copy(scratch + block, t.data, t.filesz);
        uint64_t self = tp;
        lib::copy(scratch + (tp - start), &self, sizeof self);
        for (uint64_t i = 0; i < pages; ++i) {
            (void)helios::page_unmap(caps[i]);
            SysResult r = map_child(caps[i], start + i * kPage, HELIOS_MAP_WRITE);
            if (!r.ok()) return fail(0, "cannot map its TLS block: %s", error_name(r.status));
            if (!hold(caps[i])) return fail(0, "its page holder is full");
        }
        fs_base_ = tp;
        return true;
    }

    // ---- capabilities

    void add_aux(uint32_t type, helios_caddr_t cap, uint64_t value, const char* name) {
        if (auxc_ >= HELIOS_AUX_MAX - 1) return;
        helios_auxv& a = aux_[auxc_++];
        a.type = type;
        a.cap = cap;
        a.value = value;
        lib::copy_string(a.name, sizeof a.name, name);
    }

    // Copies init's cap into the child's cspace at dest (UNDEF: any slot);
    // value = the slot used.
    SysResult give(helios_caddr_t cap, helios_caddr_t dest, uint64_t rights = HELIOS_RIGHTS_ALL) {
        return helios::cspace_copy_to(kCs, p_.cspace, dest, cap, rights);
    }

    // The grant pattern: made in init's cspace, copied to the child, init's copy destroyed.
    SysResult give_fresh(SysResult made, helios_caddr_t dest, uint64_t rights = HELIOS_RIGHTS_ALL) {
        if (!made.ok()) return made;
        auto mine = static_cast<helios_caddr_t>(made.value);
        SysResult r = give(mine, dest, rights);
        (void)helios::cspace_destroy(kCs, mine);
        return r;
    }

    helios_caddr_t serial_endpoint(size_t index) {
        helios_caddr_t& ep = p_.serial_endpoint[index];
        if (ep != kUndef) return ep;
        Init& st = state();
        if (st.serial_count == kMaxSerialDevices) return kUndef;
        // Registry endpoints outlive restarts: they come from a Memory of
        // their own (one page for the endpoint), not from the arena.
        SysResult mem = helios::memory_allocate_one(kMem, HELIOS_CT_MEMORY, 1);
        if (!mem.ok()) return kUndef;
        auto memory = static_cast<helios_caddr_t>(mem.value);
        SysResult r = helios::memory_allocate_one(memory, HELIOS_CT_ENDPOINT);
        if (!r.ok()) {
            (void)helios::cspace_destroy(kCs, memory);
            return kUndef;
        }
        ep = static_cast<helios_caddr_t>(r.value);
        st.serial[st.serial_count++] = {ep, memory, &p_};
        helios::printf("[init] %s: registered as serial device %u\n", p_.name, st.serial_count - 1);
        return ep;
    }

    bool grant(size_t index) {
        const lib::ManifestCap& c = m_.caps[index];
        const char* tn = lib::manifest_cap_type_name(c.type);
        helios_caddr_t dest = c.any_slot ? kUndef : c.slot;
        SysResult r{HELIOS_ENONE, 0};
        switch (c.type) {
            case lib::ManifestCapType::endpoint: r = give_fresh(alloc(HELIOS_CT_ENDPOINT), dest); break;
            case lib::ManifestCapType::note: r = give_fresh(alloc(HELIOS_CT_NOTIFICATION), dest); break;
            case lib::ManifestCapType::memory: r = give_fresh(alloc(HELIOS_CT_MEMORY, c.pages), dest); break;
            case lib::ManifestCapType::cspace: r = give(p_.cspace, dest); break;
            case lib::ManifestCapType::vspace: r = give(p_.vspace, dest); break;
            case lib::ManifestCapType::ioport:
                r = helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, c.io_min, c.io_max);
                if (!r.ok())
                    return fail(c.line, "ioport: cannot issue ports %X-%X: %s", c.io_min, c.io_max,
                                error_name(r.status));
                r = give_fresh(r, dest);
                break;
            case lib::ManifestCapType::irq: {
                // The notification must already be in the child's cspace.
                SysResult note = helios::cspace_copy_from(kCs, kUndef, p_.cspace, c.note);
                if (!note.ok())
                    return fail(c.line, "irq: slot %u holds no capability: %s", c.note, error_name(note.status));
                auto mine = static_cast<helios_caddr_t>(note.value);
                SysResult id = helios::sys::identify(mine);
                if (!id.ok() || HELIOS_IDENTIFY_TYPE(id.value) != HELIOS_CT_NOTIFICATION) {
                    (void)helios::cspace_destroy(kCs, mine);
                    return fail(c.line, "irq: slot %u does not hold a notification", c.note);
                }
                r = helios::irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, mine, c.irq);
                (void)helios::cspace_destroy(kCs, mine);
                if (!r.ok()) return fail(c.line, "irq: cannot issue IRQ %u: %s", c.irq, error_name(r.status));
                r = give_fresh(r, dest);
                break;
            }
            case lib::ManifestCapType::serial: {
                helios_caddr_t ep = serial_endpoint(index);
                if (ep == kUndef) return fail(c.line, "serial: cannot register another serial device");
                // The driver only receives on it; clients get SEND.
                r = give(ep, dest, HELIOS_RIGHT_RECV);
                break;
            }
        }
        if (!r.ok()) {
            if (c.any_slot) return fail(c.line, "%s: cannot place it in the cspace: %s", tn, error_name(r.status));
            return fail(c.line, "%s: cannot place it at slot %u: %s", tn, c.slot, error_name(r.status));
        }
        if (c.any_slot) add_aux(HELIOS_AT_CAP, static_cast<helios_caddr_t>(r.value), ctype_of(c.type), tn);
        return true;
    }

    helios_caddr_t service(const char* name) {
        Init& st = state();
        // "serial" is the first serial device, "serialN" the N-th.
        if (lib::equal(name, "serial")) return st.serial_count ? st.serial[0].endpoint : kUndef;
        if (lib::starts_with(name, lib::length(name), "serial") && name[6] >= '0' && name[6] <= '9' && !name[7]) {
            unsigned n = static_cast<unsigned>(name[6] - '0');
            return n < st.serial_count ? st.serial[n].endpoint : kUndef;
        }
        return kUndef;
    }

    bool grant_all() {
        // Fixed slots first, so that `_` entries (any free slot) cannot take
        // a slot a later line names.
        for (int pass = 0; pass < 2; ++pass)
            for (size_t i = 0; i < m_.cap_count; ++i)
                if (m_.caps[i].any_slot == (pass == 1) && !grant(i)) return false;
        for (size_t i = 0; i < m_.service_count; ++i) {
            const lib::ManifestService& s = m_.services[i];
            helios_caddr_t ep = service(s.name);
            if (ep == kUndef) return fail(s.line, "service '%s' is not available", s.name);
            SysResult r = give(ep, kUndef, HELIOS_RIGHT_SEND);
            if (!r.ok()) return fail(s.line, "service '%s': cannot place it: %s", s.name, error_name(r.status));
            add_aux(HELIOS_AT_SERVICE, static_cast<helios_caddr_t>(r.value), 0, s.name);
        }
        add_aux(HELIOS_AT_VALUE, kUndef, p_.restarts, "restarts");
        return true;
    }

    bool write_procinfo() {
        SysResult r = alloc(HELIOS_CT_PAGE);
        if (!r.ok()) return fail(0, "cannot allocate its procinfo page: %s", error_name(r.status));
        auto page = static_cast<helios_caddr_t>(r.value);
        r = helios::vm::map_page(kMem, kVs, page, helios::vm::kScratchBase, HELIOS_MAP_WRITE);
        if (!r.ok()) return fail(0, "cannot map a page in init's scratch window: %s", error_name(r.status));
        auto* info = reinterpret_cast<helios_procinfo*>(helios::vm::kScratchBase);
        info->magic = HELIOS_PROCINFO_MAGIC;
        info->ipcbuf = HELIOS_PROC_IPCBUF_ADDR;
        lib::ElfSegment tls{};
        if (elf_.tls(&tls)) {
            info->tls_base = tls.vaddr;
            info->tls_size = tls.memsz;
        }
        lib::copy_string(info->name, sizeof info->name, p_.name);
        info->auxc = auxc_;
        lib::copy(info->aux, aux_, auxc_ * sizeof(helios_auxv));
        (void)helios::page_unmap(page);
        r = map_child(page, HELIOS_PROCINFO_ADDR, 0);
        if (!r.ok()) return fail(0, "cannot map its procinfo page: %s", error_name(r.status));
        if (!hold(page)) return fail(0, "its page holder is full");
        return true;
    }

    bool start() {
        SysResult r = helios::task_configure(p_.task, p_.cspace, p_.vspace, HELIOS_PROC_IPCBUF_ADDR);
        if (!r.ok()) return fail(0, "cannot configure its task: %s", error_name(r.status));
        ++p_.generation;
        r = helios::task_set_fault(p_.task, state().fault_endpoint, fault_cookie(p_));
        if (!r.ok()) return fail(0, "cannot supervise its task: %s", error_name(r.status));
        helios_regs regs{};
        regs.rip = elf_.entry();
        regs.rsp = HELIOS_PROC_STACK_TOP;
        regs.rdi = HELIOS_PROCINFO_ADDR;
        regs.rflags = 0x202;
        regs.fs_base = fs_base_;
        r = helios::task_write_registers(p_.task, &regs);
        if (!r.ok()) return fail(0, "cannot set its registers: %s", error_name(r.status));
        p_.running = true;
        r = helios::task_resume(p_.task);
        if (!r.ok()) return fail(0, "cannot start its task: %s", error_name(r.status));
        return true;
    }

    static constexpr uint64_t kNoPage = ~0ull;

    Program& p_;
    const lib::Manifest& m_;
    lib::ElfImage elf_;
    uint64_t cur_vaddr_ = kNoPage;
    helios_caddr_t cur_page_ = kUndef;
    uint64_t cur_flags_ = 0;
    bool table_hold_failed_ = false;
    uint64_t fs_base_ = 0;
    helios_auxv aux_[HELIOS_AUX_MAX];
    uint32_t auxc_ = 0;
};

}  // namespace

bool load_program(Program& p) {
    p.arena = p.holder = p.cspace = p.vspace = p.task = kUndef;
    p.running = false;
    Builder b(p);
    return b.build();
}

void destroy_instance(Program& p) {
    // The arena holds everything the instance owned; destroying it revokes
    // init's capabilities to the task, cspace, vspace and holder too. The
    // IRQ and IOPort capabilities lived only in the instance's cspace and go
    // with it, freeing their lines and ports for the next instance.
    if (p.arena != kUndef) (void)helios::cspace_destroy(kCs, p.arena);
    p.arena = p.holder = p.cspace = p.vspace = p.task = kUndef;
    p.running = false;
}

const char* error_name(uint64_t status) {
    const char* name = helios_error_name(status);
    return name ? name : "unknown error";
}

}  // namespace mercury
