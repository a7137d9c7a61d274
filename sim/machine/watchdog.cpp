// Watchdog: interrupts a guest that runs too long, from a thread of its own.
#include "sim/machine/watchdog.h"

#include "sim/ptrace/stop_event.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace helios::sim {

Watchdog::~Watchdog() { stop(); }

void Watchdog::start(std::chrono::steady_clock::time_point start, bool attention) {
    if (free_running_ || timeout_seconds_ > 0 || attention) thread_ = std::thread([this, start] { watch(start); });
}

bool Watchdog::attention_wanted() const {
    pollfd fds[kAttentionSlots];
    nfds_t n = 0;
    for (const auto& slot : attention_fds_)
        if (int fd = slot.load(); fd >= 0) fds[n++] = {fd, POLLIN, 0};
    if (n == 0 || ::poll(fds, n, 0) <= 0) return false;
    for (nfds_t i = 0; i < n; ++i)
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) return true;
    return false;
}

void Watchdog::stop() {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void Watchdog::running(pid_t pid, pid_t tid) {
    running_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
    running_pid_ = pid;
    running_tid_ = tid;
}

void Watchdog::watch(std::chrono::steady_clock::time_point start) {
    using namespace std::chrono;
    const auto slice = milliseconds(10);
    std::unique_lock lock(mutex_);
    while (!stop_) {
        cv_.wait_for(lock, milliseconds(5));
        if (stop_) break;
        auto now = steady_clock::now();
        bool expired = timeout_seconds_ > 0 && now - start > duration<double>(timeout_seconds_);
        if (expired) timed_out_ = true;
        pid_t pid = running_pid_.load(), tid = running_tid_.load();
        if (tid == 0) continue;
        auto ran = nanoseconds(steady_clock::now().time_since_epoch().count() - running_since_.load());
        // A guest that never enters the kernel is interrupted: at the end of
        // its slice (free-running), when the run must stop (timeout), or
        // when keys wait for the main thread (after a slice, so a guest
        // that enters the kernel soon anyway is not stopped for them).
        if (expired || (ran > slice && (free_running_ || attention_wanted()))) {
            running_tid_ = 0;
            ::syscall(SYS_tgkill, pid, tid, kPreemptSignal);
        }
    }
}

}  // namespace helios::sim
