// PhysicalMemory: the simulated machine's RAM, one memfd mapped whole into the simulator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "sim/ptrace/status.h"

namespace helios::sim {

// Owns a memfd of `size` bytes and a MAP_SHARED mapping of all of it: the
// kernel's direct map. Husks map frames of the same memfd, so a byte written
// through base() is the byte a guest sees at every address mapping that frame
// (0.08 us per 4 KiB against 1.5 us for process_vm_writev).
class PhysicalMemory {
public:
    static constexpr size_t kDefaultSize = 128ull << 20;

    // Creates the memfd (zero-filled) and maps it. size must be a non-zero
    // multiple of the page size. Fails with a message on any syscall error.
    static HostResult<std::unique_ptr<PhysicalMemory>> create(size_t size = kDefaultSize);

    ~PhysicalMemory();
    PhysicalMemory(const PhysicalMemory&) = delete;
    PhysicalMemory& operator=(const PhysicalMemory&) = delete;

    uint8_t* base() const { return base_; }
    size_t size() const { return size_; }
    // The memfd; close-on-exec in the simulator, inherited by husks at a fixed number.
    int fd() const { return fd_; }

    // True when [offset, offset+len) lies inside this memory (overflow-safe).
    bool contains(uint64_t offset, uint64_t len) const { return offset <= size_ && len <= size_ - offset; }

private:
    PhysicalMemory(int fd, uint8_t* base, size_t size) : fd_(fd), base_(base), size_(size) {}
    int fd_;
    uint8_t* base_;
    size_t size_;
};

}  // namespace helios::sim
