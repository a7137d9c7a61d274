// HuskTable: the husk process of each address space and the Linux thread of each task; the one writer of husk mappings.
#pragma once

#include "core/inbound.h"
#include "sim/machine/guest_messages.h"
#include "sim/ptrace/husk_process.h"
#include "sim/ptrace/physical_memory.h"

#include <sys/types.h>
#include <sys/user.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace helios::sim {

// Where a task runs: a Linux thread of its address space's husk, and the
// registers that thread has (what the task's regs are copied from and to).
struct GuestThread {
    HuskProcess* husk = nullptr;
    pid_t tid = 0;
    user_regs_struct regs{};
};

// A husk is started on first use of an address space and killed when the
// address space is destroyed; a thread is created when its task first runs.
// Every change to a husk's host mappings goes through here: the kernel's
// map/unmap (the arch seam) and the debugger's page protection, so the host
// mappings never drift from the kernel's page tables unseen.
//
// When the host refuses a husk (no more processes, no memory), the address
// space is marked broken: its tasks fault when scheduled, the run goes on.
// Lifetime: destroying the table kills every husk and its threads.
class HuskTable {
public:
    // Husks map frames of `memory` (which must outlive the table), trap what
    // `traps` asks where the host can, and warn through `messages`.
    HuskTable(const PhysicalMemory& memory, HuskTraps traps, GuestMessages& messages)
        : memory_(memory), traps_(traps), messages_(messages) {}

    // The husk of `vs`, started on demand; null when the host refused one.
    HuskProcess* husk_for(VSpace& vs);
    // The kernel mapped / unmapped a page (flags: HELIOS_MAP_*). Pages below
    // kUserBottom are never host mappings (accesses to them are emulated);
    // a mapping the husk refuses is a warning, the run goes on.
    void map_page(VSpace& vs, uint64_t vaddr, uint64_t phys, unsigned flags);
    void unmap_page(VSpace& vs, uint64_t vaddr);
    // Sets the host protection (PROT_*) of one page in the husk running
    // `task` (given a thread now if it has none) and applies it at once.
    // Succeeds doing nothing when the task can have no husk; fails with the
    // host's message when the husk refuses.
    Status protect_page(Task& task, uint64_t page, int prot);

    // The thread running `task`, created on demand (the task's registers are
    // then all dirty, to be written to it); a task moved to another address
    // space moves to a thread of that one's husk. Fails when the task has no
    // address space or husk, or the host gave no thread.
    HostResult<GuestThread*> thread_for(Task& task);
    // The Linux thread of `task`, or 0 when it has none (yet).
    pid_t linux_tid_of(const Task& task) const;

    // The address space is gone: its husk, threads and broken mark go.
    void forget_vspace(VSpace& vs);
    // The task is gone: its Linux thread is ended.
    void forget_task(Task& task);
    // The task's Linux thread vanished (killed from outside): forget it, so
    // the task gets a fresh one if it is ever resumed.
    void thread_vanished(Task& task) { threads_.erase(task.id()); }

private:
    const PhysicalMemory& memory_;
    const HuskTraps traps_;
    GuestMessages& messages_;
    std::unordered_map<uint32_t, std::unique_ptr<HuskProcess>> husks_;  // by vspace id
    std::unordered_map<uint32_t, GuestThread> threads_;                  // by task id
    std::unordered_set<uint32_t> broken_vspaces_;                        // vspaces whose husk the host refused
};

}  // namespace helios::sim
