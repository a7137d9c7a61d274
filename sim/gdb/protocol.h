// The GDB remote protocol's commands: parsing, validation and replies, over an abstract debug target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/gdb/host_io.h"
#include "sim/gdb/packet.h"
#include "sim/gdb/target_desc.h"

namespace helios::sim::gdb {

// Signal numbers as gdb numbers them on the wire (the same as Linux x86 for these).
enum GdbSignal : int {
    kSigNone = 0,
    kSigInt = 2,
    kSigIll = 4,
    kSigTrap = 5,
    kSigKill = 9,
    kSigBus = 10,
    kSigSegv = 11,
    kSigFpe = 8,
};

struct ThreadInfo {
    uint32_t id = 0;    // gdb thread id (never 0)
    uint32_t process = 0;  // its process (address space) in the multiprocess view (never 0)
    std::string name;   // program name
    std::string extra;  // qThreadExtraInfo text (state)
};

// Z/z types.
enum class PointType : uint8_t { SwBreak = 0, HwBreak = 1, Write = 2, Read = 3, Access = 4 };

// What the stub's machine side provides. Thread ids are gdb thread ids; the
// protocol layer has already checked they name live threads. A process is an
// address space: its id is what the multiprocess view calls the pid.
class Target {
public:
    virtual ~Target() = default;
    virtual std::vector<ThreadInfo> threads() = 0;
    virtual bool thread_alive(uint32_t tid) = 0;
    // The process thread tid runs in (0 when there is no such thread).
    virtual uint32_t process_of(uint32_t tid) = 0;
    virtual bool read_registers(uint32_t tid, RegisterFile& regs) = 0;
    virtual bool write_registers(uint32_t tid, const RegisterFile& regs) = 0;
    // Reads or writes up to len bytes in the address space of thread tid;
    // returns how many bytes, from addr on, were transferred.
    virtual size_t read_memory(uint32_t tid, uint64_t addr, uint8_t* buf, size_t len) = 0;
    virtual size_t write_memory(uint32_t tid, uint64_t addr, const uint8_t* buf, size_t len) = 0;
    // 0: done; > 0: an errno-style error; -1: this type is not supported.
    // `process` is the process gdb selected in the multiprocess view (the
    // point belongs to its program; tid is then 0 when it has no live
    // thread left), 0 otherwise (the program follows tid).
    virtual int insert_point(uint32_t tid, uint32_t process, PointType type, uint64_t addr, uint64_t kind) = 0;
    virtual int remove_point(uint32_t tid, uint32_t process, PointType type, uint64_t addr, uint64_t kind) = 0;
    // Path of the ELF thread tid runs ("" when unknown), or with
    // by_process, the ELF of process `id`. gdb opens it with vFile (file()).
    virtual std::string exec_file(uint32_t id, bool by_process = false) = 0;
    // The contents of a file exec_file() named, for vFile; null for any other path.
    virtual std::shared_ptr<const std::string> file(std::string_view path) = 0;
    // `monitor CMD`: the text to print.
    virtual std::string monitor(std::string_view command) = 0;
};

// One resume action from vCont (or c/s/C/S): thread -1 means every thread
// without an action of its own.
struct ResumeAction {
    bool step = false;
    int signal = 0;
    int64_t thread = -1;
};

// Why the target stopped, as a T/S/W/X stop reply says it.
struct StopReply {
    enum class Kind : uint8_t { Signal, Exited, Killed } kind = Kind::Signal;
    int signal = kSigTrap;  // Signal: the signal; Killed: the terminating signal
    int exit_code = 0;      // Exited
    uint32_t thread = 0;    // Signal: the thread that stopped
    // Multiprocess view: the thread's process (thread ids become pPID.TID;
    // W/X name it); 0: plain thread ids.
    uint32_t process = 0;
    // ReplayEnd: the end of what a replay can reproduce (a divergence):
    // gdb says "No more reverse-execution history".
    enum class Reason : uint8_t { None, SwBreak, Watch, RWatch, AWatch, Exec, ReplayEnd } reason = Reason::None;
    uint64_t data_addr = 0;  // Watch/RWatch/AWatch
    std::string exec_path;   // Exec: the program the process now runs (a new address space)
};

std::string format_stop_reply(const StopReply& stop);

// The result of one packet.
struct Outcome {
    enum class Kind : uint8_t {
        Reply,   // send `reply`
        Resume,  // resume with `actions`; the reply is the next stop reply
        Detach,  // send `reply` (OK), then let the system run on without the debugger
        Kill,    // send `reply` when not empty, then end the simulation
        // send `reply`, and end the simulation when gdb next resumes or
        // leaves (vKill;PID: gdb kills its inferiors one by one)
        KillLater,
    } kind = Kind::Reply;
    std::string reply;
    std::vector<ResumeAction> actions;
};

// Protocol state of one gdb connection: no-ack mode, the selected threads,
// the stop being reported. Every packet gets an answer; malformed ones get
// an Exx error, unknown ones the empty reply, and nothing a client sends can
// make it read or allocate beyond fixed bounds.
class Session {
public:
    // Largest memory transfer per m/x/M/X packet (gdb splits larger ones;
    // longer m/x requests get a shorter reply, as the protocol allows).
    static constexpr size_t kMaxMemory = 0x1000;

    Session(Target& target, bool started_by_gdb)
        : target_(target), started_by_gdb_(started_by_gdb), host_io_([&target](std::string_view path) {
              return target.file(path);
          }) {}

    Outcome handle(std::string_view packet);

    bool no_ack() const { return no_ack_; }
    // The stop the target is in now (for `?`); also selects its thread.
    void set_stop(const StopReply& stop);
    const StopReply& stop() const { return stop_; }
    // Threads chosen by Hg (registers, memory, breakpoints) and Hc.
    uint32_t general_thread() const { return general_; }
    // The multiprocess view: gdb offered multiprocess+ and chose extended
    // mode ("!"), so every address space is a process (an inferior). Plain
    // `target remote` keeps one inferior, whatever gdb offered.
    bool processes() const { return multiprocess_ && extended_; }
    // New processes can be announced to gdb as exec events (it offered them).
    bool announces_processes() const { return processes() && exec_events_; }
    // Plain `target remote` after gdb negotiated multiprocess ids: the whole
    // system is one process with this pid (gdb shows threads as "1.TID").
    static constexpr uint32_t kWholeSystem = 1;
    // A stop reply as this connection writes it (pPID.TID in the multiprocess
    // view). An exit (W/X) with `process` set is that one process's.
    std::string format_stop(StopReply stop);
    // A process gdb detached from (D;PID): left out of thread lists until vAttach.
    bool hidden(uint32_t process) const;
    // gdb has heard of this process (in a thread list or a stop reply); a
    // process it has not is announced to it when it first runs. Once gdb has
    // resumed the system, thread lists show known processes only (when gdb
    // takes exec events, announces_processes()): gdb adds
    // an inferior for a new process found in a list at a stop, but then
    // reports the stop as if that process's thread had stopped. A new
    // process reaches gdb in a stop reply of its own instead.
    bool known(uint32_t process) const;
    // gdb was told that process ended: it is no longer known.
    void forget(uint32_t process);

private:
    Outcome reply(std::string text) { return Outcome{Outcome::Kind::Reply, std::move(text), {}}; }
    Outcome handle_query(std::string_view p);
    Outcome handle_xfer(std::string_view p);
    Outcome handle_v(std::string_view p);
    Outcome handle_point(std::string_view p, bool insert);
    Outcome read_memory(std::string_view args, bool binary);
    Outcome write_memory(std::string_view args, bool binary);
    Outcome resume(std::vector<ResumeAction> actions);
    // Parses a thread id: hex, "-1" (all), "0" (any), or "pPID.TID" (pid
    // in `process`, 0 when absent or "any", -1 for "all").
    bool parse_thread(std::string_view text, int64_t& out, int64_t* process = nullptr) const;
    // The thread that `id` (from Hg/Hc) means now: 0/-1 become the stopped
    // thread (in the multiprocess view: a thread of the selected process).
    uint32_t resolve(int64_t id) const;
    // A live thread of `process` (0: none).
    uint32_t thread_of(uint32_t process) const;
    // A thread id as this connection writes it.
    std::string thread_id(uint32_t tid) const;
    std::vector<ThreadInfo> visible_threads();
    std::string thread_list_xml();

    Target& target_;
    bool started_by_gdb_;
    HostIo host_io_;
    bool no_ack_ = false;
    bool multiprocess_ = false;  // gdb offered multiprocess+ (so we offered it too)
    bool extended_ = false;      // "!"
    bool exec_events_ = false;   // gdb offered exec-events+ (new processes are announced as execs)
    std::set<uint32_t> hidden_;  // processes detached with D;PID
    std::set<uint32_t> known_;   // processes gdb has heard of
    bool resumed_ = false;          // gdb has let the system run since it connected
    StopReply stop_{};
    uint32_t general_ = 0;
    uint32_t general_process_ = 0;  // the process Hg selected (multiprocess view)
    int64_t continue_thread_ = -1;
    std::vector<uint32_t> listing_;  // qfThreadInfo/qsThreadInfo in progress
    size_t listing_pos_ = 0;
    std::string xfer_cache_;  // the threads document being read in pieces
};

}  // namespace helios::sim::gdb
