// OutputSink: guest output to an fd the simulator shares (stdout), never blocking the run.
#ifndef HELIOS_SIM_DEVICES_OUTPUT_SINK_H
#define HELIOS_SIM_DEVICES_OUTPUT_SINK_H

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/devices/fd_io.h"

namespace helios::sim {

// The simulator must never wait for whoever reads its stdout: a pipe nobody
// reads would stall the run and --timeout with it. Policy:
//
// * Writes never block. Bytes the fd cannot take now wait in a bounded
//   queue (OutputQueue, 1 MiB) and go out at the next write() or service(),
//   which the machine calls at every kernel entry.
// * When the queue is full the oldest queued bytes are dropped (for a
//   console the latest output matters most) and counted; the first drop is
//   warned about once, and the total is reported when the sink closes.
// * At close, queued bytes get a short grace: the sink waits while the
//   reader makes progress, up to kDrainStall without progress and
//   kDrainLimit in all, so a live reader still receives the end of the
//   output and a dead one delays exit by at most kDrainStall.
// * A hard error (EPIPE: the reader is gone) stops output for good, with
//   one warning.
//
// The shared fd is not made O_NONBLOCK (that flag lives in the open file
// description, so it would leak to the shell and to stdin on the same
// terminal). Instead a pipe, FIFO or terminal is reopened through
// /proc/self/fd/N, which gives a description of our own that can be
// non-blocking; a socket is written with MSG_DONTWAIT; a regular file is
// written directly (it never waits for a reader). Where reopening fails the
// sink writes at most PIPE_BUF bytes after poll() says POLLOUT, which a
// pipe accepts without blocking.
class OutputSink {
public:
    static constexpr std::chrono::milliseconds kDrainStall{250};
    static constexpr std::chrono::milliseconds kDrainLimit{2000};

    // `fd` is borrowed (not closed); `name` is used in warnings ("stdout").
    OutputSink(int fd, std::string name);
    ~OutputSink();
    OutputSink(const OutputSink&) = delete;
    OutputSink& operator=(const OutputSink&) = delete;

    // Queues `len` bytes and sends what the fd takes now. Never blocks.
    void write(const uint8_t* data, size_t len);
    // Sends queued bytes the fd takes now. Never blocks.
    void service();
    bool has_pending() const { return !queue_.empty(); }
    // Bytes dropped so far (queue full, or output broken).
    uint64_t dropped() const { return queue_.dropped() + lost_; }

    // Waits (in poll) until the queue is empty, the reader stops making
    // progress for kDrainStall, or `limit` has passed.
    void drain(std::chrono::milliseconds limit = kDrainLimit);

private:
    enum class Mode { Direct, Socket, Reopened, PollFirst };
    // One non-blocking attempt; returns bytes written, 0 when the fd would
    // block, -1 on a hard error (errno set).
    long try_write(const uint8_t* data, size_t len);
    void flush_queue();

    int fd_;               // the shared fd (borrowed)
    UniqueFd own_;         // our non-blocking description, Mode::Reopened
    Mode mode_ = Mode::Direct;
    std::string name_;
    OutputQueue queue_;
    uint64_t lost_ = 0;    // bytes dropped after a hard error
    bool broken_ = false;
    bool warned_full_ = false;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_OUTPUT_SINK_H
