// GuestMessages: the bounded stream of diagnostics a guest can cause.
#include "sim/machine/guest_messages.h"

#include <fmt/format.h>

namespace helios::sim {

void GuestMessages::print(const std::string& text) {
    if (++count_ <= kLimit) {
        fmt::print(stderr, "helios-sim: {}\n", text);
        if (count_ == kLimit)
            fmt::print(stderr, "helios-sim: ({} messages caused by the guest: later ones are not shown)\n", kLimit);
    }
}

}  // namespace helios::sim
