// Deterministic virtual time in nanoseconds with one one-shot deadline.
#ifndef HELIOS_SIM_DEVICES_VIRTUAL_CLOCK_H
#define HELIOS_SIM_DEVICES_VIRTUAL_CLOCK_H

#include <cstdint>
#include <optional>

namespace helios::sim {

// The simulator's only notion of time. It moves when the simulator says so
// (at kernel entries, or jumping to the deadline when every thread is
// blocked), never with the wall clock, so a run is reproducible. Time never
// goes backwards and saturates at UINT64_MAX (584 years) instead of wrapping.
class VirtualClock {
public:
    // Starts at t = 0 with no deadline.
    VirtualClock() = default;

    // The current virtual time in nanoseconds.
    uint64_t now() const { return now_; }

    // Moves time forward by `ns` (saturating).
    void advance(uint64_t ns);

    // Moves time forward to `t`; does nothing when t <= now(), so callers
    // may pass a time that has already passed.
    void advance_to(uint64_t t);

    // Arms the one-shot deadline at absolute time `t`, replacing any earlier
    // one. A deadline at or before now() is expired at once.
    void arm(uint64_t t) { deadline_ = t; }

    // Cancels the deadline, if any.
    void disarm() { deadline_.reset(); }

    // A deadline is armed and now() has reached it. Stays true until the
    // deadline is disarmed or re-armed later.
    bool expired() const { return deadline_ && now_ >= *deadline_; }

    // If expired(), disarms the deadline and returns true; otherwise false.
    // The event loop's "deliver the timer interrupt once" step.
    bool consume_expired();

    // The armed deadline, or nullopt.
    std::optional<uint64_t> deadline() const { return deadline_; }

    // Nanoseconds until the deadline (0 once expired), or nullopt when none
    // is armed: how far an idle simulator may jump.
    std::optional<uint64_t> until_deadline() const;

private:
    uint64_t now_ = 0;
    std::optional<uint64_t> deadline_;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_VIRTUAL_CLOCK_H
