// Machine: one simulated PC running the hosted kernel core over ptrace'd husks.
#pragma once

#include "core/inbound.h"
#include "sim/devices/char_backend.h"
#include "sim/devices/uart16550.h"
#include "sim/devices/virtual_clock.h"
#include "sim/machine/debug_hooks.h"
#include "sim/machine/guest_messages.h"
#include "sim/machine/husk_table.h"
#include "sim/machine/invariant_check.h"
#include "sim/machine/io_bus.h"
#include "sim/machine/symbolizer.h"
#include "sim/machine/trace_writer.h"
#include "sim/machine/watchdog.h"
#include "sim/ptrace/husk_process.h"
#include "sim/ptrace/physical_memory.h"
#include "sim/replay/injection.h"
#include "sim/replay/scenario.h"

#include <sys/user.h>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace helios::sim {

struct MachineConfig {
    uint64_t memory_bytes = 128ull << 20;
    std::string com1 = "stdio";
    std::string com2 = "none";
    std::string trace_path;       // empty: no trace
    // The trace file and the recording each stop (with a truncation line)
    // after this many bytes; 0: unbounded. A guest decides how many events
    // it causes, so without a bound it decides how much disk it fills.
    uint64_t trace_limit_bytes = 1ull << 30;
    double timeout_seconds = 0;   // 0: none
    bool free_running = false;
    std::string cmdline;
    std::vector<Injection> injections;  // --inject, in any order
    std::string record_path;            // --record: write a scenario
    std::string image_path;             // for the scenario header
    const Scenario* replay = nullptr;   // replay: inputs from here, trace compared
    // Host resources a guest may make the simulator use (docs/security.md).
    // Past a limit the guest's request fails with NOMEM; the run goes on.
    uint64_t max_address_spaces = 512;   // live vspaces (each may become a husk process)
    uint64_t max_tasks = 2048;           // live tasks (each may become a Linux thread)
    uint64_t max_mappings = 60000;       // pages mapped per vspace (host mappings, below vm.max_map_count)
    HuskTraps traps;                     // --host-profile: what to trap where the host can
    // --check-invariants: check the kernel after every kernel entry (deep
    // every N checks); a broken invariant ends the run with kExitInvariant.
    bool check_invariants = false;
    unsigned deep_check_every = 64;
};

// How a run ended.
struct RunOutcome {
    int exit_code = 0;       // init's exit status, or a simulator error code
    std::string reason;      // human-readable
    bool by_request = false; // ended by request_exit() (a person: Ctrl-A x, gdb's kill), not by the guest
};

// The simulator proper. Exactly one guest thread runs at a time; all others
// sit in ptrace-stop. Virtual time advances by a fixed quantum at every
// kernel entry and jumps ahead when every task is blocked, so a run depends
// only on its image and its input.
//
// Its methods are defined by job: machine.cpp (boot), run_loop.cpp,
// kernel_entry_stops.cpp, virtual_cpu_stops.cpp, port_io_instructions.cpp,
// serial_input.cpp, record_replay.cpp, host_profile.cpp, resource_limits.cpp
// and guest_inspection.cpp; the parts with state of their own are classes
// (HuskTable, IoBus, Watchdog, GuestMessages).
class Machine {
public:
    // Virtual nanoseconds charged per kernel entry, and the tick period.
    static constexpr uint64_t kEntryCostNs = 1000;
    static constexpr uint64_t kTickNs = 10'000'000;
    // COM1 and COM2 (machine.cpp wires them); an Injection's port indexes them.
    static constexpr size_t kSerialPorts = 2;
    // Exit status of a run that broke a kernel invariant (--check-invariants).
    static constexpr int kExitInvariant = 4;

    explicit Machine(MachineConfig config);
    ~Machine();

    // Set up memory, devices and the kernel, and build init from `image`.
    // Returns a message naming the problem on failure.
    Status boot(const std::vector<uint8_t>& image);
    // Run until init exits, a timeout, or a deadlock.
    RunOutcome run();

    // ---- used by the arch seam (sim_arch.cpp) ----
    static Machine& current();
    void* phys_to_virt(uint64_t phys) { return memory_->base() + phys; }
    void map_page(VSpace& vs, uint64_t vaddr, uint64_t phys, unsigned flags) {
        if (invariants_) invariants_->told().mapped(vs.id(), vaddr, phys, flags);
        husks_->map_page(vs, vaddr, phys, flags);
    }
    void unmap_page(VSpace& vs, uint64_t vaddr) {
        if (invariants_) invariants_->told().unmapped(vs.id(), vaddr);
        husks_->unmap_page(vs, vaddr);
    }
    void vspace_destroyed(VSpace& vs) {
        if (invariants_) invariants_->told().vspace_gone(vs.id());
        husks_->forget_vspace(vs);
        if (debug_) debug_->address_space_gone(vs.id());
    }
    void task_destroyed(Task& task) { husks_->forget_task(task); }
    void task_exited(Task& task, uint64_t status);
    // What this run traps: the host's probe (host_traps()) less what
    // --host-profile forces native. One line, as in recordings' "# host:".
    std::string host_profile() const;
    bool admit_object(unsigned type, uint64_t live) const;
    bool admit_mapping(VSpace& vs, uint64_t mapped) const;
    void irq_mask(unsigned line) {
        if (invariants_) invariants_->told().mask(line, true);
        bus_.mask(line);
    }
    void irq_unmask(unsigned line) {
        if (invariants_) invariants_->told().mask(line, false);
        bus_.unmask(line);
    }
    uint32_t port_in(uint16_t port, unsigned width) { return bus_.in(port, width); }
    void port_out(uint16_t port, unsigned width, uint32_t value) { bus_.out(port, width, value); }
    uint64_t now_ns() const { return clock_.now(); }
    void console_write(const char* text, size_t length);
    void trace(const arch::TraceEvent& event);

    Kernel& kernel() { return kernel_; }
    uint64_t kernel_entries() const { return entries_; }
    PhysicalMemory& memory() { return *memory_; }
    Memory* root_memory() { return root_; }

    // Attach a debugger (not owned; null detaches).
    void set_debug_hooks(DebugHooks* hooks) { debug_ = hooks; }
    // The husk and Linux thread running `task`, created on demand (for the
    // debugger: hardware watchpoints live in a thread's debug registers).
    HuskProcess* husk_of(Task& task);
    pid_t linux_tid_of(const Task& task) const { return husks_->linux_tid_of(task); }
    // For the debugger's page watchpoints: sets the host protection (PROT_*)
    // of guest page `page` in the husk of address space `vspace_id`, at once.
    // The kernel's mapping is unchanged, and the next map_page of that page
    // puts the kernel's rights back. The husk is the one of a task of that
    // address space that has a Linux thread, else of any of its tasks (given
    // a thread now); with no task there, nothing is done and it succeeds.
    // Fails with the host's message when the husk refuses the change.
    Status protect_guest_page(uint32_t vspace_id, uint64_t page, int prot);
    // Every task alive, in creation order (walks the memory tree).
    std::vector<Task*> tasks();
    // The program name a task runs (from the ELF it was loaded from, when known).
    std::string task_name(const Task& task) const;
    // The program running in `vs`: "init" for init's address space, the name
    // in its procinfo page for a program started by a loader, else "".
    std::string program_name(VSpace& vs);
    // True once the run's --timeout has passed (set by the watchdog thread;
    // never without --timeout). Waits outside the run loop, such as the
    // debugger stub's wait for gdb, poll it so the timeout stays a hard bound.
    bool timed_out() const { return watchdog_.timed_out(); }
    // ---- the debugger's console (`monitor uart`, serial_input.cpp) ----
    // Types `bytes` into serial port `port` (0 = COM1), as input from its far
    // end would arrive: fed at kernel-entry boundaries as the receive FIFO has
    // room, each piece applied and recorded as a UartInput injection, so a
    // recording of the session replays exactly. Fails under replay (input
    // then comes from the recording only) and for a port that does not exist.
    Status type_into_uart(unsigned port, const std::vector<uint8_t>& bytes);
    // Calls `listener` with every byte the guest transmits on `port`, besides
    // sending it to the far end; an empty function removes it.
    void listen_to_uart(unsigned port, std::function<void(uint8_t)> listener);
    // End the run at the next iteration of the loop, before any guest runs
    // again (the debugger's `kill`, Ctrl-A x). A person's decision, not the
    // guest's: a recording notes after which boundary it came (a `quit`
    // line), so that its replay stops at the same place. The first request
    // wins.
    void request_exit(int exit_code, std::string reason);

private:
    // One serial port: the UART the guest drives and the far end it talks to.
    struct SerialLine {
        Uart16550 uart;
        std::unique_ptr<CharBackend> far_end;
        std::optional<uint8_t> corrupt_next;  // uart-corrupt: XOR the next received byte with this
        std::deque<uint8_t> typed;             // type_into_uart: still to be received
        std::function<void(uint8_t)> listener;  // listen_to_uart
    };

    // ---- the run loop (run_loop.cpp) ----
    RunOutcome run_loop();
    void kernel_entry_boundary();
    void load_regs(Task& task, const user_regs_struct& r);
    void store_regs(const Task& task, user_regs_struct& r);

    // ---- stops that enter the kernel (kernel_entry_stops.cpp) ----
    void handle_stop(Task& task, GuestThread& th, const StopEvent& ev);
    // A host failure for one task (no thread, no husk, a mapping refused):
    // the task faults and the run goes on.
    void host_failure(Task& task, const std::string& what);
    void report_fault(Task& task, const FaultInfo& fault);

    // ---- the virtual CPU's own stops (virtual_cpu_stops.cpp) ----
    bool emulate_rdtsc(Task& task, GuestThread& th, const StopEvent& ev);
    // Stops the virtual CPU finishes by itself, without a kernel entry and
    // without virtual time: accesses to guest pages below kUserBottom, cpuid.
    bool absorb_stop(Task& task, GuestThread& th, const StopEvent& ev);
    bool emulate_low_page_access(Task& task, GuestThread& th, const StopEvent& ev);
    bool emulate_cpuid(GuestThread& th, const StopEvent& ev);
    // A syscall stop that is not the 64-bit `syscall` instruction (int $0x80,
    // sysenter, or any entry from compatibility mode): true when it was
    // turned into the fault the virtual CPU raises instead.
    bool refuse_foreign_entry(Task& task, GuestThread& th, const StopEvent& ev);

    // ---- in/out/ins/outs (port_io_instructions.cpp) ----
    bool handle_port_io(Task& task, GuestThread& th);

    // ---- host input into the serial lines (serial_input.cpp) ----
    void poll_input();
    void push_uart_bytes(unsigned port, const uint8_t* bytes, size_t n);
    bool has_live_input() const;
    bool has_buffered_input() const;
    void wait_for_input(int timeout_ms);
    // The watchdog interrupted a guest because a far end's attention_fd()
    // had input: service the far ends (no kernel entry) and note a quit.
    void take_attention();
    // Tells the watchdog which fds to watch while the next guest runs (the
    // far ends', then the debugger's).
    void arm_attention();
    // A far end asked to quit (Ctrl-A x): end the run (request_exit).
    void note_quit_request();

    // ---- --check-invariants (kernel_invariants.cpp) ----
    // Checks the kernel now; the outcome ending the run when an invariant broke.
    std::optional<RunOutcome> check_kernel_invariants();

    // ---- record and replay (record_replay.cpp) ----
    void apply_injection(const Injection& inj);
    std::string divergence_report(const std::string& expected, const std::string& actual);
    // "tN = program, at function (file:line)" for each task the lines name.
    std::string describe_tasks_in(const std::string& lines);
    // Under a debugger, a divergence stops the system first (it ends the run after).
    void stop_debugger_at_divergence();
    // The replay's verdict on a run that ended with `outcome` (unchanged
    // when this is no replay that checks events, or it already diverged).
    RunOutcome replay_verdict(RunOutcome outcome);
    // Closes the recording with the run's outcome.
    void finish_recording(const RunOutcome& outcome);

    // ---- the host (host_profile.cpp, resource_limits.cpp) ----
    // Warns when a replayed recording comes from a host that traps rdtsc or
    // cpuid differently.
    void note_recording_host();
    // Why a replay may have diverged because the two hosts trap differently.
    std::string host_difference_note();
    // Checks the host-resource limits and lowers max_mappings to what this
    // host's vm.max_map_count allows (with a warning).
    Status fit_limits_to_host();

    MachineConfig config_;
    std::unique_ptr<PhysicalMemory> memory_;
    Kernel kernel_;
    Memory* root_ = nullptr;
    GuestMessages messages_;
    std::optional<HuskTable> husks_;  // from boot(), once memory_ exists
    std::array<SerialLine, kSerialPorts> serial_;
    IoBus bus_;
    VirtualClock clock_;
    std::unique_ptr<TraceWriter> trace_;
    bool trace_limit_warned_ = false, record_limit_warned_ = false;  // --trace-limit: warn once each
    std::unique_ptr<Symbolizer> symbols_;
    DebugHooks* debug_ = nullptr;
    Watchdog watchdog_;
    std::unique_ptr<InvariantCheck> invariants_;  // --check-invariants
    // Record and replay.
    std::unique_ptr<ScenarioWriter> recorder_;
    std::vector<Injection> schedule_;  // injections still to apply, time order
    size_t next_injection_ = 0;
    uint64_t boundary_ = 0;            // kernel-entry boundaries so far
    uint64_t event_index_ = 0;         // kernel events so far
    std::deque<std::string> history_;  // the last events, for divergence reports
    std::string divergence_;
    bool divergence_shown_ = false;  // the debugger was stopped at it
    bool cutoff_reached_ = false;
    uint64_t entries_ = 0;
    uint64_t next_tick_ = kTickNs;
    std::optional<int> init_exit_;
    std::optional<RunOutcome> exit_request_;  // request_exit(), a quit
    std::optional<unsigned> quit_port_;       // the serial line whose far end asked to quit
    bool low_page_warned_ = false;
    uint64_t tsc_reads_since_boundary_ = 0;
    // The first time the guest read the TSC (trapped): for replay reports
    // across hosts that could and could not trap it.
    struct GuestRead {
        std::string program;
        uint64_t ip = 0;
        uint64_t event_index = 0;
    };
    std::optional<GuestRead> guest_read_tsc_;
    uint64_t guest_tsc_reads_ = 0;
};

}  // namespace helios::sim
