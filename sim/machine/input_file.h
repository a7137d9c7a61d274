// Reading a whole input file (an image, a scenario) with bounds: a regular file, under a size cap, never blocking.
#pragma once

#include "sim/ptrace/status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace helios::sim {

// The largest initramfs the simulator reads: init's boot copies the whole
// image into guest memory, so anything near this size cannot boot anyway.
constexpr uint64_t kMaxImageBytes = uint64_t{1} << 30;  // 1 GiB
// The largest scenario file (a recording of a long run is a few hundred MB).
constexpr uint64_t kMaxScenarioBytes = uint64_t{1} << 30;  // 1 GiB

// Reads all of `path` into memory. `what` names the file in messages
// ("image", "scenario"). Refuses, with a message naming the path and the
// problem, anything that is not a regular file (a directory, a FIFO, a
// character device such as /dev/zero, a socket) and files larger than
// `max_bytes`. The file is opened O_RDONLY|O_NONBLOCK|O_CLOEXEC, so a FIFO
// is refused at once instead of blocking until a writer appears; reading
// stops at `max_bytes` even if the file grows while it is read.
HostResult<std::vector<uint8_t>> read_input_file(const std::string& path, uint64_t max_bytes, std::string_view what);

}  // namespace helios::sim
