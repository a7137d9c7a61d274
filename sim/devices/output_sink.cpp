// OutputSink: a non-blocking path to a shared fd, a bounded queue, and a bounded drain at close.
#include "sim/devices/output_sink.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "sim/devices/device_log.h"

namespace helios::sim {

OutputSink::OutputSink(int fd, std::string name) : fd_(fd), name_(std::move(name))
{
    struct stat st{};
    if (::fstat(fd_, &st) != 0 || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
        mode_ = Mode::Direct;  // a file never waits for a reader (or the fd is bad: writes will say)
        return;
    }
    if (S_ISSOCK(st.st_mode)) {
        mode_ = Mode::Socket;
        return;
    }
    // A pipe, FIFO or terminal: a description of our own, non-blocking. It
    // must be the same file (a /proc lookup could race with nothing here,
    // but checking costs one fstat).
    const std::string proc = fmt::format("/proc/self/fd/{}", fd_);
    UniqueFd reopened(::open(proc.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    struct stat again{};
    if (reopened.valid() && ::fstat(reopened.get(), &again) == 0 && again.st_dev == st.st_dev &&
        again.st_ino == st.st_ino) {
        own_ = std::move(reopened);
        mode_ = Mode::Reopened;
        return;
    }
    mode_ = Mode::PollFirst;
}

OutputSink::~OutputSink()
{
    drain();
    if (dropped() > 0) {
        device_log().warn("{}: {} bytes of guest output were dropped (the reader was too slow, or gone)", name_,
                          dropped());
    }
}

long OutputSink::try_write(const uint8_t* data, size_t len)
{
    SigpipeGuard guard;
    for (;;) {
        ssize_t n = -1;
        switch (mode_) {
        case Mode::Direct:
            n = ::write(fd_, data, len);
            break;
        case Mode::Socket:
            n = ::send(fd_, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
            break;
        case Mode::Reopened:
            n = ::write(own_.get(), data, len);
            break;
        case Mode::PollFirst: {
            pollfd pfd{fd_, POLLOUT, 0};
            int ready = ::poll(&pfd, 1, 0);
            if (ready < 0 && errno == EINTR) {
                continue;
            }
            if (ready <= 0 || !(pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
                return 0;
            }
            // POLLOUT on a pipe means a free buffer slot: PIPE_BUF bytes fit.
            n = ::write(fd_, data, len < PIPE_BUF ? len : PIPE_BUF);
            break;
        }
        }
        if (n >= 0) {
            if (n == 0 && len > 0) {
                errno = EIO;
                return -1;
            }
            return static_cast<long>(n);
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        }
        return -1;
    }
}

void OutputSink::flush_queue()
{
    while (!broken_ && !queue_.empty()) {
        const long n = try_write(queue_.front(), queue_.size());
        if (n < 0) {
            broken_ = true;
            lost_ += queue_.size();
            queue_.consume(queue_.size());
            device_log().warn("{}: guest output dropped from now on: {}", name_, errno_text(errno));
            return;
        }
        if (n == 0) {
            return;
        }
        queue_.consume(static_cast<size_t>(n));
    }
}

void OutputSink::write(const uint8_t* data, size_t len)
{
    if (broken_) {
        lost_ += len;
        return;
    }
    // Keep the order: only write directly when nothing is queued.
    flush_queue();
    if (queue_.empty() && !broken_) {
        const long n = try_write(data, len);
        if (n < 0) {
            broken_ = true;
            lost_ += len;
            device_log().warn("{}: guest output dropped from now on: {}", name_, errno_text(errno));
            return;
        }
        data += n;
        len -= static_cast<size_t>(n);
    }
    if (len == 0 || broken_) {
        lost_ += broken_ ? len : 0;
        return;
    }
    const uint64_t before = queue_.dropped();
    queue_.append(data, len);
    if (queue_.dropped() > before && !warned_full_) {
        warned_full_ = true;
        device_log().warn("{}: the reader is not keeping up; the oldest unread guest output is being dropped "
                          "({} bytes kept)", name_, OutputQueue::kDefaultLimit);
    }
}

void OutputSink::service()
{
    flush_queue();
}

void OutputSink::drain(std::chrono::milliseconds limit)
{
    using clock = std::chrono::steady_clock;
    const auto end = clock::now() + limit;
    auto last_progress = clock::now();
    flush_queue();
    while (!broken_ && !queue_.empty()) {
        const auto now = clock::now();
        if (now >= end || now - last_progress >= kDrainStall) {
            break;
        }
        pollfd pfd{mode_ == Mode::Reopened ? own_.get() : fd_, POLLOUT, 0};
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::min(end - now, kDrainStall - (now - last_progress)));
        (void)::poll(&pfd, 1, static_cast<int>(wait.count()) + 1);
        const size_t before = queue_.size();
        flush_queue();
        if (queue_.size() < before) {
            last_progress = clock::now();
        }
    }
    if (!queue_.empty()) {
        lost_ += queue_.size();
        queue_.consume(queue_.size());
    }
}

}  // namespace helios::sim
