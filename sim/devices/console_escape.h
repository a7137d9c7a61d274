// ConsoleEscape: QEMU's Ctrl-A escape keys on a console byte stream (quit, help, a literal Ctrl-A).
#ifndef HELIOS_SIM_DEVICES_CONSOLE_ESCAPE_H
#define HELIOS_SIM_DEVICES_CONSOLE_ESCAPE_H

#include <cstdint>

namespace helios::sim {

// The keys a person at a stdio UART uses to talk to the simulator rather
// than to the guest, as in QEMU's multiplexed stdio (-serial mon:stdio):
//
//   Ctrl-A x        quit the simulator (X too)
//   Ctrl-A h        print the keys (? too)
//   Ctrl-A Ctrl-A   send one Ctrl-A to the guest
//   Ctrl-A other    nothing: both bytes are dropped, as QEMU does
//
// Every other byte, Ctrl-C (0x03) included, goes to the guest unchanged.
// A pure state machine over bytes: no I/O, so the same rules apply to a
// terminal and to a pipe, and a unit test can drive it byte by byte.
class ConsoleEscape {
public:
    static constexpr uint8_t kEscapeByte = 0x01;  // Ctrl-A

    enum class Action {
        Forward,  // send `byte` to the guest
        Drop,     // nothing for the guest (an escape began, or an unknown command ended it)
        Quit,     // the person asked to end the simulation
        Help,     // the person asked which keys there are
    };
    struct Outcome {
        Action action;
        uint8_t byte;  // for Forward: the byte the guest receives
    };

    // Takes the next byte typed.
    Outcome feed(uint8_t byte);

    // A Ctrl-A was typed and waits for its command.
    bool escape_pending() const { return pending_; }

    // One line listing the keys, without a line end.
    static const char* help_text();

private:
    bool pending_ = false;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_CONSOLE_ESCAPE_H
