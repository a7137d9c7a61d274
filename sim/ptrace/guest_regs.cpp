// Initial register state of a guest thread.
#include "sim/ptrace/guest_regs.h"

namespace helios::sim {

user_regs_struct initial_guest_regs(uint64_t rip, uint64_t rsp, uint64_t fs_base) {
    user_regs_struct r{};
    r.rip = rip;
    r.rsp = rsp;
    r.fs_base = fs_base;
    r.cs = kUserCs;
    r.ss = kUserSs;
    r.eflags = 0x202;                        // IF, plus the always-one bit 1
    r.orig_rax = static_cast<uint64_t>(-1);  // not in a syscall: no restart logic applies
    return r;
}

}  // namespace helios::sim
