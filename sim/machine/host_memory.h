// How much guest RAM this host can back, and the check --mem and a scenario's config mem= go through.
#pragma once

#include "sim/ptrace/status.h"

#include <cstdint>

namespace helios::sim {

// The host's physical RAM in bytes (sysconf(_SC_PHYS_PAGES) * page size),
// or 0 when the host does not say.
uint64_t host_physical_memory();

// The rule: a machine's RAM must be a multiple of 4 KiB, at least 4 MiB, and
// at most the host's physical RAM. The simulator's RAM is one memfd, backed
// by host RAM and swap as the guest touches it; a machine larger than the
// host could never be used in full and only invites the guest (or a typo
// such as --mem 1024G) to push the host into swap and the OOM killer.
// `what` names the source in the message ("--mem", "scenario config mem=").
Status check_guest_memory(uint64_t bytes, const char* what);

}  // namespace helios::sim
