// The virtual CPU guests see: a fixed cpuid model, and what this host lets the simulator trap.
#pragma once

#include <cstdint>
#include <string>

namespace helios::sim {

struct CpuidLeaf {
    uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// The answer of the virtual CPU to cpuid(leaf, subleaf): the same on every
// host (docs/security.md, "The virtual CPU"). A baseline x86-64 processor
// (FPU, TSC, CX8, CMOV, MMX, FXSR, SSE, SSE2, SYSCALL, NX, LM) from vendor
// "HeliosSimCPU", one core, no hypervisor bit, and none of the features whose
// instructions read host state without a trap (RDRAND, RDSEED, RDPID,
// OSXSAVE/XGETBV) or that cannot be virtualised here (AVX and later).
// Leaves beyond the model's maximum read as zeros.
CpuidLeaf virtual_cpuid(uint32_t leaf, uint32_t subleaf);

// What this host lets the simulator trap, probed once at start-up (about a
// millisecond: two short-lived child processes). Where something cannot be
// trapped the guest reads the host, and a run may depend on the host: the
// probe says so in `--log debug` and in every recording's header.
struct HostTraps {
    bool rdtsc = false;   // PR_SET_TSC(PR_TSC_SIGSEGV) makes rdtsc/rdtscp fault
    bool cpuid = false;   // ARCH_SET_CPUID makes cpuid fault (CPUID faulting)
    bool umip = false;    // the CPU refuses sgdt/sidt/sldt/smsw/str in user mode (Linux emulates some)
    bool ia32 = false;    // a 32-bit user code segment exists (guests could enter compat mode)
    // Instructions that always run natively when the host has them.
    bool rdrand = false, rdseed = false, rdpid = false, xsave = false;

    // One line, e.g. "rdtsc=trapped cpuid=native umip=no ia32=yes rdrand=host ...".
    std::string describe() const;
};
const HostTraps& host_traps();

// Whether this CPU honours the x86 debug registers (hardware watchpoints):
// runs `movl $1, DATA; int3` in a scratch husk with DR0 watching DATA. Some
// virtual machines accept DR writes but never trap. Probes anew on every
// call (a few milliseconds: one husk); false when the probe cannot run.
bool host_debug_registers_trap();

}  // namespace helios::sim
