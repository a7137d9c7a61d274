// pin_to_cpu: keep the simulator and its husks on one CPU (cross-CPU wake-ups cost 25-30 us here).
#pragma once

#include "sim/ptrace/status.h"

namespace helios::sim {

// Restricts the calling thread to `cpu` (sched_setaffinity). Call it on the
// simulator's ptrace thread before spawning husks: children and their threads
// inherit the mask, so every stop and resume stays on one CPU. Fails with a
// message if the CPU does not exist or is not allowed.
Status pin_to_cpu(int cpu);

}  // namespace helios::sim
