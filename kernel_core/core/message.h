// Messages between tasks: parameter and capability transfer, and replies.
#pragma once

#include "objects/task.h"

namespace helios {

class Kernel;

// Copy a message from `from` to `to`: params, capabilities (moved, when
// `grant`), badge; a fault record when `from` is faulting. Returns the tag
// the receiver sees (its counts say what actually arrived).
uint64_t transfer_message(Kernel& kernel, Task& from, Task& to, uint64_t tag, uint64_t badge, bool grant);

// `replier` answers the implicit reply it holds for `caller`.
void reply_to_caller(Kernel& kernel, Task& replier, Task& caller, uint64_t tag);

// `sender` answers through a stored reply capability (used once).
void reply_through_cap(Kernel& kernel, Task& sender, Slot& reply_cap, uint64_t tag);

}  // namespace helios
