// FakeArch: the unit tests' arch backend; records every call the core makes.
#pragma once

#include "arch/arch.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace helios::test {

struct FakeArch {
    // Physical memory the kernel under test manages; phys 0 is its start.
    std::vector<uint8_t> memory;

    struct Mapping {
        uint64_t phys;
        unsigned flags;
    };
    // vspace id -> vaddr -> mapping, as the arch was told.
    std::map<uint32_t, std::map<uint64_t, Mapping>> mappings;
    std::vector<std::string> calls;
    std::string console;
    bool masked[16] = {};
    std::map<uint16_t, uint32_t> ports;  // port -> last value written
    std::vector<std::pair<uint16_t, uint32_t>> port_writes;
    uint64_t now = 0;
    std::vector<arch::TraceEvent> trace;
    std::vector<uint32_t> destroyed_tasks;
    std::vector<std::pair<uint32_t, uint64_t>> exits;
    bool record_trace = true;
    // Host limits the fake enforces (arch::admit_*): live objects of a type,
    // pages mapped per vspace. Unset: no limit.
    std::map<unsigned, uint64_t> object_limit;
    uint64_t mapping_limit = ~0ull;
    // Set while the World builds processes itself (like boot, not a guest request).
    bool limits_suspended = false;

    void reset(size_t bytes);
};

// The fake every test talks to (the arch seam is link-time: one instance).
FakeArch& fake_arch();

}  // namespace helios::test
