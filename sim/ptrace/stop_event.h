// StopEvent: why a guest thread stopped and came back to the simulator.
#pragma once

#include <csignal>

#include <cstdint>
#include <string>

namespace helios::sim {

enum class StopKind : uint8_t {
    Syscall,     // the guest executed `syscall`; Linux did not run it (PTRACE_SYSEMU)
    Signal,      // a synchronous fault: SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP; never delivered
    SingleStep,  // one instruction done after run(..., single_step = true)
    Exited,      // the thread is gone (exit_status = exit code); it has been reaped
    Killed,      // the thread was killed (exit_status = signal); it has been reaped
    Preempted,   // the simulator interrupted it (kPreemptSignal, suppressed): free-running time slices
};

const char* stop_kind_name(StopKind kind);

// The signal the simulator sends a running guest thread to take the CPU back
// (free-running preemption, timeouts). Never delivered to the guest.
inline constexpr int kPreemptSignal = SIGXCPU;

struct StopEvent {
    StopKind kind = StopKind::Syscall;
    uint64_t syscall_nr = 0;  // Syscall: regs.orig_rax
    int signo = 0;            // Signal, SingleStep: the signal number
    int si_code = 0;          // Signal: siginfo si_code (e.g. SEGV_MAPERR, SI_KERNEL for #GP)
    uint64_t fault_addr = 0;  // Signal: siginfo si_addr (the fault address; 0 for #GP)
    int exit_status = 0;      // Exited: exit code; Killed: the terminating signal
};

// One line for logs and test failures, e.g. "Signal SIGSEGV code=1 addr=0x1000".
std::string describe(const StopEvent& event);

}  // namespace helios::sim
