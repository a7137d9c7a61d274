// Initial register state of a guest thread, and the register-file helpers run() uses.
#pragma once

#include <sys/user.h>

#include <cstddef>
#include <cstdint>

namespace helios::sim {

// Linux x86-64 user segment selectors (__USER_CS, __USER_DS).
inline constexpr uint64_t kUserCs = 0x33;
inline constexpr uint64_t kUserSs = 0x2b;

// A clean register file for a new guest thread: every general register zero,
// the given rip/rsp/fs_base, user code and stack segments, eflags = IF only.
// Starting from zeros (not whatever the husk had) keeps runs deterministic.
user_regs_struct initial_guest_regs(uint64_t rip, uint64_t rsp, uint64_t fs_base = 0);

// user_regs_struct viewed as the array of 64-bit words PTRACE_POKEUSER indexes:
// the registers are the first member of struct user, so word i is at offset 8*i.
inline constexpr size_t kRegWords = sizeof(user_regs_struct) / sizeof(uint64_t);
static_assert(sizeof(user_regs_struct) % sizeof(uint64_t) == 0);

}  // namespace helios::sim
