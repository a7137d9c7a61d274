// The "stdio" backend: the user's terminal (or pipes) as the far end of the line.
#ifndef HELIOS_SIM_DEVICES_STDIO_BACKEND_H
#define HELIOS_SIM_DEVICES_STDIO_BACKEND_H

#include <unistd.h>

#include <cstddef>
#include <deque>

#include "sim/devices/char_backend.h"
#include "sim/devices/console_escape.h"
#include "sim/devices/output_sink.h"

namespace helios::sim {

// Output goes to `out_fd` (stdout), input comes from `in_fd` (stdin).
//
// Input passes through the Ctrl-A escape keys (console_escape.h): Ctrl-A x
// asks to quit (quit_requested()), Ctrl-A h prints the keys to stderr,
// Ctrl-A Ctrl-A is one Ctrl-A for the guest. This holds for a terminal and
// for a pipe alike, so a script can quit the way a person does; a byte
// stream that must reach the guest unchanged goes through file:PATH, or
// doubles each 0x01.
//
// When in_fd is a terminal it is put into raw mode for the backend's life,
// so the guest sees every key as typed (no line editing, no echo, CR not
// turned into NL, and no signal keys: Ctrl-C reaches the guest as 0x03,
// Ctrl-Z and Ctrl-\ as 0x1a and 0x1c), as in QEMU's multiplexed stdio;
// output post-processing stays on, so the guest's "\n" still starts a new
// line. The terminal is restored by the destructor, at exit() (atexit), and
// on a fatal signal: the backend installs a restoring handler for SIGINT,
// SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGILL and SIGFPE
// where the disposition is still SIG_DFL (it then re-raises the signal with
// the default action). A handler the simulator installs itself should call
// restore_stdio_terminal().
//
// Keys are taken from in_fd whenever service() or read() runs, whether the
// guest takes input or not, so Ctrl-A x works even when the guest never
// reads its UART; keys the guest has not taken wait in a buffer of
// kMaxPendingInput bytes, and past that in the host (a pipe's writer
// blocks; Ctrl-A x then waits for the guest to read). The fds are never made non-blocking (stdin and stdout usually
// share one open terminal, and O_NONBLOCK would leak to stdout and to the
// shell); reads poll with a zero timeout instead. At end of input (a pipe or
// file closed), or once quit, poll_fd() becomes -1. Output goes through an
// OutputSink: it never blocks the run (a stdout pipe nobody reads cannot
// stall it or --timeout); see output_sink.h for what happens to output
// nobody takes.
class StdioBackend final : public CharBackend {
public:
    static constexpr size_t kMaxPendingInput = 4096;

    explicit StdioBackend(int in_fd = STDIN_FILENO, int out_fd = STDOUT_FILENO);
    ~StdioBackend() override;

    void write(const uint8_t* data, size_t len) override;
    size_t read(uint8_t* buf, size_t max) override;
    int poll_fd() const override { return eof_ || quit_ ? -1 : in_fd_; }
    std::string describe() const override;
    bool has_buffered_input() const override { return !pending_.empty(); }
    bool has_pending_output() const override { return out_.has_pending(); }
    void service() override;
    bool quit_requested() const override { return quit_; }
    // While the buffer is full the fd is left alone (it would stay readable).
    int attention_fd() const override { return pending_.size() < kMaxPendingInput ? poll_fd() : -1; }

    // This backend put in_fd into raw mode (and will restore it).
    bool raw_mode() const { return owns_terminal_; }

private:
    // Reads what in_fd has now, runs it through the escape keys and queues
    // what is for the guest.
    void take_input();

    int in_fd_;
    int out_fd_;
    bool owns_terminal_ = false;
    bool eof_ = false;
    bool quit_ = false;
    ConsoleEscape escape_;
    std::deque<uint8_t> pending_;  // keys for the guest, not yet taken
    OutputSink out_;
};

// Restores the terminal that a StdioBackend put into raw mode, if any.
// Async-signal-safe and idempotent: call it from a signal handler.
void restore_stdio_terminal() noexcept;

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_STDIO_BACKEND_H
