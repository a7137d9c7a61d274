// read_input_file: open without blocking, check the kind and size with fstat, then read with a hard cap.
#include "sim/machine/input_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace helios::sim {

namespace {

const char* kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// Closes the fd on every return path.
struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

HostResult<std::vector<uint8_t>> read_input_file(const std::string& path, uint64_t max_bytes, std::string_view what) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return Status::failure(fmt::format("cannot open {} '{}': {}", what, path, std::strerror(errno)));
    FdCloser closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return Status::failure(fmt::format("cannot stat {} '{}': {}", what, path, std::strerror(errno)));
    if (!S_ISREG(st.st_mode))
        return Status::failure(fmt::format("{} '{}' is {}; it must be a regular file", what, path, kind_of(st.st_mode)));
    if (static_cast<uint64_t>(st.st_size) > max_bytes)
        return Status::failure(fmt::format("{} '{}' is {} bytes, more than the limit of {} bytes", what, path,
                                           st.st_size, max_bytes));
    std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
    size_t got = 0;
    for (;;) {
        // Read past the size fstat saw, to notice a file that grew (up to
        // one byte past the cap, which is enough to refuse it).
        if (got == bytes.size()) bytes.resize(got + std::min<uint64_t>(max_bytes + 1 - got, 65536));
        ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Status::failure(fmt::format("cannot read {} '{}': {}", what, path, std::strerror(errno)));
        if (n == 0) break;
        got += static_cast<size_t>(n);
        if (got > max_bytes)
            return Status::failure(fmt::format("{} '{}' grew past the limit of {} bytes while it was read", what,
                                               path, max_bytes));
    }
    bytes.resize(got);
    return bytes;
}

}  // namespace helios::sim
