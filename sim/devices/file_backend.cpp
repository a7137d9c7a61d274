// The file-input character backend.
#include "sim/devices/file_backend.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>

#include <fmt/format.h>

#include "sim/devices/device_log.h"
#include "sim/devices/fd_io.h"

namespace helios::sim {

FileBackend::FileBackend(std::string path, std::string input, int out_fd)
    : path_(std::move(path)), input_(std::move(input)), out_(out_fd, "file:" + path_)
{
}

std::unique_ptr<FileBackend> FileBackend::open(const std::string& path, std::string& error,
                                               int out_fd)
{
    // O_NONBLOCK for the open only: a FIFO without a writer must not hang
    // the simulator at start-up (it then reads as empty input).
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid()) {
        error = fmt::format("cannot open UART input file '{}': {}", path, errno_text(errno));
        return nullptr;
    }
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0) {
        (void)::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    }
    std::string input;
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = fmt::format("cannot read UART input file '{}': {}", path, errno_text(errno));
            return nullptr;
        }
        if (input.size() + static_cast<size_t>(n) > kMaxInput) {
            error = fmt::format("UART input file '{}' is larger than {} MiB", path,
                                kMaxInput >> 20);
            return nullptr;
        }
        input.append(chunk, static_cast<size_t>(n));
    }
    return std::unique_ptr<FileBackend>(new FileBackend(path, std::move(input), out_fd));
}

void FileBackend::write(const uint8_t* data, size_t len)
{
    out_.write(data, len);
}

size_t FileBackend::read(uint8_t* buf, size_t max)
{
    const size_t n = std::min(max, remaining());
    if (n > 0) {
        std::memcpy(buf, input_.data() + pos_, n);
        pos_ += n;
    }
    return n;
}

std::string FileBackend::describe() const
{
    return fmt::format("file:{} ({} of {} input bytes read)", path_, pos_, input_.size());
}

}  // namespace helios::sim
