// Helpers for the backend tests.
#include "test_util.h"

#include "sim/devices/char_backend.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace helios::sim::test {

TempDir::TempDir()
{
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/helios-devtest-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    path_ = tmpl;
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

Pipe::Pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    read_end = fds[0];
    write_end = fds[1];
}

Pipe::~Pipe()
{
    if (read_end >= 0) ::close(read_end);
    close_write();
}

void Pipe::close_write()
{
    if (write_end >= 0) {
        ::close(write_end);
        write_end = -1;
    }
}

std::string read_for(int fd, size_t want, int timeout_ms)
{
    std::string got;
    while (got.size() < want) {
        pollfd pfd{fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        char buf[4096];
        const ssize_t n = ::read(fd, buf, std::min(sizeof buf, want - got.size()));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

void write_str(int fd, const std::string& bytes)
{
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(std::string("write: ") + std::strerror(errno));
        done += static_cast<size_t>(n);
    }
}

int connect_unix(const std::string& path)
{
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string read_backend(CharBackend& backend, size_t want, int timeout_ms)
{
    std::string got;
    int waited_ms = 0;
    while (got.size() < want && waited_ms <= timeout_ms) {
        backend.service();
        uint8_t buf[4096];
        const size_t n = backend.read(buf, std::min(sizeof buf, want - got.size()));
        if (n > 0) {
            got.append(reinterpret_cast<const char*>(buf), n);
            continue;
        }
        if (backend.has_buffered_input()) continue;
        const int fd = backend.poll_fd();
        if (fd < 0) break;
        pollfd pfd{fd, POLLIN, 0};
        ::poll(&pfd, 1, 20);
        waited_ms += 20;
    }
    return got;
}

}  // namespace helios::sim::test
