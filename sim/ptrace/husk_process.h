// HuskProcess: one simulated address space, a traced husk process whose Linux threads run guest code.
#pragma once

#include <sys/types.h>
#include <sys/user.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/ptrace/husk/husk_abi.h"
#include "sim/ptrace/physical_memory.h"
#include "sim/ptrace/status.h"
#include "sim/ptrace/stop_event.h"

namespace helios::sim {

// Guest host mappings must lie in [kUserBottom, kUserTop); the husk lives
// above. Guest pages below kUserBottom are never host mappings (a sealed husk
// cannot map below vm.mmap_min_addr): the machine emulates accesses to them.
inline constexpr uint64_t kUserBottom = HUSK_USER_BOTTOM;
inline constexpr uint64_t kUserTop = HUSK_USER_TOP;

// The husk binary this process uses, looked up once: $HELIOS_HUSK when set,
// else helios-husk beside the running executable (a flat copy, the
// benchmark), else ptrace/helios-husk below its directory (the build tree,
// where helios-sim is build/<preset>/sim/helios-sim). Fails naming the
// places it looked. Never a path compiled in: a moved build tree works.
const HostResult<std::string>& husk_binary();

// A husk process, started and traced by the simulator: PTRACE_SEIZE with
// EXITKILL, PR_SET_PDEATHSIG(SIGKILL), ASLR off. Its control thread executes
// batches of mmap/munmap/mprotect/clone from a shared mailbox; its other
// threads are guest threads, each in ptrace-stop except while run() runs it.
//
// Sealed before it is returned (docs/security.md): no capabilities, no
// bounding set, no-new-privs, only the physical-memory fd, no vDSO, vvar or
// Linux stack, cpuid faulting where the CPU offers it, and a seccomp filter
// (husk_filter.h) that allows only the control thread's own calls.
//
// Threading: ptrace binds a tracee to the tracer *thread*, and PDEATHSIG and
// EXITKILL fire when that thread exits. Create, use and destroy a HuskProcess
// on one long-lived thread (the simulator's main loop). The simulator must not
// set SIGCHLD to SIG_IGN (traced threads would be auto-reaped under us).
// What a husk traps, where the host can: a forced weaker profile leaves an
// instruction native even on a host that could trap it (so one machine can
// test what hosts without the feature do).
struct HuskTraps {
    bool tsc = true;    // rdtsc/rdtscp fault (PR_SET_TSC), answered from virtual time
    bool cpuid = true;  // cpuid faults (ARCH_SET_CPUID), answered from the virtual CPU
};

class HuskProcess {
public:
    // Forks, seizes and execs the husk at husk_path, giving it phys's memfd,
    // and waits until it is ready (first int3, mailbox magic checked). The
    // husk keeps its own reference to the memfd. An empty husk_path means
    // husk_binary() (failing with its message when there is none). Costs
    // about 1-2 ms.
    static HostResult<std::unique_ptr<HuskProcess>> spawn(const PhysicalMemory& phys,
                                                      const std::string& husk_path = {},
                                                      HuskTraps traps = {});

    // SIGKILLs the whole husk and reaps every thread: no process outlives it.
    ~HuskProcess();
    HuskProcess(const HuskProcess&) = delete;
    HuskProcess& operator=(const HuskProcess&) = delete;

    // The husk's pid (its control thread's tid).
    pid_t pid() const { return pid_; }

    // ---- Address-space edits: queued, then executed by flush() in one stop. ----
    // Each checks its arguments now (page alignment, [kUserBottom, kUserTop),
    // the frame range inside physical memory, prot within PROT_READ|WRITE|EXEC)
    // and queues nothing on error. Queued ops run in order; a later op may
    // replace an earlier mapping (MAP_FIXED).
    Status map(uint64_t vaddr, uint64_t phys_offset, uint64_t len, int prot);
    Status unmap(uint64_t vaddr, uint64_t len);
    Status protect(uint64_t vaddr, uint64_t len, int prot);
    size_t queued() const { return pending_.size(); }

    // Runs every queued op: one control-thread round trip per HUSK_MAX_OPS ops.
    // Stops at the first op Linux refuses; the message names that op and its
    // errno, and the ops after it are dropped. The queue is empty afterwards.
    // Precondition: no guest thread of this husk is running (always true
    // outside run()).
    Status flush();

    // Flushes the queue plus a clone: a new guest thread (its tid), stopped
    // before it ran any instruction and ready for run(). Its registers are
    // the husk's; give it a full register file (initial_guest_regs) first.
    HostResult<pid_t> create_thread();

    // Ends one guest thread (it calls SYS_exit from a husk gadget) and reaps it.
    Status kill_thread(pid_t tid);

    // True when cpuid raises SIGSEGV in this husk (ARCH_SET_CPUID worked):
    // the machine answers it from the virtual CPU. False where the CPU or
    // kernel cannot fault cpuid; then guests read the host's cpuid.
    bool cpuid_faults() const { return cpuid_faults_; }

    // Resumes guest thread `tid` until it stops again, and fills regs with its
    // registers at the stop. Before resuming, writes back only the registers
    // that differ from the last ones read from or written to this thread: one
    // PTRACE_POKEUSER per changed word when at most two changed (e.g. rax
    // after a syscall, rip after a port access), otherwise one SETREGS.
    // Resumes with PTRACE_SYSEMU (or SYSEMU_SINGLESTEP): a guest `syscall`
    // never reaches Linux. A fault signal is reported and suppressed; it is
    // never delivered. The guest resumes at regs.rip, so to skip a faulting
    // instruction advance rip. Unrelated stops (asynchronous signals, group
    // stops) are swallowed. On Exited/Killed the thread has been reaped and
    // regs is unchanged. Fails (with a message) on an unknown tid or a ptrace
    // error.
    HostResult<StopEvent> run(pid_t tid, user_regs_struct& regs, bool single_step = false);

    // The registers of a stopped guest thread as last read or written (no syscall).
    HostResult<user_regs_struct> regs(pid_t tid) const;
    // Floating-point/SSE state of a stopped guest thread (PTRACE_GETFPREGS/SETFPREGS).
    Status get_fpregs(pid_t tid, user_fpregs_struct& fpregs) const;
    Status set_fpregs(pid_t tid, const user_fpregs_struct& fpregs);
    // x86 debug registers of a stopped guest thread (hardware watchpoints for
    // the debugger), through PTRACE_POKEUSER/PEEKUSER at u_debugreg. Setting
    // writes DR7 = 0 first, then DR0-3, then dr7 (Linux validates each enabled
    // slot's address, length and alignment when DR7 is written).
    Status set_debug_registers(pid_t tid, const uint64_t addr[4], uint64_t dr7);
    // DR0-3, DR6 (which slot triggered: bits 0-3; Linux's per-thread virtual
    // DR6) or DR7.
    HostResult<uint64_t> get_debug_register(pid_t tid, int index) const;
    Status set_debug_register(pid_t tid, int index, uint64_t value);

    // Guest memory through process_vm_readv/writev (about 1.5 us per 4 KiB).
    // True only when all len bytes were transferred. Writes respect page
    // protections (a read-only page fails): write code through the direct map.
    // Prefer PhysicalMemory::base() when the frame is known (20x cheaper).
    bool read_memory(uint64_t vaddr, void* buf, size_t len) const;
    bool write_memory(uint64_t vaddr, const void* buf, size_t len) const;
    // Reads up to max_len (<= 15) instruction bytes at rip, stopping at the
    // first unreadable page; returns how many were read (0 if rip is unmapped).
    size_t read_instruction(uint64_t rip, uint8_t* buf, size_t max_len = 15) const;

    // Live guest threads, in creation order.
    std::vector<pid_t> threads() const;
    // Control-thread round trips so far (one per flush of up to HUSK_MAX_OPS ops).
    uint64_t round_trips() const { return round_trips_; }

private:
    struct Thread {
        user_regs_struct cache{};  // the registers the thread has now
        uint64_t order = 0;        // creation order, for threads()
    };

    HuskProcess(pid_t pid, int mailbox_fd, HuskMailbox* mailbox, uint64_t phys_size)
        : pid_(pid), mailbox_fd_(mailbox_fd), mailbox_(mailbox), phys_size_(phys_size) {}

    // Discards the husk's unused Linux mappings and installs its filter.
    Status seal(bool trap_cpuid);
    Status check_range(const char* what, uint64_t vaddr, uint64_t len) const;
    Status flush_batches(std::vector<pid_t>* clones);
    Status round_trip(std::vector<pid_t>& new_threads);
    Status adopt_new_thread(pid_t tid);
    // Returns 0 or the errno of the failed ptrace call (ESRCH: the thread died).
    int write_back(pid_t tid, Thread& t, const user_regs_struct& regs);
    int wait_thread(pid_t tid, int* status);
    int wait_leader(int* status);
    void reap_all();

    pid_t pid_;
    int mailbox_fd_;
    HuskMailbox* mailbox_;
    uint64_t phys_size_;
    bool leader_reaped_ = false;  // the husk is gone and its pid may be reused
    bool cpuid_faults_ = false;
    std::vector<HuskOp> pending_;
    std::unordered_map<pid_t, Thread> threads_;
    std::unordered_map<pid_t, int> stashed_;  // wait statuses collected for a thread before it was waited for
    uint64_t next_order_ = 0;
    uint64_t round_trips_ = 0;
};

}  // namespace helios::sim
