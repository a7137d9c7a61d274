// The far end of a UART: the interface every character backend implements, and the spec parser.
#ifndef HELIOS_SIM_DEVICES_CHAR_BACKEND_H
#define HELIOS_SIM_DEVICES_CHAR_BACKEND_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace helios::sim {

// What sits on the other side of a serial line: the user's terminal, a pty,
// a socket, a file of canned input, or a test buffer. The simulator moves
// bytes between a Uart16550 and a CharBackend; it never blocks on one.
//
// Event-loop contract: poll poll_fd() (re-read it every iteration, it may
// change) for POLLIN, and for POLLOUT too while has_pending_output(); when
// it is ready, or at any kernel entry, call service() and read(). A backend
// whose input does not come from an fd (file, buffer) reports it with
// has_buffered_input() instead, so the loop does not sleep on it.
//
// Backends are single-threaded objects; none of them raises SIGPIPE.
class CharBackend {
public:
    CharBackend() = default;
    CharBackend(const CharBackend&) = delete;
    CharBackend& operator=(const CharBackend&) = delete;
    virtual ~CharBackend() = default;

    // Guest output: `len` bytes the UART transmitted. Never blocks for long
    // and never fails: bytes the outside world cannot take now are queued
    // (bounded) or, where nobody can ever read them, dropped.
    virtual void write(const uint8_t* data, size_t len) = 0;

    // Non-blocking: copies up to `max` bytes of input that is available now
    // into `buf` and returns how many (0 when none).
    virtual size_t read(uint8_t* buf, size_t max) = 0;

    // The fd to include in a poll() loop, or -1 when there is none.
    virtual int poll_fd() const = 0;

    // A one-line human description, e.g. "pty /dev/pts/3".
    virtual std::string describe() const = 0;

    // read() would return bytes without any fd becoming ready.
    virtual bool has_buffered_input() const { return false; }

    // Output is queued waiting for poll_fd() to become writable.
    virtual bool has_pending_output() const { return false; }

    // Housekeeping that needs no guest action: accept a waiting client,
    // flush queued output, take typed keys into the backend's own buffer
    // (stdio's escape keys). Cheap; safe to call at any time, also when the
    // guest cannot take input.
    virtual void service() {}

    // The person at this far end asked to end the simulation (stdio's
    // Ctrl-A x). Once true it stays true.
    virtual bool quit_requested() const { return false; }

    // An fd whose input must be looked at even while a guest runs without
    // entering the kernel (stdio, where Ctrl-A x may wait): when it becomes
    // readable the simulator interrupts the guest, calls service() and
    // resumes it, with no kernel entry. -1: none.
    virtual int attention_fd() const { return -1; }
};

// A parsed backend spec: "stdio", "pty", "unix:PATH", "file:PATH", "none".
struct CharBackendSpec {
    enum class Kind { Stdio, Pty, Unix, File, None };
    Kind kind = Kind::None;
    std::string path;  // for Unix and File; empty otherwise
};

// Parses `spec` without touching the system. On bad input returns nullopt
// and sets `error` to a message naming the problem.
std::optional<CharBackendSpec> parse_char_backend_spec(std::string_view spec, std::string& error);

// Parses `spec` and opens the backend. `port_name` ("COM1") is used in
// messages to the user, such as where a pty was created. On failure returns
// nullptr and sets `error` to a message naming the spec and the cause.
std::unique_ptr<CharBackend> parse_char_backend(const std::string& spec, std::string& error,
                                                std::string_view port_name = "COM1");

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_CHAR_BACKEND_H
