// DebugHooks: where a debugger (the GDB stub) attaches to the machine's run loop.
#pragma once

#include "sim/ptrace/stop_event.h"

#include <sys/user.h>

#include <cstdint>

namespace helios {
class Task;
}

namespace helios::sim {

class Machine;

// The machine calls these at the only points where the system is stopped
// and consistent: before a task runs, and after it stopped but before the
// kernel hears about the stop. While a hook blocks (the debugger holds the
// system), no guest runs and virtual time stands still.
class DebugHooks {
public:
    virtual ~DebugHooks() = default;
    // Before `task` runs. Return true to run it for one instruction only.
    virtual bool before_run(Machine& machine, Task& task) = 0;
    // After `task` stopped with `event`; `regs` are its registers and may be
    // changed (e.g. rip moved back over a breakpoint). Return true when the
    // debugger consumed the stop (a breakpoint, a single step it asked for):
    // the kernel then never sees it and the task simply continues.
    virtual bool on_stop(Machine& machine, Task& task, const StopEvent& event, user_regs_struct& regs) = 0;
    // Every task is blocked and the machine waits for input (called about
    // every 50 ms of wall time meanwhile): the debugger may stop the system.
    virtual void on_idle(Machine& machine) { (void)machine; }
    // The kernel destroyed address space `id` (its program exited, crashed
    // and was cleaned up, or was killed). Called inside the kernel: only
    // note it; report it at the next before_run or on_idle.
    virtual void address_space_gone(uint32_t id) { (void)id; }
    // A replay diverged from its recording (`report` says where and how):
    // the system is settled at the divergent event, `task` (may be null) is
    // the one to show, with `regs` (null when it has no thread). The
    // debugger may hold the system here; the run ends when this returns.
    virtual void on_divergence(Machine& machine, Task* task, user_regs_struct* regs, const std::string& report) {
        (void)machine, (void)task, (void)regs, (void)report;
    }
    // The run is over (init exited, timeout, deadlock): tell the debugger.
    virtual void on_exit(Machine& machine, int exit_code) = 0;

    // An fd whose input means the debugger may want the system now, even
    // while a guest runs without entering the kernel (gdb's Ctrl-C, a gdb
    // connecting); -1: none. Read before every run of a guest.
    virtual int attention_fd() const { return -1; }
    // `task` was interrupted between two kernel entries because
    // attention_fd() had input; `regs` are its registers and may be
    // changed. The debugger may hold the system here (a stop at this very
    // instruction). No kernel entry: no virtual time, no boundary, no event.
    // Returns true when it stopped the system.
    virtual bool on_attention(Machine& machine, Task& task, user_regs_struct& regs) {
        (void)machine, (void)task, (void)regs;
        return false;
    }
};

}  // namespace helios::sim
