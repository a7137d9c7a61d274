// HELIOS_ASSERT: the invariants kernel code relies on, checked in every build.
#pragma once

namespace helios {

// Report a broken invariant and stop: the arch panics (a halted CPU on
// hardware, an abort with the message in the simulator and the unit tests).
[[noreturn]] void assert_failed(const char* expression, const char* file, int line);

}  // namespace helios

// A broken invariant is a kernel bug, never a user error: user input is
// checked and answered with an Error before any code that asserts runs.
// Kept in release builds: the checks guard O(1) facts and cost a compare.
#define HELIOS_ASSERT(condition) \
    ((condition) ? static_cast<void>(0) : ::helios::assert_failed(#condition, __FILE__, __LINE__))
