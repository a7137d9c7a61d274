// Virtual time: monotonic, saturating advancement and the one-shot deadline.
#include "sim/devices/virtual_clock.h"

#include <limits>

namespace helios::sim {

void VirtualClock::advance(uint64_t ns)
{
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    now_ = (ns > kMax - now_) ? kMax : now_ + ns;
}

void VirtualClock::advance_to(uint64_t t)
{
    if (t > now_) {
        now_ = t;
    }
}

bool VirtualClock::consume_expired()
{
    if (!expired()) {
        return false;
    }
    deadline_.reset();
    return true;
}

std::optional<uint64_t> VirtualClock::until_deadline() const
{
    if (!deadline_) {
        return std::nullopt;
    }
    return *deadline_ > now_ ? *deadline_ - now_ : 0;
}

}  // namespace helios::sim
