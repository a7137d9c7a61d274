// A 16-line level-triggered interrupt controller with per-line masks.
#ifndef HELIOS_SIM_DEVICES_INTERRUPT_CONTROLLER_H
#define HELIOS_SIM_DEVICES_INTERRUPT_CONTROLLER_H

#include <cstdint>
#include <optional>

namespace helios::sim {

// The simulator's stand-in for the PC's two 8259s: sixteen input lines that
// devices drive to a level, a mask bit per line, and fixed priority with line
// 0 highest. Lines are level-triggered, so an interrupt stays pending exactly
// as long as its device asserts it; a driver that acknowledges the device
// makes it go away, and one that does not sees it again after unmasking.
//
// Simplification: priority is plain line order (0 highest, 15 lowest); on a
// cascaded PC pair lines 8-15 sit at line 2's place (0, 1, 8..15, 3..7).
//
// Every function accepts any line number: numbers >= kLines are rejected as
// documented per function, never undefined behaviour.
class InterruptController {
public:
    static constexpr unsigned kLines = 16;

    // All lines deasserted and masked, as the kernel expects at boot: a line
    // is unmasked only once a driver has bound it.
    InterruptController() = default;

    // Drives input `line` to `asserted`. Returns false (and changes nothing)
    // when line >= kLines.
    bool set_level(unsigned line, bool asserted);

    // The current input level of `line`; false when line >= kLines.
    bool asserted(unsigned line) const;

    // Masks `line`: it is no longer reported by next_pending(), though its
    // level is still tracked. Returns false when line >= kLines.
    bool mask(unsigned line);

    // Unmasks `line`. Returns false when line >= kLines.
    bool unmask(unsigned line);

    // Whether `line` is masked; true when line >= kLines, since a line that
    // does not exist can never be delivered.
    bool masked(unsigned line) const;

    // The highest-priority (lowest-numbered) line that is asserted and
    // unmasked, or nullopt when none is.
    std::optional<unsigned> next_pending() const;

    // Bit n is line n's mask / level, for tracing and snapshots.
    uint16_t mask_bits() const { return mask_; }
    uint16_t level_bits() const { return level_; }

private:
    uint16_t level_ = 0;
    uint16_t mask_ = 0xFFFF;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_INTERRUPT_CONTROLLER_H
