// PhysicalMemory: memfd creation and the simulator's direct map of it.
#include "sim/ptrace/physical_memory.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

namespace helios::sim {

HostResult<std::unique_ptr<PhysicalMemory>> PhysicalMemory::create(size_t size) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    if (size == 0 || size % page != 0) {
        return Status::failure(
            fmt::format("physical memory size {:#x} is not a non-zero multiple of {:#x}", size, page));
    }

    // MFD_CLOEXEC: only husks get the fd, through an explicit dup2 at spawn.
    int fd = memfd_create("helios-physmem", MFD_CLOEXEC);
    if (fd < 0) return errno_failure("memfd_create(helios-physmem)");
    if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
        Status st = errno_failure(fmt::format("ftruncate(physmem, {:#x})", size));
        close(fd);
        return st;
    }
    void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        Status st = errno_failure(fmt::format("mmap(physmem, {:#x})", size));
        close(fd);
        return st;
    }
    return std::unique_ptr<PhysicalMemory>(new PhysicalMemory(fd, static_cast<uint8_t*>(base), size));
}

PhysicalMemory::~PhysicalMemory() {
    munmap(base_, size_);
    close(fd_);
}

}  // namespace helios::sim
