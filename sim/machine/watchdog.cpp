// Watchdog: interrupts a guest that runs too long, from a thread of its own.
#include "sim/machine/watchdog.h"

#include "sim/ptrace/stop_event.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace helios::sim {

Watchdog::~Watchdog() { stop(); }

void Watchdog::start(std::chrono::steady_clock::time_point start) {
    if (free_running_ || timeout_seconds_ > 0) thread_ = std::thread([this, start] { watch(start); });
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
        // its slice (free-running), or when the run must stop (timeout).
        if (expired || (free_running_ && ran > slice)) {
            running_tid_ = 0;
            ::syscall(SYS_tgkill, pid, tid, kPreemptSignal);
        }
    }
}

}  // namespace helios::sim
