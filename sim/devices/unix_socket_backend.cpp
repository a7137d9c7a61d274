// The Unix-socket character backend: listen, accept, queue, reconnect.
#include "sim/devices/unix_socket_backend.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include "sim/devices/device_log.h"

namespace helios::sim {

UnixSocketBackend::UnixSocketBackend(UniqueFd listener, std::string path)
    : listener_(std::move(listener)), path_(std::move(path))
{
}

std::unique_ptr<UnixSocketBackend> UnixSocketBackend::open(const std::string& path,
                                                           std::string& error)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) {
        error = fmt::format("unix socket path '{}' must have 1 to {} characters", path,
                            sizeof addr.sun_path - 1);
        return nullptr;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

    struct stat st{};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            error = fmt::format("cannot listen on '{}': it exists and is not a socket", path);
            return nullptr;
        }
        // A socket file outlives its listener; one left by an earlier run
        // would make bind() fail with EADDRINUSE.
        ::unlink(path.c_str());
    }

    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener.valid()) {
        error = fmt::format("cannot create a unix socket: {}", errno_text(errno));
        return nullptr;
    }
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        error = fmt::format("cannot bind unix socket '{}': {}", path, errno_text(errno));
        return nullptr;
    }
    if (::listen(listener.get(), 4) != 0) {
        error = fmt::format("cannot listen on unix socket '{}': {}", path, errno_text(errno));
        ::unlink(path.c_str());
        return nullptr;
    }
    device_log().info("unix:{}: waiting for a client", path);
    return std::unique_ptr<UnixSocketBackend>(new UnixSocketBackend(std::move(listener), path));
}

UnixSocketBackend::~UnixSocketBackend()
{
    client_.reset();
    listener_.reset();
    ::unlink(path_.c_str());
}

void UnixSocketBackend::try_accept()
{
    if (client_.valid()) {
        return;
    }
    for (;;) {
        const int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            client_.reset(fd);
            device_log().info("unix:{}: client connected", path_);
            return;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;  // a client that gave up before we got to it
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            // EMFILE and the like: try again at the next service().
            device_log().warn("unix:{}: accept: {}", path_, errno_text(errno));
        }
        return;
    }
}

void UnixSocketBackend::drop_client(const char* why)
{
    device_log().info("unix:{}: client {}", path_, why);
    client_.reset();
}

void UnixSocketBackend::flush()
{
    while (client_.valid() && !pending_.empty()) {
        // MSG_NOSIGNAL: a client that vanished must not kill the simulator.
        const ssize_t n = ::send(client_.get(), pending_.front(), pending_.size(),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            pending_.consume(static_cast<size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;  // the client is slow; has_pending_output() asks for POLLOUT
        } else {
            drop_client("disconnected");
            try_accept();
        }
    }
}

void UnixSocketBackend::service()
{
    try_accept();
    flush();
}

void UnixSocketBackend::write(const uint8_t* data, size_t len)
{
    pending_.append(data, len);
    service();
}

size_t UnixSocketBackend::read(uint8_t* buf, size_t max)
{
    service();
    while (client_.valid() && max > 0) {
        const ssize_t n = ::recv(client_.get(), buf, max, MSG_DONTWAIT);
        if (n > 0) {
            return static_cast<size_t>(n);
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        // 0: orderly shutdown; ECONNRESET and friends: gone. Wait for the
        // next client, who may already be in the backlog.
        drop_client(n == 0 ? "disconnected" : "connection lost");
        service();
    }
    return 0;
}

std::string UnixSocketBackend::describe() const
{
    return fmt::format("unix:{} ({})", path_,
                       client_.valid() ? "client connected" : "waiting for a client");
}

}  // namespace helios::sim
