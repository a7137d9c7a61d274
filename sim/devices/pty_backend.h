// The "pty" backend: a pseudo-terminal whose slave side a terminal program opens.
#ifndef HELIOS_SIM_DEVICES_PTY_BACKEND_H
#define HELIOS_SIM_DEVICES_PTY_BACKEND_H

#include <memory>
#include <string>
#include <string_view>

#include "sim/devices/char_backend.h"
#include "sim/devices/fd_io.h"

namespace helios::sim {

// Creates a pty pair in raw mode (so the line discipline neither echoes the
// guest's output back as input nor rewrites bytes) and keeps the slave side
// open itself: the master then never sees a hang-up, whether or not a user
// is attached, and output written before anyone attaches waits in the pty.
// A user attaches with e.g. `screen /dev/pts/N` or `picocom /dev/pts/N`.
// Output the pty cannot take now is queued (bounded, OutputQueue) and sent
// from write() and service().
class PtyBackend final : public CharBackend {
public:
    // Opens the pair and prints "<port_name> is on /dev/pts/N" to stderr.
    // On failure returns nullptr and sets `error`.
    static std::unique_ptr<PtyBackend> open(std::string& error, std::string_view port_name = "COM1");

    // The slave device path, e.g. "/dev/pts/3".
    const std::string& slave_path() const { return slave_path_; }

    void write(const uint8_t* data, size_t len) override;
    size_t read(uint8_t* buf, size_t max) override;
    int poll_fd() const override { return master_.get(); }
    std::string describe() const override { return "pty " + slave_path_; }
    bool has_pending_output() const override { return !pending_.empty(); }
    void service() override { flush(); }

private:
    PtyBackend(UniqueFd master, UniqueFd slave, std::string slave_path);
    void flush();

    UniqueFd master_;
    UniqueFd slave_keepalive_;
    std::string slave_path_;
    OutputQueue pending_;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_PTY_BACKEND_H
