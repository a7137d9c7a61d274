// The "gdb" logger shared by the stub and its transport.
#include "sim/gdb/gdb_log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace helios::sim::gdb {

spdlog::logger& log() {
    // Created once (static init is thread-safe), so two callers can never
    // race to register the same name.
    static std::shared_ptr<spdlog::logger> logger = [] {
        if (auto existing = spdlog::get("gdb")) return existing;
        return spdlog::stderr_color_mt("gdb");
    }();
    return *logger;
}

}  // namespace helios::sim::gdb
