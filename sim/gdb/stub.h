// GdbStub: the GDB remote stub attached to the machine's run loop (every task a gdb thread).
#pragma once

#include <sys/types.h>
#include <sys/user.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/gdb/extract_dir.h"
#include "sim/gdb/protocol.h"
#include "sim/gdb/server.h"
#include "sim/machine/debug_hooks.h"
#include "sim/ptrace/status.h"

namespace helios {
class Kernel;
class Task;
class VSpace;
}  // namespace helios

namespace helios::sim {

struct GdbStubOptions {
    std::string listen;      // --gdb: PORT, HOST:PORT or unix:PATH (gdb::Server::listen)
    bool wait = false;       // --gdb-wait: stop before init's first instruction until gdb attaches
    std::string image_path;  // the initramfs, for qXfer:exec-file:read
    // --gdb-idle: a client that has sent no valid packet this many seconds
    // after connecting is dropped (0: never). Once gdb has spoken, silence
    // is a person at the prompt and only --timeout bounds it.
    double idle_seconds = 30;
};

// Serves the GDB remote protocol for the whole simulated system. Every task
// is a gdb thread (thread id = task id, name = its program); memory is the
// address space of the selected thread, read and written through the
// kernel's page tables and the direct map. Software breakpoints (int3
// written through the direct map, present only while the guest runs) and
// hardware watchpoints (the debug registers of the husk's Linux threads)
// belong to a program: the one named by `monitor program NAME`, else the
// one the selected thread runs when gdb first inserts them; they apply to
// every address space running that program, including ones created later.
// A guest fault is shown to gdb first; continuing delivers it to the kernel.
//
// Every wait for gdb is bounded: a client that connects and never speaks is
// dropped after GdbStubOptions::idle_seconds, a second client is refused
// while one is attached, and the run's --timeout ends any wait (the run
// then ends with exit 124, as without a debugger).
//
// The stub changes no husk mapping itself: page watchpoints ask the machine
// (Machine::protect_guest_page). Its methods are defined by job: stub.cpp
// (the connection, serving packets), stub_hooks.cpp, stub_threads.cpp,
// stub_memory.cpp, stub_registers.cpp, stub_breakpoints.cpp,
// stub_watchpoints.cpp, stub_exec_file.cpp and stub_monitor.cpp.
class GdbStub final : public DebugHooks, private gdb::Target {
public:
    static HostResult<std::unique_ptr<GdbStub>> create(const GdbStubOptions& options);
    ~GdbStub() override;

    // Where gdb connects, as really bound: "127.0.0.1:PORT", "[::1]:PORT" or "unix:PATH".
    const std::string& address() const { return server_->address(); }
    // True when the stub listens on a non-loopback address (see gdb::Server).
    bool reachable_from_network() const { return server_->reachable_from_network(); }

    bool before_run(Machine& machine, Task& task) override;
    bool on_stop(Machine& machine, Task& task, const StopEvent& event, user_regs_struct& regs) override;
    void on_idle(Machine& machine) override;
    void on_exit(Machine& machine, int exit_code) override;
    void on_divergence(Machine& machine, Task* task, user_regs_struct* regs, const std::string& report) override;
    // on_exit's report to gdb (the exit packet, answering gdb meanwhile).
    void report_exit(Machine& machine, int exit_code);
    int attention_fd() const override { return server_ ? server_->attention_fd() : -1; }
    bool on_attention(Machine& machine, Task& task, user_regs_struct& regs) override;
    void address_space_gone(uint32_t id) override;

private:
    // How gdb let the system go after a stop.
    struct Decision {
        enum class How : uint8_t { Resumed, Detached, Killed } how = How::Resumed;
        int signal = 0;  // the signal gdb passed to the stopped thread (C/S/vCont;C)
    };
    struct SwBreak {
        std::string program;
        uint64_t addr;
    };
    struct Inserted {
        uint32_t vspace;
        uint64_t addr;
        uint64_t phys;
        uint8_t orig;
    };
    struct Watch {
        std::string program;
        gdb::PointType type;
        uint64_t addr, len;
        std::vector<int> slots;
    };

    explicit GdbStub(GdbStubOptions options) : options_(std::move(options)) {}

    // ---- gdb::Target ----
    std::vector<gdb::ThreadInfo> threads() override;
    bool thread_alive(uint32_t tid) override;
    uint32_t process_of(uint32_t tid) override;
    bool read_registers(uint32_t tid, gdb::RegisterFile& regs) override;
    bool write_registers(uint32_t tid, const gdb::RegisterFile& regs) override;
    size_t read_memory(uint32_t tid, uint64_t addr, uint8_t* buf, size_t len) override;
    size_t write_memory(uint32_t tid, uint64_t addr, const uint8_t* buf, size_t len) override;
    int insert_point(uint32_t tid, uint32_t process, gdb::PointType type, uint64_t addr, uint64_t kind) override;
    int remove_point(uint32_t tid, uint32_t process, gdb::PointType type, uint64_t addr, uint64_t kind) override;
    std::string exec_file(uint32_t id, bool by_process) override;
    std::shared_ptr<const std::string> file(std::string_view path) override;
    std::string monitor(std::string_view command) override;
    // `monitor uart PORT ...`: typing into a UART, showing its output.
    std::string monitor_uart(std::string_view args);

    // ---- the connection ----
    void new_client();
    void client_gone();
    // Accepts a client / notices ^C and a vanished client while the guest runs.
    // Returns true when gdb asked to stop (interrupt or a new connection).
    bool poll_client(bool force, bool& fresh);
    // Why a wait for gdb's next input ended.
    enum class WaitEnd : uint8_t { Input, Gone, Idle, Deadline };
    // Waits for input while the system stands still, in bounded slices.
    WaitEnd wait_for_input(std::vector<gdb::InputEvent>& events);
    bool deadline_passed() const;
    // Ends the run with the timeout's status because gdb held it past --timeout.
    void end_run_at_deadline();
    // Serves gdb while the system stands still, until gdb resumes it.
    Decision serve(Task* task, user_regs_struct* regs, const gdb::StopReply& stop, bool announce);
    void apply_resume(const std::vector<gdb::ResumeAction>& actions, Decision& decision);

    // ---- tasks, programs, memory ----
    Task* task_by_id(uint32_t tid);
    std::string program_of(VSpace& vs);
    // The program of process (address space) `id`, live or remembered; "" when never known.
    std::string program_of_process(uint32_t id);
    // The ELF of `program` from the image, kept for vFile and written to the
    // private directory (a gdb given a local sysroot opens it there); "" when absent.
    std::string exec_path_for(const std::string& program);
    // In the multiprocess view, the first run of an address space gdb has not
    // heard of is reported as an exec event: gdb adds the inferior, loads its
    // program and inserts its breakpoints, then resumes by itself.
    void announce_new_process(Task& task);
    // In the multiprocess view, an address space gdb knows that the kernel
    // destroyed is reported as that process's exit (W;process:PID, or
    // X;process:PID with the signal it last stopped with): gdb prints it,
    // drops the inferior's threads and stops, as for any process exit.
    // Returns true when it reported one. Only with `monitor exits on`: gdb
    // then selects the dead inferior, and `continue` needs `inferior N`
    // first; by default a gone process stays listed, with no threads.
    bool report_gone_process(Task* task);
    // "running", "blocked in recv", ...: for qThreadExtraInfo and `monitor tasks`.
    static std::string task_state(Kernel& kernel, Task& t);
    size_t copy_memory(uint32_t tid, uint64_t addr, uint8_t* buf, size_t len, bool write);
    bool phys_ok(uint64_t phys, size_t len) const;

    // ---- breakpoints ----
    // The program a breakpoint or watchpoint (named by sticky_key) applies
    // to: that of `process` in the multiprocess view, else as documented above.
    std::string scope_for(uint32_t tid, uint32_t process, const std::string& sticky_key);
    // gdb's Z0/z0 (the rest of insert_point/remove_point); errno-style results.
    int insert_break(uint32_t tid, uint32_t process, uint64_t addr);
    int remove_break(uint32_t tid, uint32_t process, uint64_t addr);
    // Sends what gdb should print while the system runs (O packets): new
    // breakpoint bindings, forwarded UART output. Only while gdb waits for a stop.
    void send_console_output();
    void insert_all();
    void insert_in(VSpace& vs);
    void remove_all();
    std::unordered_map<uint32_t, VSpace*> live_vspaces();
    void lift(uint64_t phys);   // put the original byte back, keeping the record
    void rearm(uint64_t phys);  // write int3 again after lift()
    const Inserted* inserted_at_phys(uint64_t phys) const;
    bool in_scope(VSpace& vs, uint64_t addr);

    // ---- watchpoints ----
    // gdb's Z2-Z4/z2-z4 (the rest of insert_point/remove_point); errno-style results.
    int insert_watch(uint32_t tid, uint32_t process, gdb::PointType type, uint64_t addr, uint64_t len);
    int remove_watch(gdb::PointType type, uint64_t addr, uint64_t len);
    // Debug registers when this machine's CPU honours them (a one-off probe:
    // some virtual machines accept DR writes but never trap), else emulated
    // with page protection: the watched page is write- (or read-) protected
    // in the husk, a trapping access is single-stepped with the page open,
    // and a hit is reported after the instruction, as hardware does.
    bool page_watches();
    void protect_in(Task& task);
    void unprotect_all();
    int kernel_prot(VSpace& vs, uint64_t page);
    void set_protection(uint32_t vspace_id, uint64_t page, int prot);
    // A stop that is an access to a protected page the kernel's own mapping
    // allows: sets up the step over it (watch_step_) and returns true.
    bool begin_watch_step(Task& task, const StopEvent& event, const user_regs_struct& regs);
    // Before `task` runs: opens the page for its stepped access; true when
    // the task is stepping over one.
    bool open_watch_step(Task& task);
    // After that step (watch_step_ is for `task`): closes the page again and
    // returns the index in watches_ of the watchpoint hit (data_addr: where),
    // or -1 when the access missed every watchpoint.
    int finish_watch_step(Task& task, uint64_t& data_addr);
    void apply_debug_registers(Task& task);
    // The watchpoint whose slot triggered in task (DR6), or null.
    const Watch* watch_hit(Task& task, uint64_t& slot_addr);

    GdbStubOptions options_;
    std::unique_ptr<gdb::Server> server_;
    std::unique_ptr<gdb::Session> session_;
    Machine* machine_ = nullptr;
    bool first_run_ = true;
    bool running_ = false;  // gdb waits for a stop reply
    unsigned poll_count_ = 0;
    std::string pending_input_;  // bytes that arrived while running, other than ^C

    // The stop being served.
    Task* cur_task_ = nullptr;
    user_regs_struct* cur_regs_ = nullptr;

    // Stepping.
    uint32_t step_task_ = 0;        // gdb asked for one instruction of this task
    bool step_via_kernel_ = false;  // ...which went to the kernel: report when it next runs
    uint32_t stepover_task_ = 0;    // step this task over the breakpoint at stepover_rip_
    uint64_t stepover_rip_ = 0;
    uint64_t stepover_phys_ = 0;
    bool stepover_lifted_ = false;

    // Breakpoints and watchpoints.
    std::string forced_program_;                 // monitor program NAME
    std::map<std::string, std::string> sticky_;  // point key -> program it was first inserted for
    std::vector<SwBreak> breaks_;
    std::vector<Inserted> inserted_;
    std::unordered_map<uint32_t, bool> armed_;            // vspace id -> breakpoints inserted (while running)
    std::unordered_map<uint32_t, std::string> programs_;  // vspace id -> program (once known)
    std::vector<Watch> watches_;
    int slot_owner_[4] = {-1, -1, -1, -1};
    uint64_t slot_addr_[4] = {};
    uint64_t slot_len_[4] = {};
    uint64_t dr_generation_ = 0;
    bool dr_used_ = false;
    enum class WatchMode : uint8_t { Auto, Hardware, Page } watch_mode_ = WatchMode::Auto;
    struct Protected {
        uint32_t vspace;
        uint64_t page;
        int orig, prot;
    };
    std::vector<Protected> protected_;
    struct WatchStep {
        uint32_t task = 0;  // stepping this task over an access to a protected page
        uint32_t vspace = 0;
        uint64_t page = 0;
        int orig = 0, prot = 0;
        bool lifted = false;
        int hit = -1;  // index into watches_, or -1: the access missed every watchpoint
        uint64_t data_addr = 0;
        std::vector<std::pair<int, std::string>> before;  // watched bytes before the step (watches_ index)
    } watch_step_;
    std::unordered_map<pid_t, uint64_t> dr_applied_;  // Linux tid -> generation written to it

    // The current client: when it connected, and whether it has sent a
    // valid packet yet (the idle bound applies until it has).
    std::chrono::steady_clock::time_point client_since_{};
    bool client_spoke_ = false;

    // Executables extracted from the image for qXfer:exec-file:read: program
    // -> path, and path -> contents (what vFile serves).
    gdb::ExtractDir extracted_;
    std::map<std::string, std::string> exec_paths_;
    std::map<std::string, std::shared_ptr<const std::string>, std::less<>> exec_files_;

    // What gdb is told while the system runs (send_console_output).
    std::string bind_notes_;        // "breakpoint at ... applies to program ..." (plain view)
    bool uart_show_[2] = {false, false};  // monitor uart comN show on
    std::string uart_out_;          // forwarded UART output not yet sent
    std::set<uint32_t> unannounced_;  // processes with no ELF to announce (announce_new_process)
    std::vector<uint32_t> gone_;        // address spaces destroyed, not yet reported (report_gone_process)
    bool report_exits_ = false;          // monitor exits on
    // process -> the fault gdb saw in it that its task has not survived (yet):
    // {task, signal}; forgotten when that task runs again.
    std::map<uint32_t, std::pair<uint32_t, int>> last_signal_;
};

}  // namespace helios::sim
