// Watchdog: the thread that interrupts a guest running too long (a free-running slice, the --timeout, a person's keys).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace helios::sim {

// A guest that never enters the kernel must still be stopped: at the end of
// its 10 ms wall-clock slice in free-running mode, when the --timeout
// passes, and when a person's keys wait on an attention fd (Ctrl-A x on a
// stdio UART) after the guest ran a slice. The watchdog runs on its own
// thread and only polls those fds (never reads them) and sends
// kPreemptSignal to the running guest thread; all ptrace and fd work stays
// on the main thread, which tells it what runs (running/stopped, the
// attention fds) and polls timed_out().
class Watchdog {
public:
    // timeout_seconds 0: no timeout.
    Watchdog(double timeout_seconds, bool free_running)
        : timeout_seconds_(timeout_seconds), free_running_(free_running) {}
    // Stops the thread if it still runs.
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    // Starts the thread when there is something to watch (a timeout,
    // free-running mode, or `attention`: attention fds will be set); the
    // timeout counts from `start`.
    void start(std::chrono::steady_clock::time_point start, bool attention = false);
    // Ends and joins the thread; timed_out() keeps its value.
    void stop();

    // Guest thread `tid` of husk `pid` runs from now on / no longer runs.
    void running(pid_t pid, pid_t tid);
    void stopped() { running_tid_ = 0; }

    // While a guest runs, input on `fd` (-1: none) interrupts it after a
    // slice. The main thread sets every slot before each run.
    static constexpr unsigned kAttentionSlots = 3;  // COM1, COM2, the debugger
    void set_attention_fd(unsigned slot, int fd) {
        if (slot < kAttentionSlots) attention_fds_[slot] = fd;
    }

    // True once the --timeout has passed (never without one).
    bool timed_out() const { return timed_out_.load(); }

private:
    void watch(std::chrono::steady_clock::time_point start);
    // An attention fd has input (the watchdog thread's poll, no wait).
    bool attention_wanted() const;

    const double timeout_seconds_;
    const bool free_running_;
    std::atomic<pid_t> running_pid_{0}, running_tid_{0};
    std::atomic<int64_t> running_since_{0};
    std::atomic<bool> timed_out_{false};
    std::atomic<int> attention_fds_[kAttentionSlots] = {-1, -1, -1};
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace helios::sim
