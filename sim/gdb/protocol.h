// The GDB remote protocol's commands: parsing, validation and replies, over an abstract debug target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
    std::string name;   // program name
    std::string extra;  // qThreadExtraInfo text (state)
};

// Z/z types.
enum class PointType : uint8_t { SwBreak = 0, HwBreak = 1, Write = 2, Read = 3, Access = 4 };

// What the stub's machine side provides. Thread ids are gdb thread ids; the
// protocol layer has already checked they name live threads.
class Target {
public:
    virtual ~Target() = default;
    virtual std::vector<ThreadInfo> threads() = 0;
    virtual bool thread_alive(uint32_t tid) = 0;
    virtual bool read_registers(uint32_t tid, RegisterFile& regs) = 0;
    virtual bool write_registers(uint32_t tid, const RegisterFile& regs) = 0;
    // Reads or writes up to len bytes in the address space of thread tid;
    // returns how many bytes, from addr on, were transferred.
    virtual size_t read_memory(uint32_t tid, uint64_t addr, uint8_t* buf, size_t len) = 0;
    virtual size_t write_memory(uint32_t tid, uint64_t addr, const uint8_t* buf, size_t len) = 0;
    // 0: done; > 0: an errno-style error; -1: this type is not supported.
    virtual int insert_point(uint32_t tid, PointType type, uint64_t addr, uint64_t kind) = 0;
    virtual int remove_point(uint32_t tid, PointType type, uint64_t addr, uint64_t kind) = 0;
    // Host path of the ELF thread tid runs ("" when unknown).
    virtual std::string exec_file(uint32_t tid) = 0;
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
    enum class Reason : uint8_t { None, SwBreak, Watch, RWatch, AWatch } reason = Reason::None;
    uint64_t data_addr = 0;  // Watch/RWatch/AWatch
};

std::string format_stop_reply(const StopReply& stop);

// The result of one packet.
struct Outcome {
    enum class Kind : uint8_t {
        Reply,   // send `reply`
        Resume,  // resume with `actions`; the reply is the next stop reply
        Detach,  // send `reply` (OK), then let the system run on without the debugger
        Kill,    // send `reply` when not empty, then end the simulation
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

    Session(Target& target, bool started_by_gdb) : target_(target), started_by_gdb_(started_by_gdb) {}

    Outcome handle(std::string_view packet);

    bool no_ack() const { return no_ack_; }
    // The stop the target is in now (for `?`); also selects its thread.
    void set_stop(const StopReply& stop);
    const StopReply& stop() const { return stop_; }
    // Threads chosen by Hg (registers, memory, breakpoints) and Hc.
    uint32_t general_thread() const { return general_; }

private:
    Outcome reply(std::string text) { return Outcome{Outcome::Kind::Reply, std::move(text), {}}; }
    Outcome handle_query(std::string_view p);
    Outcome handle_xfer(std::string_view p);
    Outcome handle_v(std::string_view p);
    Outcome handle_point(std::string_view p, bool insert);
    Outcome read_memory(std::string_view args, bool binary);
    Outcome write_memory(std::string_view args, bool binary);
    Outcome resume(std::vector<ResumeAction> actions);
    // Parses a thread id: hex, "-1" (all), "0" (any), or "pPID.TID".
    bool parse_thread(std::string_view text, int64_t& out) const;
    // The thread that `id` (from Hg/Hc) means now: 0/-1 become the stopped thread.
    uint32_t resolve(int64_t id) const;
    std::string thread_list_xml();

    Target& target_;
    bool started_by_gdb_;
    bool no_ack_ = false;
    StopReply stop_{};
    uint32_t general_ = 0;
    int64_t continue_thread_ = -1;
    std::vector<uint32_t> listing_;  // qfThreadInfo/qsThreadInfo in progress
    size_t listing_pos_ = 0;
    std::string xfer_cache_;  // the threads document being read in pieces
};

}  // namespace helios::sim::gdb
