// Small POSIX helpers shared by the fd-based character backends.
#ifndef HELIOS_SIM_DEVICES_FD_IO_H
#define HELIOS_SIM_DEVICES_FD_IO_H

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <string>

namespace helios::sim {

// Owns a file descriptor and closes it on destruction.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    // Closes the current fd (if any) and takes `fd`.
    void reset(int fd = -1);
    // Gives up ownership and returns the fd.
    int release();

private:
    int fd_ = -1;
};

// Blocks SIGPIPE for this thread while alive; a SIGPIPE raised meanwhile is
// consumed instead of killing the process. write() on pipes and terminals
// has no MSG_NOSIGNAL, and a process-wide SIG_IGN is the simulator's call,
// not a device's.
class SigpipeGuard {
public:
    SigpipeGuard();
    ~SigpipeGuard();
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

private:
    sigset_t old_mask_{};
    bool was_pending_ = false;
};

// Writes all `len` bytes to `fd` (a file, pipe or terminal), retrying on
// EINTR and waiting in poll() on EAGAIN. SIGPIPE is suppressed for the
// call. Returns false, with errno set, on a hard error such as EPIPE.
bool write_all(int fd, const uint8_t* data, size_t len);

// "strerror(errno)" for messages, without the thread-safety trap.
std::string errno_text(int err);

// A FIFO of output bytes waiting for a slow or absent reader. Bounded: when
// full, the oldest bytes are discarded, since for a console the most recent
// output is the useful part.
class OutputQueue {
public:
    static constexpr size_t kDefaultLimit = size_t{1} << 20;  // 1 MiB

    explicit OutputQueue(size_t limit = kDefaultLimit) : limit_(limit) {}

    void append(const uint8_t* data, size_t len);
    bool empty() const { return size() == 0; }
    size_t size() const { return buf_.size() - head_; }
    // Bytes dropped so far because the queue was full.
    uint64_t dropped() const { return dropped_; }
    const uint8_t* front() const { return reinterpret_cast<const uint8_t*>(buf_.data() + head_); }
    // Removes the first `n` (<= size()) bytes.
    void consume(size_t n);

private:
    std::string buf_;
    size_t head_ = 0;
    size_t limit_;
    uint64_t dropped_ = 0;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_FD_IO_H
