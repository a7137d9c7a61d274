// The host-memory bound on the simulated machine's RAM.
#include "sim/machine/host_memory.h"

#include <fmt/format.h>
#include <unistd.h>

namespace helios::sim {

uint64_t host_physical_memory() {
    long pages = ::sysconf(_SC_PHYS_PAGES);
    long page_size = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return 0;
    return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

Status check_guest_memory(uint64_t bytes, const char* what) {
    constexpr uint64_t kMin = uint64_t{4} << 20;
    constexpr uint64_t kPage = 4096;
    if (bytes < kMin || bytes % kPage)
        return Status::failure(fmt::format("{}: the machine's memory must be a multiple of 4 KiB and at least 4 MiB "
                                           "(got {} bytes)", what, bytes));
    uint64_t host = host_physical_memory();
    if (host != 0 && bytes > host)
        return Status::failure(fmt::format("{}: {} MiB is more than this host's {} MiB of physical memory; the "
                                           "simulated RAM must fit in the host's", what, bytes >> 20, host >> 20));
    return Status::success();
}

}  // namespace helios::sim
