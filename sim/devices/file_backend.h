// The "file:PATH" backend: canned input from a file, output to stdout.
#ifndef HELIOS_SIM_DEVICES_FILE_BACKEND_H
#define HELIOS_SIM_DEVICES_FILE_BACKEND_H

#include <memory>
#include <string>
#include <unistd.h>

#include "sim/devices/char_backend.h"
#include "sim/devices/output_sink.h"

namespace helios::sim {

// The whole file is read when the backend is opened, so later changes to it
// do not matter and read() never touches the system: every call returns
// min(max, remaining) bytes, whatever the wall clock says. Scripted runs
// and tests are therefore reproducible. Output goes to `out_fd` (stdout)
// through an OutputSink, so it never blocks the run (output_sink.h).
class FileBackend final : public CharBackend {
public:
    // Larger inputs are refused: a typo such as file:/dev/zero must not eat
    // all memory.
    static constexpr size_t kMaxInput = size_t{64} << 20;

    // Reads `path` completely. On failure (cannot open or read, a directory,
    // larger than kMaxInput) returns nullptr and sets `error`.
    static std::unique_ptr<FileBackend> open(const std::string& path, std::string& error,
                                             int out_fd = STDOUT_FILENO);

    void write(const uint8_t* data, size_t len) override;
    size_t read(uint8_t* buf, size_t max) override;
    int poll_fd() const override { return -1; }
    std::string describe() const override;
    bool has_buffered_input() const override { return pos_ < input_.size(); }
    bool has_pending_output() const override { return out_.has_pending(); }
    void service() override { out_.service(); }

    // Input bytes not yet read.
    size_t remaining() const { return input_.size() - pos_; }

private:
    FileBackend(std::string path, std::string input, int out_fd);

    std::string path_;
    std::string input_;
    size_t pos_ = 0;
    OutputSink out_;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_FILE_BACKEND_H
