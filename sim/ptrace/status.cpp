// Formatting helpers for Status.
#include "sim/ptrace/status.h"

#include <fmt/format.h>

#include <cstring>

namespace helios::sim {

Status errno_failure(std::string_view what, int err) {
    return Status::failure(fmt::format("{}: {}", what, std::strerror(err)));
}

}  // namespace helios::sim
