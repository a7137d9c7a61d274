// The GDB stub's transport: TCP or unix-domain listening socket, one client.
#include "sim/gdb/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace helios::sim::gdb {

namespace {

bool wait_fd(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    for (;;) {
        int r = ::poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        return r > 0;
    }
}

}  // namespace

Result<std::unique_ptr<Server>> Server::listen(const std::string& spec) {
    std::unique_ptr<Server> s(new Server());
    if (spec.rfind("unix:", 0) == 0) {
        std::string path = spec.substr(5);
        sockaddr_un addr{};
        if (path.empty() || path.size() >= sizeof addr.sun_path) {
            return Status::failure(fmt::format("--gdb {}: the socket path is empty or longer than {} bytes", spec,
                                               sizeof addr.sun_path - 1));
        }
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0) {
            if (!S_ISSOCK(st.st_mode))
                return Status::failure(fmt::format("--gdb {}: {} exists and is not a socket", spec, path));
            ::unlink(path.c_str());  // a stale socket of an earlier run
        }
        s->listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->listen_fd_ < 0) return errno_failure("socket(AF_UNIX)");
        if (::bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            return errno_failure(fmt::format("--gdb {}: bind", spec));
        s->unix_path_ = path;
        s->address_ = spec;
    } else {
        std::string host, port;
        size_t colon = spec.rfind(':');
        if (colon == std::string::npos) {
            port = spec;
        } else {
            host = spec.substr(0, colon);
            port = spec.substr(colon + 1);
        }
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
            return Status::failure(fmt::format("--gdb {}: expected HOST:PORT, PORT or unix:PATH", spec));
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        addrinfo* res = nullptr;
        int gai = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
        if (gai != 0) return Status::failure(fmt::format("--gdb {}: {}", spec, gai_strerror(gai)));
        Status last = Status::failure(fmt::format("--gdb {}: no usable address", spec));
        for (addrinfo* ai = res; ai; ai = ai->ai_next) {
            int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
            if (fd < 0) continue;
            int one = 1;
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
                s->listen_fd_ = fd;
                break;
            }
            last = errno_failure(fmt::format("--gdb {}: bind", spec));
            ::close(fd);
        }
        ::freeaddrinfo(res);
        if (s->listen_fd_ < 0) return last;
        sockaddr_storage bound{};
        socklen_t len = sizeof bound;
        unsigned actual = 0;
        if (::getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
            if (bound.ss_family == AF_INET) actual = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
            if (bound.ss_family == AF_INET6) actual = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
        }
        s->address_ = fmt::format("{}:{}", host.empty() ? "localhost" : host, actual);
    }
    if (::listen(s->listen_fd_, 1) != 0) return errno_failure(fmt::format("--gdb {}: listen", spec));
    return s;
}

Server::~Server() {
    close_client();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
}

bool Server::accept(int timeout_ms) {
    if (client_ >= 0 || listen_fd_ < 0) return false;
    if (!wait_fd(listen_fd_, POLLIN, timeout_ms)) return false;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return false;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on unix sockets
    client_ = fd;
    decoder_ = PacketDecoder();
    last_sent_.clear();
    return true;
}

void Server::close_client() {
    if (client_ >= 0) ::close(client_);
    client_ = -1;
}

bool Server::receive(int timeout_ms, std::vector<InputEvent>& out) {
    if (client_ < 0) return false;
    if (!wait_fd(client_, POLLIN, timeout_ms)) return true;
    uint8_t buf[4096];
    ssize_t n = 0;
    do n = ::recv(client_, buf, sizeof buf, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
        close_client();
        return false;
    }
    decoder_.feed(buf, static_cast<size_t>(n), out);
    return true;
}

bool Server::send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
        if (client_ < 0) return false;
        ssize_t n = ::send(client_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_fd(client_, POLLOUT, 10000)) {
                close_client();
                return false;
            }
            continue;
        }
        if (n <= 0) {
            close_client();
            return false;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

bool Server::send_packet(std::string_view payload) {
    last_sent_ = frame_packet(payload);
    return send_raw(last_sent_);
}

bool Server::resend_last() {
    return last_sent_.empty() || send_raw(last_sent_);
}

}  // namespace helios::sim::gdb
