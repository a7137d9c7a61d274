// Host resources a guest may use (docs/security.md): limits fitted to this host, and the kernel's admission checks.
#include "sim/machine/machine.h"

#include <fmt/format.h>

#include <cstdio>

namespace helios::sim {

Status Machine::fit_limits_to_host() {
    if (!config_.max_address_spaces || !config_.max_tasks || !config_.max_mappings)
        return Status::failure("the host-resource limits (--max-address-spaces, --max-tasks, --max-mappings) "
                               "must be at least 1");
    // Each mapped page may be its own host mapping, and Linux refuses a
    // process more than vm.max_map_count of them; keep a margin for the
    // husk's own. The default fits Linux's default (65530).
    uint64_t host_max = 0;
    if (FILE* f = fopen("/proc/sys/vm/max_map_count", "re")) {
        unsigned long long v = 0;
        if (fscanf(f, "%llu", &v) == 1) host_max = v;
        fclose(f);
    }
    constexpr uint64_t kMargin = 1024;
    if (host_max > 0 && config_.max_mappings + kMargin > host_max) {
        const uint64_t fitted = host_max > 2 * kMargin ? host_max - kMargin : kMargin;
        fmt::print(stderr,
                   "helios-sim: warning: --max-mappings lowered from {} to {} (this host's vm.max_map_count is {}); "
                   "guests may get NOMEM sooner than on other hosts\n",
                   config_.max_mappings, fitted, host_max);
        config_.max_mappings = fitted;
    }
    return Status::success();
}

bool Machine::admit_object(unsigned type, uint64_t live) const {
    if (type == HELIOS_CT_VSPACE) return live < config_.max_address_spaces;
    if (type == HELIOS_CT_TASK) return live < config_.max_tasks;
    return true;
}

bool Machine::admit_mapping(VSpace&, uint64_t mapped) const {
    return mapped < config_.max_mappings;
}

}  // namespace helios::sim
