// Host input into the serial lines: taken from the far ends at each boundary, recorded, and waited for when idle.
#include "sim/machine/machine.h"

#include <fmt/format.h>
#include <poll.h>

namespace helios::sim {

void Machine::poll_input() {
    for (unsigned index = 0; index < kSerialPorts; ++index) {
        SerialLine& line = serial_[index];
        line.far_end->service();
        if (line.far_end->quit_requested() && !quit_port_) quit_port_ = index;
        uint8_t buf[16];
        size_t space = line.uart.rx_space();
        if (space == 0) continue;
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
    // A replayed quit still to come: the recorded run idled until a person
    // quit it, and so does the replay (no deadlock before that boundary).
    if (config_.replay) return config_.replay->quit_boundary && *config_.replay->quit_boundary > boundary_;
    for (const SerialLine& line : serial_)
        if (line.far_end->poll_fd() >= 0) return true;
    return has_buffered_input();
}

bool Machine::has_buffered_input() const {
    for (const SerialLine& line : serial_)
        if (line.far_end->has_buffered_input()) return true;
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
