// The interrupt controller: line levels, masks and fixed-priority selection.
#include "sim/devices/interrupt_controller.h"

#include <bit>

namespace helios::sim {

namespace {
constexpr uint16_t bit(unsigned line) { return static_cast<uint16_t>(1u << line); }
}  // namespace

bool InterruptController::set_level(unsigned line, bool is_asserted)
{
    if (line >= kLines) {
        return false;
    }
    level_ = is_asserted ? (level_ | bit(line)) : (level_ & ~bit(line));
    return true;
}

bool InterruptController::asserted(unsigned line) const
{
    return line < kLines && (level_ & bit(line)) != 0;
}

bool InterruptController::mask(unsigned line)
{
    if (line >= kLines) {
        return false;
    }
    mask_ |= bit(line);
    return true;
}

bool InterruptController::unmask(unsigned line)
{
    if (line >= kLines) {
        return false;
    }
    mask_ &= static_cast<uint16_t>(~bit(line));
    return true;
}

bool InterruptController::masked(unsigned line) const
{
    return line >= kLines || (mask_ & bit(line)) != 0;
}

std::optional<unsigned> InterruptController::next_pending() const
{
    const uint16_t ready = level_ & static_cast<uint16_t>(~mask_);
    if (ready == 0) {
        return std::nullopt;
    }
    // The lowest set bit is the lowest-numbered line: the highest priority.
    return static_cast<unsigned>(std::countr_zero(ready));
}

}  // namespace helios::sim
