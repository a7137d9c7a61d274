// The GDB remote protocol's commands: every packet is validated before the target sees it.
#include "sim/gdb/protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "sim/gdb/packet.h"

namespace helios::sim::gdb {

namespace {

// Error replies (errno values, as gdbserver uses them).
constexpr const char* kErrSyntax = "E01";   // malformed packet
constexpr const char* kErrThread = "E02";   // no such thread
constexpr const char* kErrFault = "E0e";    // EFAULT: memory not accessible
constexpr const char* kErrInvalid = "E16";  // EINVAL: well-formed but not possible
constexpr const char* kErrTooBig = "E22";   // too long / out of bounds

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Splits "a<sep>b" at the first sep; false when sep is absent.
bool split(std::string_view s, char sep, std::string_view& a, std::string_view& b) {
    size_t at = s.find(sep);
    if (at == std::string_view::npos) return false;
    a = s.substr(0, at);
    b = s.substr(at + 1);
    return true;
}

// "ADDR,LEN" into numbers.
bool parse_addr_len(std::string_view s, uint64_t& addr, uint64_t& len) {
    std::string_view a, l;
    return split(s, ',', a, l) && parse_hex(a, addr) && parse_hex(l, len);
}

// A signal number: exactly two hex digits per the protocol; accept 1-2.
bool parse_signal(std::string_view s, int& sig) {
    uint64_t v = 0;
    if (s.empty() || s.size() > 2 || !parse_hex(s, v)) return false;
    sig = static_cast<int>(v);
    return true;
}

std::string xml_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                out.push_back(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F ? c : '?');
        }
    }
    return out;
}

// A qXfer reply: the slice [offset, offset + length) of doc, 'm' when more follows, 'l' at the end.
std::string xfer_slice(const std::string& doc, uint64_t offset, uint64_t length) {
    if (offset >= doc.size()) return "l";
    // Leave room for escapes in the reply packet.
    length = std::min<uint64_t>(length, (kPacketSize - 16) / 2);
    std::string_view part = std::string_view(doc).substr(offset, length);
    bool last = offset + part.size() >= doc.size();
    // Raw: frame_packet escapes binary data as it frames the reply (escaping
    // here too would send it escaped twice).
    return (last ? "l" : "m") + std::string(part);
}

}  // namespace

std::string format_stop_reply(const StopReply& stop) {
    // In the multiprocess view an exit names its process, as gdb needs once
    // it has several inferiors.
    const std::string process = stop.process ? fmt::format(";process:{:x}", stop.process) : "";
    switch (stop.kind) {
        case StopReply::Kind::Exited: return fmt::format("W{:02x}", stop.exit_code & 0xFF) + process;
        case StopReply::Kind::Killed: return fmt::format("X{:02x}", stop.signal & 0xFF) + process;
        case StopReply::Kind::Signal: break;
    }
    std::string s = fmt::format("T{:02x}", stop.signal & 0xFF);
    switch (stop.reason) {
        case StopReply::Reason::None: break;
        case StopReply::Reason::SwBreak: s += "swbreak:;"; break;
        case StopReply::Reason::Watch: s += fmt::format("watch:{:x};", stop.data_addr); break;
        case StopReply::Reason::RWatch: s += fmt::format("rwatch:{:x};", stop.data_addr); break;
        case StopReply::Reason::AWatch: s += fmt::format("awatch:{:x};", stop.data_addr); break;
        case StopReply::Reason::Exec: s += "exec:" + encode_hex(stop.exec_path) + ";"; break;
        case StopReply::Reason::ReplayEnd: s += "replaylog:end;"; break;
    }
    if (stop.thread && stop.process) {
        s += fmt::format("thread:p{:x}.{:x};", stop.process, stop.thread);
    } else if (stop.thread) {
        s += fmt::format("thread:{:x};", stop.thread);
    }
    return s;
}

std::string Session::format_stop(StopReply stop) {
    const uint32_t original_process = stop.process;
    stop.process = multiprocess_ && (stop.thread || stop.kind != StopReply::Kind::Signal) ? kWholeSystem : 0;
    if (processes()) {
        if (stop.kind == StopReply::Kind::Signal && stop.thread) {
            stop.process = target_.process_of(stop.thread);
            if (stop.process) known_.insert(stop.process);
        } else if (stop.kind != StopReply::Kind::Signal) {
            // One process ended (its pid in `thread`'s place: original.process),
            // or the whole system: gdb hears that for the process it last stopped in.
            stop.process = original_process ? original_process
                                            : (stop_.thread ? target_.process_of(stop_.thread) : 0);
            if (!stop.process) stop.process = general_process_;
        }
    }
    return format_stop_reply(stop);
}

void Session::set_stop(const StopReply& stop) {
    stop_ = stop;
    // As gdbserver does in all-stop mode: after a stop reply, the general
    // thread is the one that stopped (gdb assumes the same).
    if (stop.kind == StopReply::Kind::Signal && stop.thread) {
        general_ = stop.thread;
        general_process_ = target_.process_of(stop.thread);
        // A stop in a process gdb detached from shows it again.
        hidden_.erase(general_process_);
    }
}

bool Session::known(uint32_t process) const {
    return known_.count(process) != 0;
}

void Session::forget(uint32_t process) {
    known_.erase(process);
    hidden_.erase(process);
}

bool Session::hidden(uint32_t process) const {
    return hidden_.count(process) != 0;
}

std::string Session::thread_id(uint32_t tid) const {
    if (!multiprocess_) return hex_number(tid);
    if (!processes()) return fmt::format("p{:x}.{:x}", kWholeSystem, tid);
    return fmt::format("p{:x}.{:x}", target_.process_of(tid), tid);
}

uint32_t Session::thread_of(uint32_t process) const {
    if (!process) return 0;
    for (const ThreadInfo& t : target_.threads())
        if (t.process == process) return t.id;
    return 0;
}

std::vector<ThreadInfo> Session::visible_threads() {
    std::vector<ThreadInfo> out = target_.threads();
    if (processes())
        out.erase(std::remove_if(out.begin(), out.end(),
                                 [this](const ThreadInfo& t) {
                                     return hidden(t.process) ||
                                            (resumed_ && exec_events_ && !known(t.process));
                                 }),
                  out.end());
    // Whatever is listed, gdb now knows (bounded: processes are live address spaces).
    for (const ThreadInfo& t : out) known_.insert(t.process);
    return out;
}

bool Session::parse_thread(std::string_view text, int64_t& out, int64_t* process) const {
    if (process) *process = 0;
    if (starts_with(text, "p")) {  // multiprocess form pPID[.TID]
        std::string_view pid_text, tid;
        if (!split(text.substr(1), '.', pid_text, tid)) {
            pid_text = text.substr(1);
            tid = "-1";  // "pPID" alone: every thread of the process
        }
        int64_t pid = -1;
        uint64_t v = 0;
        if (pid_text != "-1") {
            if (!parse_hex(pid_text, v) || v > 0xFFFFFFFFull) return false;
            pid = static_cast<int64_t>(v);
        }
        if (process) *process = pid;
        text = tid;
    }
    if (text == "-1") {
        out = -1;
        return true;
    }
    uint64_t v = 0;
    if (!parse_hex(text, v) || v > 0xFFFFFFFFull) return false;
    out = static_cast<int64_t>(v);
    return true;
}

uint32_t Session::resolve(int64_t id) const {
    if (id > 0 && target_.thread_alive(static_cast<uint32_t>(id))) {
        auto tid = static_cast<uint32_t>(id);
        if (!processes() || !general_process_ || target_.process_of(tid) == general_process_) return tid;
    }
    // Never a thread of another process: gdb chose the process on purpose
    // (its breakpoints, its memory).
    if (processes() && general_process_) return thread_of(general_process_);
    return stop_.thread;
}

Outcome Session::handle(std::string_view p) {
    if (p.empty()) return reply("");
    const char cmd = p[0];
    std::string_view args = p.substr(1);
    switch (cmd) {
        case '?': return reply(format_stop(stop_));
        case 'q':
        case 'Q': return handle_query(p);
        case 'v': return handle_v(p);
        case 'H': {
            if (args.size() < 2 || (args[0] != 'g' && args[0] != 'c')) return reply(kErrSyntax);
            int64_t id = 0, process = 0;
            if (!parse_thread(args.substr(1), id, &process)) return reply(kErrSyntax);
            if (args[0] == 'g') {
                if (processes() && process > 0) {
                    // gdb selects a process before its breakpoints and memory;
                    // one with no live thread keeps its breakpoints (its program's).
                    general_process_ = static_cast<uint32_t>(process);
                    bool mine = id > 0 && target_.thread_alive(static_cast<uint32_t>(id)) &&
                                target_.process_of(static_cast<uint32_t>(id)) == general_process_;
                    general_ = mine ? static_cast<uint32_t>(id) : thread_of(general_process_);
                    return reply(general_ || id <= 0 ? "OK" : kErrThread);
                }
                if (id > 0 && !target_.thread_alive(static_cast<uint32_t>(id))) return reply(kErrThread);
                general_ = id > 0 ? static_cast<uint32_t>(id) : stop_.thread;
                general_process_ = target_.process_of(general_);
            } else {
                if (id > 0 && !target_.thread_alive(static_cast<uint32_t>(id))) return reply(kErrThread);
                continue_thread_ = id;
            }
            return reply("OK");
        }
        case 'T': {
            int64_t id = 0, process = 0;
            if (!parse_thread(args, id, &process)) return reply(kErrSyntax);
            if (id <= 0) return reply(kErrThread);
            auto tid = static_cast<uint32_t>(id);
            bool alive = target_.thread_alive(tid) &&
                         (process <= 0 || !processes() || target_.process_of(tid) == static_cast<uint32_t>(process));
            return reply(alive ? "OK" : kErrThread);
        }
        case 'g': {
            uint32_t tid = resolve(general_);
            RegisterFile regs;
            if (!args.empty()) return reply(kErrSyntax);
            if (!tid || !target_.read_registers(tid, regs)) return reply(kErrThread);
            return reply(encode_hex(regs.bytes()));
        }
        case 'G': {
            uint32_t tid = resolve(general_);
            std::string raw;
            if (args.size() != 2 * register_file_size() || !decode_hex(args, raw)) return reply(kErrSyntax);
            RegisterFile regs;
            regs.bytes() = raw;
            if (!tid || !target_.write_registers(tid, regs)) return reply(kErrThread);
            return reply("OK");
        }
        case 'p': {
            uint64_t n = 0;
            if (!parse_hex(args, n)) return reply(kErrSyntax);
            if (n >= kRegCount) return reply(kErrInvalid);
            uint32_t tid = resolve(general_);
            RegisterFile regs;
            if (!tid || !target_.read_registers(tid, regs)) return reply(kErrThread);
            auto r = static_cast<unsigned>(n);
            return reply(encode_hex(regs.at(r), register_size(r)));
        }
        case 'P': {
            std::string_view num, val;
            uint64_t n = 0;
            std::string raw;
            if (!split(args, '=', num, val) || !parse_hex(num, n) || !decode_hex(val, raw)) return reply(kErrSyntax);
            if (n >= kRegCount) return reply(kErrInvalid);
            auto r = static_cast<unsigned>(n);
            if (raw.size() != register_size(r)) return reply(kErrSyntax);
            uint32_t tid = resolve(general_);
            RegisterFile regs;
            if (!tid || !target_.read_registers(tid, regs)) return reply(kErrThread);
            std::memcpy(regs.at(r), raw.data(), raw.size());
            if (!target_.write_registers(tid, regs)) return reply(kErrThread);
            return reply("OK");
        }
        case 'm': return read_memory(args, false);
        case 'x': return read_memory(args, true);
        case 'M': return write_memory(args, false);
        case 'X': return write_memory(args, true);
        case 'Z': return handle_point(args, true);
        case 'z': return handle_point(args, false);
        case 'c':
        case 's':
        case 'C':
        case 'S': {
            ResumeAction a;
            a.step = cmd == 's' || cmd == 'S';
            std::string_view rest = args;
            if (cmd == 'C' || cmd == 'S') {
                std::string_view sig = rest, addr;
                rest = split(rest, ';', sig, addr) ? addr : std::string_view();
                if (!parse_signal(sig, a.signal)) return reply(kErrSyntax);
            }
            // Resuming at another address is not supported: gdb writes the pc instead.
            if (!rest.empty()) return reply(kErrInvalid);
            a.thread = resolve(continue_thread_);
            std::vector<ResumeAction> actions{a};
            if (continue_thread_ <= 0 || a.step) actions.push_back(ResumeAction{false, 0, -1});
            return resume(std::move(actions));
        }
        case 'D': {
            int64_t process = 0;
            if (processes() && starts_with(args, ";")) {
                uint64_t v = 0;
                if (!parse_hex(args.substr(1), v) || v == 0 || v > 0xFFFFFFFFull) return reply(kErrSyntax);
                process = static_cast<int64_t>(v);
            } else if (!args.empty() && !starts_with(args, ";")) {
                return reply(kErrSyntax);
            }
            if (process > 0) {
                // One inferior goes: its threads leave gdb's lists. The system
                // runs on without gdb once no process is left to show.
                hidden_.insert(static_cast<uint32_t>(process));
                if (!visible_threads().empty()) return reply("OK");
            }
            return Outcome{Outcome::Kind::Detach, "OK", {}};
        }
        case 'k': return Outcome{Outcome::Kind::Kill, "", {}};
        case '!':
            // Extended mode: with multiprocess, every address space becomes an inferior.
            extended_ = true;
            return reply("OK");
        default: return reply("");
    }
}

Outcome Session::handle_query(std::string_view p) {
    if (starts_with(p, "qSupported")) {
        // gdb's own features: "qSupported:multiprocess+;swbreak+;...".
        std::string_view offered = p.size() > std::strlen("qSupported") ? p.substr(std::strlen("qSupported:")) : "";
        auto gdb_offers = [&](std::string_view feature) {
            for (std::string_view rest = offered; !rest.empty();) {
                size_t end = rest.find(';');
                if (rest.substr(0, end) == feature) return true;
                rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
            }
            return false;
        };
        multiprocess_ = gdb_offers("multiprocess+");
        exec_events_ = gdb_offers("exec-events+");
        // A new address space is reported as an exec event (gdb then loads
        // its program and inserts its breakpoints, and goes on by itself).
        return reply(fmt::format(
            "PacketSize={:x};QStartNoAckMode+;qXfer:features:read+;qXfer:threads:read+;qXfer:exec-file:read+;"
            "swbreak+;hwbreak+;vContSupported+{}{}",
            kPacketSize, multiprocess_ ? ";multiprocess+" : "", exec_events_ ? ";exec-events+" : ""));
    }
    if (p == "QStartNoAckMode") {
        no_ack_ = true;
        return reply("OK");
    }
    if (p == "qAttached" || starts_with(p, "qAttached:")) return reply(started_by_gdb_ ? "0" : "1");
    if (p == "qC") return reply("QC" + thread_id(resolve(general_)));
    if (p == "qfThreadInfo") {
        listing_.clear();
        for (const ThreadInfo& t : visible_threads()) listing_.push_back(t.id);
        listing_pos_ = 0;
        p = "qsThreadInfo";
    }
    if (p == "qsThreadInfo") {
        if (listing_pos_ >= listing_.size()) return reply("l");
        std::string out = "m";
        for (size_t n = 0; listing_pos_ < listing_.size() && n < 256; ++n, ++listing_pos_) {
            if (n) out += ',';
            out += thread_id(listing_[listing_pos_]);
        }
        return reply(out);
    }
    if (starts_with(p, "qThreadExtraInfo,")) {
        int64_t id = 0;
        if (!parse_thread(p.substr(std::strlen("qThreadExtraInfo,")), id) || id <= 0) return reply(kErrSyntax);
        for (const ThreadInfo& t : target_.threads()) {
            if (t.id != id) continue;
            std::string text = t.name;
            if (!t.extra.empty()) text += (text.empty() ? "" : ", ") + t.extra;
            return reply(encode_hex(text));
        }
        return reply(kErrThread);
    }
    if (starts_with(p, "qXfer:")) return handle_xfer(p);
    if (starts_with(p, "qRcmd,")) {
        std::string command;
        if (!decode_hex(p.substr(std::strlen("qRcmd,")), command)) return reply(kErrSyntax);
        std::string out = target_.monitor(command);
        if (out.empty()) return reply("OK");
        // Output longer than a packet is cut (monitor commands print little).
        if (out.size() > kPacketSize / 2 - 8) out.resize(kPacketSize / 2 - 8);
        return reply(encode_hex(out));
    }
    if (p == "qOffsets") return reply("Text=0;Data=0;Bss=0");
    if (starts_with(p, "qSymbol")) return reply("OK");
    return reply("");
}

Outcome Session::handle_xfer(std::string_view p) {
    // qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH
    std::string_view rest = p.substr(std::strlen("qXfer:"));
    std::string_view object, op, annex, range;
    if (!split(rest, ':', object, rest) || !split(rest, ':', op, rest) || !split(rest, ':', annex, range))
        return reply(kErrSyntax);
    uint64_t offset = 0, length = 0;
    if (!parse_addr_len(range, offset, length)) return reply(kErrSyntax);
    if (op != "read") return reply("");
    if (object == "features") {
        if (annex != "target.xml") return reply(kErrInvalid);
        return reply(xfer_slice(target_xml(), offset, length));
    }
    if (object == "threads") {
        if (!annex.empty()) return reply(kErrInvalid);
        // The document is built at offset 0 and read in pieces from the copy.
        if (offset == 0 || xfer_cache_.empty()) xfer_cache_ = thread_list_xml();
        return reply(xfer_slice(xfer_cache_, offset, length));
    }
    if (object == "exec-file") {
        // The annex names a process (multiprocess); without one, the selected thread's.
        uint64_t process = 0;
        if (!annex.empty() && !parse_hex(annex, process)) return reply(kErrSyntax);
        std::string path;
        if (processes() && process > 0 && process <= 0xFFFFFFFFull) {
            path = target_.exec_file(static_cast<uint32_t>(process), true);
        } else {
            uint32_t tid = resolve(general_);
            path = tid ? target_.exec_file(tid) : std::string();
        }
        if (path.empty()) return reply(kErrInvalid);
        return reply(xfer_slice(path, offset, length));
    }
    return reply("");
}

std::string Session::thread_list_xml() {
    std::string s = "<?xml version=\"1.0\"?>\n<threads>\n";
    for (const ThreadInfo& t : visible_threads()) {
        s += fmt::format("<thread id=\"{}\" core=\"0\" name=\"{}\">{}</thread>\n", thread_id(t.id), xml_escape(t.name),
                         xml_escape(t.extra));
    }
    s += "</threads>\n";
    return s;
}

Outcome Session::handle_v(std::string_view p) {
    if (p == "vCont?") return reply("vCont;c;C;s;S");
    if (starts_with(p, "vCont;")) {
        std::vector<ResumeAction> actions;
        std::string_view rest = p.substr(std::strlen("vCont"));
        while (!rest.empty()) {
            if (rest[0] != ';' || actions.size() >= 64) return reply(kErrSyntax);
            rest.remove_prefix(1);
            size_t end = rest.find(';');
            std::string_view item = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
            std::string_view action = item, thread;
            if (!split(item, ':', action, thread)) thread = {};
            ResumeAction a;
            if (action.empty()) return reply(kErrSyntax);
            switch (action[0]) {
                case 'c':
                case 's':
                    if (action.size() != 1) return reply(kErrSyntax);
                    break;
                case 'C':
                case 'S':
                    if (!parse_signal(action.substr(1), a.signal)) return reply(kErrSyntax);
                    break;
                default: return reply(kErrSyntax);  // t, r: not offered
            }
            a.step = action[0] == 's' || action[0] == 'S';
            if (!thread.empty()) {
                int64_t process = 0;
                if (!parse_thread(thread, a.thread, &process)) return reply(kErrSyntax);
                // pPID.0: any thread of that process; pPID.-1: all threads (every one runs anyway).
                if (a.thread == 0 && process > 0 && processes()) a.thread = thread_of(static_cast<uint32_t>(process));
                if (a.thread == 0) a.thread = stop_.thread;
                if (a.thread > 0 && !target_.thread_alive(static_cast<uint32_t>(a.thread))) return reply(kErrThread);
            }
            actions.push_back(a);
        }
        if (actions.empty()) return reply(kErrSyntax);
        return resume(std::move(actions));
    }
    if (starts_with(p, "vKill")) {
        // Every process is part of one machine: killing one ends the run. In
        // the multiprocess view gdb kills its inferiors one by one, so the
        // connection stays for the others and the run ends when gdb resumes
        // or leaves.
        return Outcome{processes() ? Outcome::Kind::KillLater : Outcome::Kind::Kill, "OK", {}};
    }
    if (starts_with(p, "vAttach;")) {
        // Every address space is already under the stub: attaching shows a
        // process gdb detached from (or has not seen) again, stopped.
        uint64_t process = 0;
        if (!parse_hex(p.substr(std::strlen("vAttach;")), process) || process > 0xFFFFFFFFull)
            return reply(kErrSyntax);
        uint32_t tid = thread_of(static_cast<uint32_t>(process));
        if (!processes() || !tid) return reply(kErrThread);
        hidden_.erase(static_cast<uint32_t>(process));
        known_.insert(static_cast<uint32_t>(process));
        StopReply stop = stop_;
        stop.kind = StopReply::Kind::Signal;
        stop.signal = kSigTrap;
        stop.thread = tid;
        stop.reason = StopReply::Reason::None;
        set_stop(stop);
        return reply(format_stop(stop));
    }
    // Starting a program afresh is not possible: the system runs as one machine.
    if (starts_with(p, "vRun")) return reply(kErrInvalid);
    if (starts_with(p, "vFile:")) return reply(host_io_.handle(p));
    if (p == "vMustReplyEmpty") return reply("");
    return reply("");
}

Outcome Session::resume(std::vector<ResumeAction> actions) {
    resumed_ = true;
    listing_.clear();
    xfer_cache_.clear();
    return Outcome{Outcome::Kind::Resume, "", std::move(actions)};
}

Outcome Session::read_memory(std::string_view args, bool binary) {
    uint64_t addr = 0, len = 0;
    if (!parse_addr_len(args, addr, len)) return reply(kErrSyntax);
    if (len == 0) return reply(binary ? "b" : "");
    len = std::min<uint64_t>(len, kMaxMemory);
    if (addr + len < addr) len = 0 - addr;  // wraps: stop at the top of the address space
    uint32_t tid = resolve(general_);
    if (!tid) return reply(kErrThread);
    uint8_t buf[kMaxMemory];
    size_t got = target_.read_memory(tid, addr, buf, len);
    if (got == 0) return reply(kErrFault);
    if (binary) return reply("b" + std::string(reinterpret_cast<char*>(buf), got));  // frame_packet escapes it
    return reply(encode_hex(buf, got));
}

Outcome Session::write_memory(std::string_view args, bool binary) {
    std::string_view range, data;
    uint64_t addr = 0, len = 0;
    if (!split(args, ':', range, data) || !parse_addr_len(range, addr, len)) return reply(kErrSyntax);
    if (len > kMaxMemory) return reply(kErrTooBig);
    std::string bytes;
    if (binary ? !unescape_binary(data, bytes) : !decode_hex(data, bytes)) return reply(kErrSyntax);
    if (bytes.size() != len) return reply(kErrSyntax);
    if (len == 0) return reply("OK");
    if (addr + len < addr) return reply(kErrFault);
    uint32_t tid = resolve(general_);
    if (!tid) return reply(kErrThread);
    size_t put = target_.write_memory(tid, addr, reinterpret_cast<const uint8_t*>(bytes.data()), len);
    return reply(put == len ? "OK" : kErrFault);
}

Outcome Session::handle_point(std::string_view args, bool insert) {
    // TYPE,ADDR,KIND[;cond_list...]: conditions are not evaluated here (not offered).
    std::string_view type_text, rest, addr_text, kind_text;
    if (!split(args, ',', type_text, rest) || !split(rest, ',', addr_text, kind_text)) return reply(kErrSyntax);
    size_t semi = kind_text.find(';');
    if (semi != std::string_view::npos) kind_text = kind_text.substr(0, semi);
    uint64_t type = 0, addr = 0, kind = 0;
    if (!parse_hex(type_text, type) || !parse_hex(addr_text, addr) || !parse_hex(kind_text, kind))
        return reply(kErrSyntax);
    if (type > 4) return reply("");
    uint32_t tid = resolve(general_);
    uint32_t process = processes() ? (tid ? target_.process_of(tid) : general_process_) : 0;
    if (!tid && !process) return reply(kErrThread);
    auto t = static_cast<PointType>(type);
    int r = insert ? target_.insert_point(tid, process, t, addr, kind)
                   : target_.remove_point(tid, process, t, addr, kind);
    if (r < 0) return reply("");
    if (r > 0) return reply(fmt::format("E{:02x}", r & 0xFF));
    return reply("OK");
}

}  // namespace helios::sim::gdb
