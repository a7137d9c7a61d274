// TraceWriter: names and argument names come from the ABI tables.
#include "sim/machine/trace_writer.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

namespace helios::sim {

namespace {

struct SyscallInfo {
    const char* name;
    unsigned nargs;
    const char* args;  // "(addr, len)"
};

const SyscallInfo* syscall_info(uint64_t nr) {
    static const SyscallInfo table[] = {
#define HELIOS_X_INFO(num, name, nargs, args, doc) {#name, nargs, #args},
        HELIOS_SYSCALLS(HELIOS_X_INFO)
#undef HELIOS_X_INFO
    };
    return nr < sizeof table / sizeof table[0] ? &table[nr] : nullptr;
}

std::vector<std::string> arg_names(const char* args) {
    std::vector<std::string> out;
    std::string cur;
    for (const char* p = args; *p; ++p) {
        if (*p == '(' || *p == ' ') continue;
        if (*p == ',' || *p == ')') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur += *p;
        }
    }
    return out;
}

const char* error_text(uint64_t e) {
    const char* name = helios_error_name(e);
    return name ? name : "?";
}

const char* fault_text(uint64_t k) {
    const char* name = helios_fault_kind_name(k);
    return name ? name : "?";
}

}  // namespace

std::unique_ptr<TraceWriter> TraceWriter::open(const std::string& path, std::string& error, uint64_t limit_bytes) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) {
        error = fmt::format("cannot open trace file '{}': {}", path, std::strerror(errno));
        return nullptr;
    }
    static constexpr std::string_view kHeader = "# helios-sim kernel event trace v2 (docs/trace-format.md)\n";
    std::fwrite(kHeader.data(), 1, kHeader.size(), f);
    return std::unique_ptr<TraceWriter>(new TraceWriter(f, limit_bytes, kHeader.size()));
}

TraceWriter::~TraceWriter() {
    if (file_) std::fclose(file_);
}

std::string TraceWriter::format(uint64_t t, const arch::TraceEvent& e) {
    using arch::TraceKind;
    switch (e.kind) {
        case TraceKind::Syscall: {
            const SyscallInfo* info = syscall_info(e.number);
            std::string s = fmt::format("{:>12} syscall t{} ", t, e.task_id);
            if (!info) {
                s += fmt::format("#{}()", e.number);
            } else {
                s += info->name;
                s += '(';
                auto names = arg_names(info->args);
                for (size_t i = 0; i < names.size() && i < 6; ++i)
                    s += fmt::format("{}{}={:#x}", i ? ", " : "", names[i], e.args[i]);
                s += ')';
            }
            // An invocation of a kernel object: the operation's name.
            if (const char* name = e.invocation ? helios_invocation_row_name(e.invocation - 1u) : nullptr)
                s += fmt::format(" {}", name);
            if (e.status == ~0ull)
                s += " -> blocked";
            else
                s += fmt::format(" -> {} {:#x}", error_text(e.status), e.value);
            return s;
        }
        case TraceKind::Fault:
            return fmt::format("{:>12} fault t{} {} addr={:#x} ip={:#x} access={:#x}", t, e.task_id,
                               fault_text(e.number), e.args[0], e.args[1], e.args[2]);
        case TraceKind::Irq: return fmt::format("{:>12} irq line={} during=t{}", t, e.number, e.task_id);
        case TraceKind::Switch: return fmt::format("{:>12} switch t{} -> t{}", t, e.task_id, e.number);
        case TraceKind::Exit: return fmt::format("{:>12} exit t{} status={}", t, e.task_id, e.number);
        case TraceKind::Log: return fmt::format("{:>12} log", t);
        case TraceKind::Wake:
            return fmt::format("{:>12} wake t{} -> {} {:#x}", t, e.task_id, error_text(e.status), e.value);
        case TraceKind::PortIo:
            if (e.args[3] & kPortIoString) {
                // "outs port=0x3f8 width=1 count=3 data=616263 fnv=0x..."
                uint64_t bytes = e.args[2] * e.args[1];
                std::string data;
                for (uint64_t i = 0; i < bytes && i < 16; ++i)
                    data += fmt::format("{:02x}", static_cast<unsigned>((e.args[4 + i / 8] >> (8 * (i % 8))) & 0xFF));
                if (bytes > 16) data += "+";
                return fmt::format("{:>12} io t{} {} port={:#x} width={} count={}{} data={} fnv={:#018x}", t,
                                   e.task_id, e.args[0] ? "ins" : "outs", e.number, e.args[1], e.args[2],
                                   (e.args[3] & kPortIoDown) ? " df=1" : "", data, e.value);
            }
            return fmt::format("{:>12} io t{} {} port={:#x} width={} value={:#x}", t, e.task_id,
                               e.args[0] ? "in" : "out", e.number, e.args[1], e.value);
    }
    return fmt::format("{:>12} unknown", t);
}

void TraceWriter::write(uint64_t t, const arch::TraceEvent& event) {
    if (truncated_) return;
    std::string line = format(t, event);
    line += '\n';
    if (limit_ != 0 && written_ + line.size() > limit_) {
        truncated_ = true;
        std::string note = fmt::format("# truncated: the trace reached its limit of {} bytes (--trace-limit)\n", limit_);
        std::fwrite(note.data(), 1, note.size(), file_);
        std::fflush(file_);
        return;
    }
    written_ += line.size();
    std::fwrite(line.data(), 1, line.size(), file_);
}

}  // namespace helios::sim
