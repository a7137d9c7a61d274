// Host input into the serial lines: taken from the far ends at each boundary, recorded, and waited for when idle.
#include "sim/machine/machine.h"

#include <fmt/format.h>
#include <poll.h>

namespace helios::sim {

Status Machine::type_into_uart(unsigned port, const std::vector<uint8_t>& bytes) {
    if (port >= kSerialPorts) return Status::failure(fmt::format("there is no COM{}", port + 1));
    if (config_.replay) return Status::failure("a replay takes its input from the recording only");
    SerialLine& line = serial_[port];
    // Bounded: what a person types, not a file.
    constexpr size_t kMaxTyped = 64 * 1024;
    if (line.typed.size() + bytes.size() > kMaxTyped)
        return Status::failure(fmt::format("COM{} already has {} bytes waiting to be received", port + 1,
                                           line.typed.size()));
    line.typed.insert(line.typed.end(), bytes.begin(), bytes.end());
    return Status::success();
}

void Machine::listen_to_uart(unsigned port, std::function<void(uint8_t)> listener) {
    if (port < kSerialPorts) serial_[port].listener = std::move(listener);
}

void Machine::poll_input() {
    for (unsigned index = 0; index < kSerialPorts; ++index) {
        SerialLine& line = serial_[index];
        line.far_end->service();
        if (line.far_end->quit_requested() && !quit_port_) quit_port_ = index;
        uint8_t buf[16];
        size_t space = line.uart.rx_space();
        if (space == 0) continue;
        if (!line.typed.empty()) {
            // Typed from the debugger: an injection like --inject's, applied
            // and recorded here, at this boundary.
            Injection inj;
            inj.kind = Injection::Kind::UartInput;
            inj.port = index;
            while (!line.typed.empty() && inj.bytes.size() < space) {
                inj.bytes.push_back(line.typed.front());
                line.typed.pop_front();
            }
            apply_injection(inj);
            continue;  // the far end's input waits for the next boundary
        }
        size_t n = line.far_end->read(buf, space < sizeof buf ? space : sizeof buf);
        if (n == 0) continue;
        if (recorder_) {
            Injection inj;
            inj.kind = Injection::Kind::UartInput;
            inj.vtime = clock_.now();
            inj.boundary = boundary_;
            inj.port = index;
            inj.bytes.assign(buf, buf + n);
            recorder_->injection(inj);
        }
        push_uart_bytes(index, buf, n);
    }
}

void Machine::push_uart_bytes(unsigned port, const uint8_t* bytes, size_t n) {
    SerialLine& line = serial_[port];
    for (size_t i = 0; i < n; ++i) {
        uint8_t b = bytes[i];
        if (line.corrupt_next) {
            b ^= *line.corrupt_next;
            line.corrupt_next.reset();
        }
        line.uart.push_rx(b);
    }
}

void Machine::take_attention() {
    // Keys go into the far ends' own buffers only: the guest gets them at
    // the next boundary, as if they had been typed a moment later.
    for (unsigned index = 0; index < kSerialPorts; ++index) {
        serial_[index].far_end->service();
        if (serial_[index].far_end->quit_requested() && !quit_port_) quit_port_ = index;
    }
    note_quit_request();
}

void Machine::arm_attention() {
    for (unsigned index = 0; index < kSerialPorts; ++index)
        watchdog_.set_attention_fd(index, serial_[index].far_end->attention_fd());
    watchdog_.set_attention_fd(kSerialPorts, debug_ ? debug_->attention_fd() : -1);
}

void Machine::note_quit_request() {
    // The quit is the end of the run, never guest input (its keys are not
    // recorded); QEMU's Ctrl-A x exits with 0 too.
    if (quit_port_ && !exit_request_) request_exit(0, fmt::format("quit: Ctrl-A x on COM{}", *quit_port_ + 1));
}

bool Machine::has_live_input() const {
    if (next_injection_ < schedule_.size()) return true;  // scheduled input is still to come
    for (const SerialLine& line : serial_)
        if (!line.typed.empty()) return true;  // typed from the debugger, still to be received
    // A replayed quit still to come: the recorded run idled until a person
    // quit it, and so does the replay (no deadlock before that boundary).
    if (config_.replay) return config_.replay->quit_boundary && *config_.replay->quit_boundary > boundary_;
    for (const SerialLine& line : serial_)
        if (line.far_end->poll_fd() >= 0) return true;
    return has_buffered_input();
}

bool Machine::has_buffered_input() const {
    for (const SerialLine& line : serial_)
        if (line.far_end->has_buffered_input() || !line.typed.empty()) return true;
    return false;
}

void Machine::wait_for_input(int timeout_ms) {
    struct pollfd fds[kSerialPorts];
    int n = 0;
    for (const SerialLine& line : serial_)
        if (line.far_end->poll_fd() >= 0) fds[n++] = {line.far_end->poll_fd(), POLLIN, 0};
    if (n) (void)::poll(fds, n, timeout_ms);
}

}  // namespace helios::sim
