// POSIX helpers for the character backends: fd ownership, full writes, bounded queues.
#include "sim/devices/fd_io.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

namespace helios::sim {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept
{
    if (this != &other) {
        reset(other.release());
    }
    return *this;
}

void UniqueFd::reset(int fd)
{
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = fd;
}

int UniqueFd::release()
{
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

SigpipeGuard::SigpipeGuard()
{
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask_);
}

SigpipeGuard::~SigpipeGuard()
{
    if (!was_pending_) {
        sigset_t pipe_set;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        const timespec zero{};
        const int saved = errno;
        while (sigtimedwait(&pipe_set, nullptr, &zero) == -1 && errno == EINTR) {
        }
        errno = saved;
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

bool write_all(int fd, const uint8_t* data, size_t len)
{
    SigpipeGuard guard;
    while (len > 0) {
        const ssize_t n = ::write(fd, data, len);
        if (n > 0) {
            data += n;
            len -= static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // Someone made the fd non-blocking (a shared terminal, say):
            // wait until it drains rather than lose output.
            pollfd pfd{fd, POLLOUT, 0};
            if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) {
                return false;
            }
            continue;
        }
        if (n == 0) {
            errno = EIO;
        }
        return false;
    }
    return true;
}

std::string errno_text(int err)
{
    char buf[256];
    // The GNU strerror_r returns the message, which may not be buf.
    return ::strerror_r(err, buf, sizeof buf);
}

void OutputQueue::append(const uint8_t* data, size_t len)
{
    if (len >= limit_) {
        dropped_ += size() + (len - limit_);
        buf_.assign(reinterpret_cast<const char*>(data + (len - limit_)), limit_);
        head_ = 0;
        return;
    }
    const size_t excess = size() + len > limit_ ? size() + len - limit_ : 0;
    if (excess > 0) {
        dropped_ += excess;
        head_ += excess;
    }
    // Compact when the consumed prefix dominates, so memory stays bounded.
    if (head_ > 0 && head_ >= buf_.size() / 2) {
        buf_.erase(0, head_);
        head_ = 0;
    }
    buf_.append(reinterpret_cast<const char*>(data), len);
}

void OutputQueue::consume(size_t n)
{
    head_ += n < size() ? n : size();
    if (head_ == buf_.size()) {
        buf_.clear();
        head_ = 0;
    }
}

}  // namespace helios::sim
