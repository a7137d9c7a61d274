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
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "sim/gdb/gdb_log.h"

namespace helios::sim::gdb {

namespace {

using Clock = std::chrono::steady_clock;

// The default host: the stub answers only this machine unless told otherwise.
constexpr const char* kDefaultHost = "127.0.0.1";
// How long a client may refuse to read what the stub sends.
constexpr int kSendStallMs = 10000;

// Milliseconds until `end` (never negative), for poll().
int ms_until(Clock::time_point end) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

bool is_loopback(const sockaddr_storage& a) {
    if (a.ss_family == AF_INET) {
        uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr);
        return (ip >> 24) == 127;
    }
    if (a.ss_family == AF_INET6) {
        const in6_addr& ip = reinterpret_cast<const sockaddr_in6&>(a).sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&ip)) return true;
        return IN6_IS_ADDR_V4MAPPED(&ip) && ip.s6_addr[12] == 127;
    }
    return false;
}

// "127.0.0.1:1234" or "[::1]:1234".
std::string format_inet(const sockaddr_storage& a, socklen_t len) {
    char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";
    (void)::getnameinfo(reinterpret_cast<const sockaddr*>(&a), len, host, sizeof host, serv, sizeof serv,
                        NI_NUMERICHOST | NI_NUMERICSERV);
    return a.ss_family == AF_INET6 ? fmt::format("[{}]:{}", host, serv) : fmt::format("{}:{}", host, serv);
}

// Splits "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT"; false when malformed.
bool split_host_port(const std::string& spec, std::string& host, std::string& port) {
    size_t colon = spec.rfind(':');
    if (colon == std::string::npos) {
        host.clear();
        port = spec;
    } else {
        host = spec.substr(0, colon);
        port = spec.substr(colon + 1);
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = kDefaultHost;
    return !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos &&
           std::stoul(port) <= 65535;
}

}  // namespace

HostResult<std::unique_ptr<Server>> Server::listen(const std::string& spec) {
    std::unique_ptr<Server> s(new Server());
    if (spec.rfind("unix:", 0) == 0) {
        std::string error;
        s->unix_ = UnixListener::open(spec.substr(5), 1, true, error);
        if (!s->unix_) return Status::failure(fmt::format("--gdb {}: {}", spec, error));
        s->listen_fd_ = s->unix_->fd();
        s->address_ = spec;
        return s;
    }
    std::string host, port;
    if (!split_host_port(spec, host, port))
        return Status::failure(fmt::format("--gdb {}: expected PORT, HOST:PORT or unix:PATH", spec));
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    int gai = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
    if (gai != 0)
        return Status::failure(fmt::format("--gdb {}: cannot resolve '{}': {}", spec, host, gai_strerror(gai)));
    Status last = Status::failure(fmt::format("--gdb {}: no usable address", spec));
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        // Lets a restarted simulator take its port back from TIME_WAIT; on
        // Linux it never lets two listeners share a port.
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 1) == 0) {
            s->listen_fd_ = fd;
            break;
        }
        last = errno_failure(fmt::format("--gdb {}: cannot listen on {}", spec, host));
        ::close(fd);
    }
    ::freeaddrinfo(res);
    if (s->listen_fd_ < 0) return last;
    // Report what the kernel really bound (port 0 became a free port; a
    // name became one of its addresses), not what was asked for.
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    if (::getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len) != 0)
        return errno_failure(fmt::format("--gdb {}: getsockname", spec));
    s->address_ = format_inet(bound, len);
    s->exposed_ = !is_loopback(bound);
    return s;
}

Server::~Server() {
    close_client();
    if (!unix_ && listen_fd_ >= 0) ::close(listen_fd_);
    // unix_ closes its socket and removes its file (if still ours).
}

std::string Server::peer_of(int fd) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return "an unknown peer";
    if (peer.ss_family == AF_UNIX) {
        ucred cred{};
        socklen_t clen = sizeof cred;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
            return fmt::format("pid {} (uid {})", cred.pid, cred.uid);
        return "a local process";
    }
    return format_inet(peer, len);
}

bool Server::accept(int timeout_ms) {
    if (client_ >= 0 || listen_fd_ < 0) return false;
    const auto end = Clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    for (;;) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on unix sockets
            client_ = fd;
            decoder_ = PacketDecoder();
            last_sent_.clear();
            return true;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
            log().warn("gdb: accept on {}: {}", address_, std::strerror(errno));
        }
        int left = timeout_ms < 0 ? kSliceMs : ms_until(end);
        if ((timeout_ms >= 0 && left == 0) || giving_up()) return false;
        pollfd p{listen_fd_, POLLIN, 0};
        (void)::poll(&p, 1, std::min(left, kSliceMs));
    }
}

void Server::refuse_waiting() {
    if (client_ < 0 || listen_fd_ < 0) return;
    for (;;) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return;  // EAGAIN: nobody else is waiting
        }
        log().warn("gdb: refused a second client from {} on {}: another gdb is attached", peer_of(fd), address_);
        ::close(fd);
    }
}

void Server::close_client() {
    if (client_ >= 0) ::close(client_);
    client_ = -1;
}

bool Server::receive(int timeout_ms, std::vector<InputEvent>& out) {
    if (client_ < 0) return false;
    const auto end = Clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    for (;;) {
        int left = ms_until(end);
        pollfd p[2] = {{client_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
        int r = ::poll(p, 2, std::min(left, kSliceMs));
        if (r < 0 && errno != EINTR) return true;
        if (r > 0 && (p[1].revents & POLLIN)) refuse_waiting();
        if (r > 0 && p[0].revents != 0) break;  // data, or the peer hung up: recv() tells
        if (left == 0 || giving_up()) return true;
    }
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
    auto stall_end = Clock::now() + std::chrono::milliseconds(kSendStallMs);
    while (!bytes.empty()) {
        if (client_ < 0) return false;
        ssize_t n = ::send(client_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // A client that does not read holds the stub only so long, and
            // never past the run's deadline.
            int left = ms_until(stall_end);
            if (left == 0 || giving_up()) {
                log().warn("gdb: the client on {} stopped reading; dropped", address_);
                close_client();
                return false;
            }
            pollfd p{client_, POLLOUT, 0};
            (void)::poll(&p, 1, std::min(left, kSliceMs));
            continue;
        }
        if (n <= 0) {
            close_client();
            return false;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
        stall_end = Clock::now() + std::chrono::milliseconds(kSendStallMs);
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
