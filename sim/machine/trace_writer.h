// TraceWriter: the kernel event trace as stable, documented text lines.
#pragma once

#include "arch/arch.h"

#include <cstdio>
#include <memory>
#include <string>

namespace helios::sim {

// One line per event: virtual time in ns, event kind, task, details. The
// format is documented in docs/trace-format.md; it never includes wall time,
// host addresses or pids, so two identical runs give identical files.
class TraceWriter {
public:
    static std::unique_ptr<TraceWriter> open(const std::string& path, std::string& error);
    ~TraceWriter();
    void write(uint64_t vtime_ns, const arch::TraceEvent& event);
    // The same line as text (used by tests and the replay checker).
    static std::string format(uint64_t vtime_ns, const arch::TraceEvent& event);

private:
    explicit TraceWriter(FILE* f) : file_(f) {}
    FILE* file_;
};

}  // namespace helios::sim
