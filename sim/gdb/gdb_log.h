// The "gdb" logger shared by the stub and its transport.
#pragma once

#include <spdlog/logger.h>

namespace helios::sim::gdb {

// The logger named "gdb" (stderr), created on first use. Its level follows
// --log; refusals and dropped clients are warnings, so they show by default.
spdlog::logger& log();

}  // namespace helios::sim::gdb
