// Time for user programs: the kernel's monotonic clock, read with the clock syscall.
#ifndef HELIOS_RT_CLOCK_H
#define HELIOS_RT_CLOCK_H

#include <helios/syscall.h>
#include <stdint.h>

namespace helios {

inline constexpr uint64_t kNsPerUs = 1000;
inline constexpr uint64_t kNsPerMs = 1000 * kNsPerUs;
inline constexpr uint64_t kNsPerSecond = 1000 * kNsPerMs;

// Nanoseconds since boot from the kernel's clock (the `clock` syscall,
// docs/abi.md): never smaller than any earlier reading by any task of the
// system; virtual time in helios-sim, the PIT on x86_64 hardware (about
// 0.84 us resolution). This is the only clock Mercury, the drivers and the
// tests may use for their logic: never the TSC (`rdtsc`/`rdtscp`), which a
// recording cannot reproduce on every host.
// Cost: one kernel entry (in the simulator one traced event that advances
// virtual time), so do not spin on it to pass time; block instead.
// Returns 0 on a kernel without the syscall (INVALID_SYSCALL).
[[nodiscard]] inline uint64_t clock_ns() {
    sys::SysResult r = sys::clock();
    return r.ok() ? r.value : 0;
}

// Nanoseconds from `since` (an earlier clock_ns()) to now.
[[nodiscard]] inline uint64_t elapsed_ns(uint64_t since) {
    uint64_t now = clock_ns();
    return now >= since ? now - since : 0;
}

}  // namespace helios

#endif
