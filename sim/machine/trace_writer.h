// TraceWriter: the kernel event trace as stable, documented text lines.
#pragma once

#include "arch/arch.h"

#include <cstdio>
#include <memory>
#include <string>

namespace helios::sim {

// A PortIo event for a string instruction (ins/outs, rep or not) sets
// kPortIoString in args[3] (kPortIoDown too when DF was set) and carries
// args[2] = elements transferred, args[4..5] = the first 16 bytes
// (little-endian), value = StringIoDigest::hash of all of them.
constexpr uint64_t kPortIoString = 1, kPortIoDown = 2;

// What a string I/O event says about its data: the first 16 bytes and an
// FNV-1a 64 hash of every byte, so a replay still checks the data without
// one line per byte.
struct StringIoDigest {
    uint64_t head[2] = {0, 0};
    uint64_t hash = 0xcbf29ce484222325ull;
    uint64_t bytes = 0;
    // Adds one element of `width` bytes (the low bytes of v, in port order).
    void add(uint32_t v, unsigned width) {
        for (unsigned i = 0; i < width; ++i, ++bytes) {
            uint8_t b = static_cast<uint8_t>(v >> (8 * i));
            if (bytes < 16) head[bytes / 8] |= static_cast<uint64_t>(b) << (8 * (bytes % 8));
            hash = (hash ^ b) * 0x100000001b3ull;
        }
    }
};

// One line per event: virtual time in ns, event kind, task, details. The
// format is documented in docs/trace-format.md; it never includes wall time,
// host addresses or pids, so two identical runs give identical files.
//
// Bounded: a guest chooses how many events it causes, so once the file
// would pass `limit_bytes` (0: no limit) the writer adds one "# truncated"
// line and drops every later event; truncated() then says so.
class TraceWriter {
public:
    static std::unique_ptr<TraceWriter> open(const std::string& path, std::string& error, uint64_t limit_bytes = 0);
    ~TraceWriter();
    void write(uint64_t vtime_ns, const arch::TraceEvent& event);
    bool truncated() const { return truncated_; }
    // The same line as text (used by tests and the replay checker).
    static std::string format(uint64_t vtime_ns, const arch::TraceEvent& event);

private:
    TraceWriter(FILE* f, uint64_t limit, uint64_t written) : file_(f), limit_(limit), written_(written) {}
    FILE* file_;
    uint64_t limit_;
    uint64_t written_;
    bool truncated_ = false;
};

}  // namespace helios::sim
