// pin_to_cpu: sched_setaffinity of the calling thread.
#include "sim/ptrace/cpu_pin.h"

#include <fmt/format.h>
#include <sched.h>

namespace helios::sim {

Status pin_to_cpu(int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return Status::failure(fmt::format("pin_to_cpu: cpu {} out of range", cpu));
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return errno_failure(fmt::format("sched_setaffinity(cpu {})", cpu));
    return Status::success();
}

}  // namespace helios::sim
