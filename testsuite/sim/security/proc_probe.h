// Reads what the host kernel says about a process: state, threads, status fields, mappings, descendants.
#ifndef HELIOS_TESTSUITE_SIM_SECURITY_PROC_PROBE_H
#define HELIOS_TESTSUITE_SIM_SECURITY_PROC_PROBE_H

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness.h"

namespace sectest {

// The one-letter state of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when it is gone.
char proc_state(pid_t pid);
// The number of Linux threads of pid (field num_threads), 0 when it is gone.
size_t proc_threads(pid_t pid);
// The value of "Field:" in /proc/PID/status, trimmed; empty when missing.
std::string status_field(pid_t pid, const std::string& field);

// One line of /proc/PID/maps.
struct Mapping {
    uint64_t start = 0, end = 0;
    std::string perms, name;
};
std::vector<Mapping> maps_of(pid_t pid);

// The targets of /proc/PID/fd/*, one "N -> target" per descriptor.
std::vector<std::string> fds_of(pid_t pid);

// Every process below pid (children, their children, ...), each with its thread count.
struct Descendant {
    systest::ProcId id;
    size_t threads = 0;
};
std::vector<Descendant> descendants_of(pid_t pid);

}  // namespace sectest

#endif
