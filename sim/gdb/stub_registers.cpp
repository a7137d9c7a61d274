// GdbStub: a task's registers as gdb's register file (general, x87 and SSE), read and written.
#include "sim/gdb/stub.h"

#include <cstring>

#include "core/inbound.h"
#include "sim/machine/machine.h"
#include "sim/ptrace/husk_process.h"

namespace helios::sim {

bool GdbStub::read_registers(uint32_t tid, gdb::RegisterFile& regs) {
    using namespace gdb;
    Task* t = task_by_id(tid);
    if (!t) return false;
    const bool live = t == cur_task_ && cur_regs_;
    user_regs_struct u{};
    if (live) {
        u = *cur_regs_;
    } else {
        const helios_regs& h = t->regs;
        u.rax = h.rax, u.rbx = h.rbx, u.rcx = h.rcx, u.rdx = h.rdx, u.rsi = h.rsi, u.rdi = h.rdi;
        u.rbp = h.rbp, u.rsp = h.rsp, u.r8 = h.r8, u.r9 = h.r9, u.r10 = h.r10, u.r11 = h.r11;
        u.r12 = h.r12, u.r13 = h.r13, u.r14 = h.r14, u.r15 = h.r15;
        u.rip = h.rip, u.eflags = h.rflags, u.fs_base = h.fs_base, u.gs_base = h.gs_base;
        u.cs = 0x33, u.ss = 0x2b;
        u.orig_rax = ~0ull;
    }
    const uint64_t gpr[16] = {u.rax, u.rbx, u.rcx, u.rdx, u.rsi, u.rdi, u.rbp, u.rsp,
                              u.r8,  u.r9,  u.r10, u.r11, u.r12, u.r13, u.r14, u.r15};
    for (unsigned i = 0; i < 16; ++i) regs.set(kRax + i, gpr[i]);
    regs.set(kRip, u.rip);
    regs.set(kEflags, u.eflags);
    regs.set(kCs, u.cs), regs.set(kSs, u.ss), regs.set(kDs, u.ds);
    regs.set(kEs, u.es), regs.set(kFs, u.fs), regs.set(kGs, u.gs);
    regs.set(kOrigRax, u.orig_rax);
    regs.set(kFsBase, u.fs_base);
    regs.set(kGsBase, u.gs_base);
    // x87/SSE state lives in the Linux thread (when the task has one).
    if (pid_t ltid = machine_->linux_tid_of(*t)) {
        user_fpregs_struct fp{};
        HuskProcess* husk = machine_->husk_of(*t);
        if (husk && husk->get_fpregs(ltid, fp)) {
            for (size_t i = 0; i < 8; ++i)
                std::memcpy(regs.at(kSt0 + static_cast<unsigned>(i)), &fp.st_space[4 * i], 10);
            regs.set(kFctrl, fp.cwd);
            regs.set(kFstat, fp.swd);
            // fxsave keeps an abridged tag (1 bit per register: valid); gdb
            // wants the full one (2 bits: 3 = empty). Valid registers show as 0.
            uint32_t tag = 0;
            for (unsigned i = 0; i < 8; ++i)
                if (!(fp.ftw & (1u << i))) tag |= 3u << (2 * i);
            regs.set(kFtag, tag);
            regs.set(kFioff, static_cast<uint32_t>(fp.rip));
            regs.set(kFiseg, static_cast<uint32_t>(fp.rip >> 32));
            regs.set(kFooff, static_cast<uint32_t>(fp.rdp));
            regs.set(kFoseg, static_cast<uint32_t>(fp.rdp >> 32));
            regs.set(kFop, fp.fop);
            for (size_t i = 0; i < 16; ++i)
                std::memcpy(regs.at(kXmm0 + static_cast<unsigned>(i)), &fp.xmm_space[4 * i], 16);
            regs.set(kMxcsr, fp.mxcsr);
        }
    } else {
        regs.set(kFctrl, 0x37f);
        regs.set(kFtag, 0xFFFF);
        regs.set(kMxcsr, 0x1f80);
    }
    return true;
}

bool GdbStub::write_registers(uint32_t tid, const gdb::RegisterFile& regs) {
    using namespace gdb;
    Task* t = task_by_id(tid);
    if (!t) return false;
    uint64_t g[16];
    for (unsigned i = 0; i < 16; ++i) g[i] = regs.get(kRax + i);
    // Only the flags a user program may change, as the kernel and the x86_64
    // return path allow them (abi.h); IF stays set.
    const uint64_t user_flags = HELIOS_USER_RFLAGS_MASK;
    if (t == cur_task_ && cur_regs_) {
        user_regs_struct& u = *cur_regs_;
        u.rax = g[0], u.rbx = g[1], u.rcx = g[2], u.rdx = g[3], u.rsi = g[4], u.rdi = g[5], u.rbp = g[6];
        u.rsp = g[7], u.r8 = g[8], u.r9 = g[9], u.r10 = g[10], u.r11 = g[11], u.r12 = g[12], u.r13 = g[13];
        u.r14 = g[14], u.r15 = g[15];
        u.rip = regs.get(kRip);
        u.eflags = (u.eflags & ~user_flags) | (regs.get(kEflags) & user_flags);
        u.fs_base = regs.get(kFsBase);
        u.gs_base = regs.get(kGsBase);
    } else {
        helios_regs& h = t->regs;
        h.rax = g[0], h.rbx = g[1], h.rcx = g[2], h.rdx = g[3], h.rsi = g[4], h.rdi = g[5], h.rbp = g[6];
        h.rsp = g[7], h.r8 = g[8], h.r9 = g[9], h.r10 = g[10], h.r11 = g[11], h.r12 = g[12], h.r13 = g[13];
        h.r14 = g[14], h.r15 = g[15];
        h.rip = regs.get(kRip);
        h.rflags = (h.rflags & ~user_flags) | (regs.get(kEflags) & user_flags);
        h.fs_base = regs.get(kFsBase);
        h.gs_base = regs.get(kGsBase);
        t->dirty = kDirtyAll;
    }
    if (pid_t ltid = machine_->linux_tid_of(*t)) {
        user_fpregs_struct fp{};
        HuskProcess* husk = machine_->husk_of(*t);
        if (husk && husk->get_fpregs(ltid, fp)) {
            user_fpregs_struct old = fp;
            for (size_t i = 0; i < 8; ++i)
                std::memcpy(&fp.st_space[4 * i], regs.at(kSt0 + static_cast<unsigned>(i)), 10);
            fp.cwd = static_cast<uint16_t>(regs.get(kFctrl));
            fp.swd = static_cast<uint16_t>(regs.get(kFstat));
            for (size_t i = 0; i < 16; ++i)
                std::memcpy(&fp.xmm_space[4 * i], regs.at(kXmm0 + static_cast<unsigned>(i)), 16);
            fp.mxcsr = static_cast<uint32_t>(regs.get(kMxcsr)) & 0xFFFF;
            if (std::memcmp(&old, &fp, sizeof fp) != 0 && !husk->set_fpregs(ltid, fp)) return false;
        }
    }
    return true;
}

}  // namespace helios::sim
