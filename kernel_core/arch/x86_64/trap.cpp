// Kernel entries from the CPU (traps, interrupts, syscalls), and the way
// back: the registers of kernel.current() loaded and iretq'd, or idle.
#include "arch/x86_64/x86.h"
#include "lib/line_buffer.h"
#include "core/inbound.h"

namespace helios::x86 {

extern "C" {
extern TrapFrame user_trap_frame;  // boot.S: the top of the kernel stack
[[noreturn]] void enter_user(TrapFrame* frame);
void trap_dispatch(TrapFrame* frame);
[[noreturn]] void syscall_dispatch(TrapFrame* frame);
}

namespace {

// ---- registers ------------------------------------------------------------------

void save_frame(Task& t, const TrapFrame& f) {
    helios_regs& r = t.regs;
    r.rax = f.rax, r.rbx = f.rbx, r.rcx = f.rcx, r.rdx = f.rdx, r.rsi = f.rsi, r.rdi = f.rdi;
    r.rbp = f.rbp, r.rsp = f.rsp, r.r8 = f.r8, r.r9 = f.r9, r.r10 = f.r10, r.r11 = f.r11;
    r.r12 = f.r12, r.r13 = f.r13, r.r14 = f.r14, r.r15 = f.r15;
    r.rip = f.rip, r.rflags = f.rflags;
    // fs_base and gs_base only change through the kernel (no FSGSBASE), so
    // task.regs already holds them.
    t.dirty = kDirtyNone;
}

uint64_t g_fs_base = 0, g_gs_base = 0;
Task* g_base_task = nullptr;  // whose fs/gs bases the MSRs hold

// ---- the FPU/SSE state, switched lazily (CR0.TS, #NM) ------------------------------
// Kernel code never touches it (-mgeneral-regs-only). Each task's fxsave
// area lives in the tail of the task's own frame, after the Task record
// (a Task is constructed at the start of a zeroed page of its own).
constexpr uint64_t kFpuOffset = (sizeof(Task) + 63) & ~uint64_t{63};
static_assert(kFpuOffset + 512 + 16 <= HELIOS_PAGE_SIZE, "no room for the FPU state after the Task record");

Task* g_fpu_owner = nullptr;
bool g_ts_set = true;  // boot.S sets CR0.TS

uint8_t* fpu_area(Task& t) { return reinterpret_cast<uint8_t*>(&t) + kFpuOffset; }
uint8_t& fpu_initialised(Task& t) { return fpu_area(t)[512]; }

void set_ts(bool on) {
    if (on == g_ts_set) return;
    uint64_t cr0;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = on ? cr0 | 8 : cr0 & ~uint64_t{8};
    asm volatile("mov %0, %%cr0" : : "r"(cr0));
    g_ts_set = on;
}

void fpu_claim(Task& t) {
    set_ts(false);
    if (g_fpu_owner == &t) return;
    if (g_fpu_owner) asm volatile("fxsave64 (%0)" : : "r"(fpu_area(*g_fpu_owner)) : "memory");
    if (fpu_initialised(t)) {
        asm volatile("fxrstor64 (%0)" : : "r"(fpu_area(t)) : "memory");
    } else {
        uint32_t mxcsr = 0x1F80;
        asm volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
        fpu_initialised(t) = 1;
    }
    g_fpu_owner = &t;
}

// ---- the TSS I/O bitmap ---------------------------------------------------------------
// Opened ranges for the task that runs; recomputed at every return to user
// mode from the IoPort capabilities in its cspace (the kernel has few IoPort
// objects, so this is a short walk), so it is exact whatever happened to the
// capabilities meanwhile.
constexpr unsigned kMaxOpen = 32;
struct PortRange {
    uint16_t first, last;
};
PortRange g_open[kMaxOpen];
unsigned g_open_count = 0;

void sync_io_bitmap(Task& t) {
    PortRange want[kMaxOpen];
    unsigned n = 0;
    if (CSpace* cs = t.cspace()) {
        const Slot* lo = cs->slot_at(0);
        const Slot* hi = lo + cs->capacity();
        Kernel& k = kernel();
        for (Object* o = k.ioports().front(); o && n < kMaxOpen; o = k.ioports().next(o)) {
            auto* io = static_cast<IoPort*>(o);
            for (Slot* s = io->caps.front(); s; s = io->caps.next(s)) {
                if (s >= lo && s < hi) {
                    want[n++] = {io->min(), io->max()};
                    break;
                }
            }
        }
    }
    bool same = n == g_open_count;
    for (unsigned i = 0; same && i < n; ++i)
        same = want[i].first == g_open[i].first && want[i].last == g_open[i].last;
    if (same) return;
    for (unsigned i = 0; i < g_open_count; ++i) iobitmap_set_allowed(g_open[i].first, g_open[i].last, false);
    for (unsigned i = 0; i < n; ++i) {
        iobitmap_set_allowed(want[i].first, want[i].last, true);
        g_open[i] = want[i];
    }
    g_open_count = n;
}

// ---- in/out decoding (for #GP from user mode) -------------------------------------
struct PortInsn {
    bool is_in;
    uint16_t port;
    unsigned width;
};

bool decode_port_insn(Task& t, const TrapFrame& f, PortInsn* out) {
    VSpace* vs = t.vspace();
    if (!vs) return false;
    uint8_t insn[15];
    unsigned n = 0;
    for (; n < sizeof insn; ++n)
        if (!kernel().copy_from_user(*vs, f.rip + n, &insn[n], 1)) break;
    bool opsize = false;
    unsigned i = 0;
    for (; i < n; ++i) {
        uint8_t b = insn[i];
        if (b == 0x66) opsize = true;
        else if (b == 0xF2 || b == 0xF3 || b == 0x67 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x26 ||
                 b == 0x64 || b == 0x65 || (b & 0xF0) == 0x40)
            continue;
        else
            break;
    }
    if (i >= n) return false;
    uint8_t op = insn[i];
    unsigned wide = opsize ? 2 : 4;
    switch (op) {
        case 0xE4: case 0xE5: case 0xE6: case 0xE7:
            if (i + 1 >= n) return false;
            *out = {op == 0xE4 || op == 0xE5, insn[i + 1], (op & 1) ? wide : 1};
            return true;
        case 0xEC: case 0xED: case 0xEE: case 0xEF:
            *out = {op == 0xEC || op == 0xED, static_cast<uint16_t>(f.rdx), (op & 1) ? wide : 1};
            return true;
        case 0x6C: case 0x6D: case 0x6E: case 0x6F:
            *out = {op == 0x6C || op == 0x6D, static_cast<uint16_t>(f.rdx), (op & 1) ? wide : 1};
            return true;
        default: return false;
    }
}

FaultInfo fault_for(Task& t, const TrapFrame& f) {
    FaultInfo info{HELIOS_FAULT_GENERAL_PROTECTION, 0, f.rip, 0};
    switch (f.vector) {
        case 0: info.kind = HELIOS_FAULT_DIVIDE; break;
        case 1: info.kind = HELIOS_FAULT_DEBUG; break;
        case 3: info.kind = HELIOS_FAULT_BREAKPOINT; break;
        case 6: info.kind = HELIOS_FAULT_INVALID_OPCODE; break;
        case 16:
        case 19: info.kind = HELIOS_FAULT_DIVIDE; break;  // x87 / SIMD exception: SIGFPE on Linux
        case 14: {
            info.kind = HELIOS_FAULT_PAGE;
            info.addr = read_cr2();
            unsigned a = (f.error & 0x10) ? HELIOS_ACCESS_EXEC : (f.error & 0x2) ? HELIOS_ACCESS_WRITE : HELIOS_ACCESS_READ;
            if (f.error & 0x1) a |= HELIOS_ACCESS_PRESENT;
            info.access = a;
            break;
        }
        case 13: {
            PortInsn p;
            if (f.error == 0 && decode_port_insn(t, f, &p)) {
                info.kind = HELIOS_FAULT_IOPORT;
                info.addr = p.port;
                info.access = p.is_in ? HELIOS_ACCESS_READ : HELIOS_ACCESS_WRITE;
            }
            break;
        }
        default: break;  // #OF, #BR, #SS, #AC, ...: general protection
    }
    return info;
}

void handle_irq(unsigned line) {
    if (pic_spurious(line)) return;
    if (line == 0) {
        clock_tick();
        kernel().enter_tick();
    } else {
        kernel().enter_irq(line);  // masks the line until the holder acks
    }
    pic_eoi(line);
}

[[noreturn]] void enter_task(Task& t) {
    activate(t.vspace()->root_phys());
    const helios_regs& r = t.regs;
    // Rewritten on every switch of task, not only when the value differs:
    // a task that loads %fs or %gs itself changes the base behind our back,
    // and must not change it for the next task.
    if (&t != g_base_task || r.fs_base != g_fs_base) wrmsr(kMsrFsBase, g_fs_base = r.fs_base);
    if (&t != g_base_task || r.gs_base != g_gs_base) wrmsr(kMsrGsBase, g_gs_base = r.gs_base);
    g_base_task = &t;
    sync_io_bitmap(t);
    set_ts(g_fpu_owner != &t);
    TrapFrame* f = &user_trap_frame;
    f->rax = r.rax, f->rbx = r.rbx, f->rcx = r.rcx, f->rdx = r.rdx, f->rsi = r.rsi, f->rdi = r.rdi;
    f->rbp = r.rbp, f->r8 = r.r8, f->r9 = r.r9, f->r10 = r.r10, f->r11 = r.r11;
    f->r12 = r.r12, f->r13 = r.r13, f->r14 = r.r14, f->r15 = r.r15;
    f->vector = 0, f->error = 0;
    f->rip = r.rip;
    f->cs = SEL_USER_CODE;
    // The one user-rflags policy (abi.h), as task_write_registers applies it.
    f->rflags = (r.rflags & HELIOS_USER_RFLAGS_MASK) | HELIOS_USER_RFLAGS_FIXED;
    f->rsp = r.rsp;
    f->ss = SEL_USER_DATA;
    t.dirty = kDirtyNone;
    enter_user(f);
}

}  // namespace

void task_gone(Task& task) {
    if (g_fpu_owner == &task) g_fpu_owner = nullptr;
    if (g_base_task == &task) g_base_task = nullptr;
}

void resume() {
    for (;;) {
        if (Task* t = kernel().current()) {
            if (t->vspace()) enter_task(*t);
            panic("current task has no vspace");
        }
        // Idle: an interrupt runs its handler on this stack (ring 0, no
        // stack switch) and comes back here to look again.
        asm volatile("sti; hlt; cli" ::: "memory");
    }
}

extern "C" void trap_dispatch(TrapFrame* f) {
    bool from_user = (f->cs & 3) == 3;
    unsigned vector = static_cast<unsigned>(f->vector);
    bool is_irq = vector >= kIrqVectorBase && vector < kIrqVectorBase + 16;
    if (!from_user) {
        if (is_irq) return handle_irq(vector - kIrqVectorBase);
        if (vector == 2 || vector >= kIrqVectorBase) return;  // NMI, APIC spurious (0xFF)
        panic(vector == 8 ? "double fault" : "exception in kernel mode", f);
    }
    Task* t = kernel().current();
    if (!t) panic("trap from user mode with no current task", f);
    save_frame(*t, *f);
    if (is_irq) {
        handle_irq(vector - kIrqVectorBase);
    } else if (vector == 7) {
        fpu_claim(*t);  // #NM: first FPU/SSE use since another task had it
    } else if (vector == 2 || vector >= 32) {
        // NMI or a stray vector: nothing to do, run on.
    } else {
        kernel().enter_fault(*t, fault_for(*t, *f));
    }
    resume();
}

extern "C" void syscall_dispatch(TrapFrame* f) {
    Task* t = kernel().current();
    if (!t) panic("syscall with no current task", f);
    save_frame(*t, *f);
    kernel().enter_syscall(*t);
    resume();
}

}  // namespace helios::x86
