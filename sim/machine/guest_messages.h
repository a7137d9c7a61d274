// GuestMessages: the diagnostics a guest causes on stderr (faults, host refusals), bounded in number.
#pragma once

#include <cstdint>
#include <string>

namespace helios::sim {

// A guest can cause these as often as it likes (a new task faulting each
// time): stderr is the user's terminal or a pipe the simulator cannot make
// non-blocking, so at most kLimit reach it, the last followed by a line
// saying that later ones are not shown.
class GuestMessages {
public:
    static constexpr uint64_t kLimit = 200;

    // Prints "helios-sim: TEXT" while fewer than kLimit were printed.
    void print(const std::string& text);

private:
    uint64_t count_ = 0;
};

}  // namespace helios::sim
