// An in-memory backend: queued input and captured output, for tests and the simulator's own use.
#ifndef HELIOS_SIM_DEVICES_BUFFER_BACKEND_H
#define HELIOS_SIM_DEVICES_BUFFER_BACKEND_H

#include <string>
#include <string_view>

#include "sim/devices/char_backend.h"

namespace helios::sim {

// Input is whatever was pushed with push_input(), handed out in order by
// read(); output accumulates unbounded until taken. Deterministic: nothing
// depends on time or the outside world.
class BufferBackend final : public CharBackend {
public:
    // Appends bytes to the input queue.
    void push_input(std::string_view bytes) { input_.append(bytes); }
    void push_input(const uint8_t* data, size_t len);

    // Input bytes not yet read.
    size_t pending_input() const { return input_.size() - input_pos_; }

    // Everything written so far (not yet taken).
    const std::string& output() const { return output_; }

    // Returns the captured output and empties the capture.
    std::string take_output();

    void write(const uint8_t* data, size_t len) override;
    size_t read(uint8_t* buf, size_t max) override;
    int poll_fd() const override { return -1; }
    std::string describe() const override { return "buffer"; }
    bool has_buffered_input() const override { return pending_input() > 0; }

private:
    std::string input_;
    size_t input_pos_ = 0;
    std::string output_;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_BUFFER_BACKEND_H
