// ConsoleEscape: the Ctrl-A command keys, one byte at a time.
#include "sim/devices/console_escape.h"

namespace helios::sim {

ConsoleEscape::Outcome ConsoleEscape::feed(uint8_t byte) {
    if (!pending_) {
        if (byte == kEscapeByte) {
            pending_ = true;
            return {Action::Drop, 0};
        }
        return {Action::Forward, byte};
    }
    pending_ = false;
    switch (byte) {
        case kEscapeByte: return {Action::Forward, kEscapeByte};
        case 'x':
        case 'X': return {Action::Quit, 0};
        case 'h':
        case 'H':
        case '?': return {Action::Help, 0};
        default: return {Action::Drop, 0};
    }
}

const char* ConsoleEscape::help_text() {
    return "helios-sim keys: Ctrl-A x quit (exit status 0), Ctrl-A h this help, Ctrl-A Ctrl-A send Ctrl-A; "
           "every other key, Ctrl-C too, goes to the guest";
}

}  // namespace helios::sim
