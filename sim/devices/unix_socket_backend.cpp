// The Unix-socket character backend: listen, accept, queue, reconnect.
#include "sim/devices/unix_socket_backend.h"

#include <cerrno>
#include <cstring>
#include <utility>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include "sim/devices/device_log.h"

namespace helios::sim {

namespace {

// What connecting to an existing socket file says about it.
enum class Probe : uint8_t { Answered, Stale, Unknown };

Probe probe_socket(const sockaddr_un& addr, int& err)
{
    // Non-blocking, so a listener whose backlog is full (EAGAIN) cannot
    // stall the simulator's start: it answered all the same.
    UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s.valid()) {
        err = errno;
        return Probe::Unknown;
    }
    if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
        return Probe::Answered;
    }
    err = errno;
    switch (err) {
    case EAGAIN:
    case EINPROGRESS:
    case EPROTOTYPE:  // bound by a live socket of another type
        return Probe::Answered;
    case ECONNREFUSED:  // the file outlived the process that bound it
        return Probe::Stale;
    default:
        return Probe::Unknown;
    }
}

bool same_file(const struct stat& a, const struct stat& b)
{
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

std::optional<UnixListener> UnixListener::open(const std::string& path, int backlog, bool nonblocking,
                                               std::string& error)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) {
        error = fmt::format("unix socket path '{}' must have 1 to {} characters", path,
                            sizeof addr.sun_path - 1);
        return std::nullopt;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

    struct stat found{};
    if (::lstat(path.c_str(), &found) == 0) {
        if (S_ISLNK(found.st_mode)) {
            error = fmt::format("cannot listen on '{}': it is a symbolic link, which is never followed "
                                "(remove it or choose another path)", path);
            return std::nullopt;
        }
        if (!S_ISSOCK(found.st_mode)) {
            error = fmt::format("cannot listen on '{}': it exists and is not a socket", path);
            return std::nullopt;
        }
        int err = 0;
        switch (probe_socket(addr, err)) {
        case Probe::Answered:
            error = fmt::format("cannot listen on '{}': another process is listening on {}", path, path);
            return std::nullopt;
        case Probe::Unknown:
            error = fmt::format("cannot listen on '{}': a socket is there and connecting to it to see "
                                "whether it is in use failed: {}", path, errno_text(err));
            return std::nullopt;
        case Probe::Stale: {
            // Remove the dead socket only if it is still the file we probed.
            struct stat again{};
            if (::lstat(path.c_str(), &again) == 0 && same_file(found, again) &&
                ::unlink(path.c_str()) != 0 && errno != ENOENT) {
                error = fmt::format("cannot remove the stale socket '{}': {}", path, errno_text(errno));
                return std::nullopt;
            }
            break;
        }
        }
    } else if (errno != ENOENT) {
        error = fmt::format("cannot listen on '{}': {}", path, errno_text(errno));
        return std::nullopt;
    }

    const int flags = SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
    UniqueFd fd(::socket(AF_UNIX, flags, 0));
    if (!fd.valid()) {
        error = fmt::format("cannot create a unix socket: {}", errno_text(errno));
        return std::nullopt;
    }
    // The file's mode decides who may connect; bind() takes it from the
    // umask, and no file can be made private after the fact without a race.
    const mode_t old_mask = ::umask(0077);
    const int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    const int bind_errno = errno;
    ::umask(old_mask);
    if (bound != 0) {
        // bind() never follows a symlink or replaces a file: EADDRINUSE
        // means something appeared at PATH since it was checked.
        error = fmt::format("cannot bind unix socket '{}': {}", path, errno_text(bind_errno));
        return std::nullopt;
    }
    struct stat mine{};
    if (::lstat(path.c_str(), &mine) != 0 || !S_ISSOCK(mine.st_mode)) {
        error = fmt::format("unix socket '{}' vanished right after bind", path);
        return std::nullopt;
    }
    UnixListener listener(std::move(fd), path, mine.st_dev, mine.st_ino);
    if (::listen(listener.fd(), backlog) != 0) {
        error = fmt::format("cannot listen on unix socket '{}': {}", path, errno_text(errno));
        return std::nullopt;  // the destructor removes the file
    }
    return listener;
}

UnixListener::UnixListener(UniqueFd fd, std::string path, dev_t dev, ino_t ino)
    : fd_(std::move(fd)), path_(std::move(path)), dev_(dev), ino_(ino)
{
}

UnixListener::UnixListener(UnixListener&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::exchange(other.path_, {})), dev_(other.dev_), ino_(other.ino_)
{
}

UnixListener& UnixListener::operator=(UnixListener&& other) noexcept
{
    if (this != &other) {
        remove_if_ours();
        fd_ = std::move(other.fd_);
        path_ = std::exchange(other.path_, {});
        dev_ = other.dev_;
        ino_ = other.ino_;
    }
    return *this;
}

UnixListener::~UnixListener()
{
    remove_if_ours();
}

void UnixListener::remove_if_ours()
{
    fd_.reset();
    if (path_.empty()) {
        return;
    }
    struct stat st{};
    if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev_ && st.st_ino == ino_) {
        ::unlink(path_.c_str());
    }
    path_.clear();
}

UnixSocketBackend::UnixSocketBackend(UnixListener listener)
    : listener_(std::move(listener))
{
}

std::unique_ptr<UnixSocketBackend> UnixSocketBackend::open(const std::string& path,
                                                           std::string& error)
{
    auto listener = UnixListener::open(path, 4, true, error);
    if (!listener) {
        return nullptr;
    }
    device_log().info("unix:{}: waiting for a client", path);
    return std::unique_ptr<UnixSocketBackend>(new UnixSocketBackend(std::move(*listener)));
}

UnixSocketBackend::~UnixSocketBackend()
{
    client_.reset();
}

void UnixSocketBackend::try_accept()
{
    if (client_.valid()) {
        return;
    }
    for (;;) {
        const int fd = ::accept4(listener_.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            client_.reset(fd);
            device_log().info("unix:{}: client connected", path());
            return;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;  // a client that gave up before we got to it
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            // EMFILE and the like: try again at the next service().
            device_log().warn("unix:{}: accept: {}", path(), errno_text(errno));
        }
        return;
    }
}

void UnixSocketBackend::drop_client(const char* why)
{
    device_log().info("unix:{}: client {}", path(), why);
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
    return fmt::format("unix:{} ({})", path(),
                       client_.valid() ? "client connected" : "waiting for a client");
}

}  // namespace helios::sim
