// The "stdio" backend: the user's terminal (or pipes) as the far end of the line.
#ifndef HELIOS_SIM_DEVICES_STDIO_BACKEND_H
#define HELIOS_SIM_DEVICES_STDIO_BACKEND_H

#include <unistd.h>

#include "sim/devices/char_backend.h"
#include "sim/devices/output_sink.h"

namespace helios::sim {

// Output goes to `out_fd` (stdout), input comes from `in_fd` (stdin).
//
// When in_fd is a terminal it is put into raw mode for the backend's life,
// so the guest sees every key as typed (no line editing, no echo, CR not
// turned into NL), but ISIG stays on and output post-processing too, as in
// QEMU's stdio chardev: Ctrl-C still stops the simulator and the guest's
// "\n" still starts a new line. The terminal is restored by the destructor,
// at exit() (atexit), and on a fatal signal: the backend installs a
// restoring handler for SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV,
// SIGBUS, SIGILL and SIGFPE where the disposition is still SIG_DFL (it then
// re-raises the signal with the default action). A handler the simulator
// installs itself should call restore_stdio_terminal().
//
// The fds are never made non-blocking (stdin and stdout usually share one
// open terminal, and O_NONBLOCK would leak to stdout and to the shell);
// read() polls with a zero timeout instead. At end of input (a pipe or file
// closed) poll_fd() becomes -1. Output goes through an OutputSink: it never
// blocks the run (a stdout pipe nobody reads cannot stall it or --timeout);
// see output_sink.h for what happens to output nobody takes.
class StdioBackend final : public CharBackend {
public:
    explicit StdioBackend(int in_fd = STDIN_FILENO, int out_fd = STDOUT_FILENO);
    ~StdioBackend() override;

    void write(const uint8_t* data, size_t len) override;
    size_t read(uint8_t* buf, size_t max) override;
    int poll_fd() const override { return eof_ ? -1 : in_fd_; }
    std::string describe() const override;
    bool has_pending_output() const override { return out_.has_pending(); }
    void service() override { out_.service(); }

    // This backend put in_fd into raw mode (and will restore it).
    bool raw_mode() const { return owns_terminal_; }

private:
    int in_fd_;
    int out_fd_;
    bool owns_terminal_ = false;
    bool eof_ = false;
    OutputSink out_;
};

// Restores the terminal that a StdioBackend put into raw mode, if any.
// Async-signal-safe and idempotent: call it from a signal handler.
void restore_stdio_terminal() noexcept;

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_STDIO_BACKEND_H
