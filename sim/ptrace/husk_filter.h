// The husk's seccomp program: the only Linux system calls a sealed husk can still make.
#pragma once

#include <linux/filter.h>

#include <vector>

#include "sim/ptrace/status.h"

namespace helios::sim {

// What happens to a system call that reaches the filter:
//  - from anywhere but the husk's own code page (a guest instruction that got
//    past PTRACE_SYSEMU, e.g. an emulated vsyscall): SECCOMP_RET_TRAP, a
//    SIGSYS that the simulator turns into a fault of the guest task;
//  - from the husk's code: allowed only as mmap of the physical-memory fd with
//    MAP_SHARED|MAP_FIXED below HUSK_USER_TOP, munmap and mprotect below
//    HUSK_USER_TOP with plain r/w/x protections, clone with the husk's flags
//    and stack, and exit(0); the x86_64 entry only (i386 and x32 numbers are
//    refused). Anything else kills the whole husk (SECCOMP_RET_KILL_PROCESS).
//
// libseccomp (Debian's libseccomp-dev) compiles the system-call rules; it
// cannot test seccomp_data.instruction_pointer, so a six-instruction
// prologue written here does that and then falls through into libseccomp's
// program (which starts with its own architecture check). Built once.
const HostResult<std::vector<sock_filter>>& husk_filter();

}  // namespace helios::sim
