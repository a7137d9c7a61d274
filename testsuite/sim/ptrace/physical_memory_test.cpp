// Tests of PhysicalMemory: the memfd and the simulator's direct map of it.
#include "sim/ptrace/physical_memory.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "sim/ptrace/cpu_pin.h"

using namespace helios::sim;

TEST_CASE("physical memory is a zeroed memfd mapped whole", "[physmem]") {
    auto phys = PhysicalMemory::create(4 << 20);
    REQUIRE(phys.ok());
    PhysicalMemory& m = **phys;
    CHECK(m.size() == (4u << 20));
    CHECK(m.fd() >= 0);
    CHECK(m.base()[0] == 0);
    CHECK(m.base()[m.size() - 1] == 0);
    // A write through the direct map is the memfd's content.
    std::memcpy(m.base() + 0x3000, "frame", 5);
    char buf[5];
    REQUIRE(pread(m.fd(), buf, sizeof buf, 0x3000) == 5);
    CHECK(std::memcmp(buf, "frame", 5) == 0);
    CHECK(m.contains(0, m.size()));
    CHECK(m.contains(m.size(), 0));
    CHECK_FALSE(m.contains(m.size() - 0x1000, 0x2000));
    CHECK_FALSE(m.contains(0x1000, ~0ull));
}

TEST_CASE("physical memory rejects sizes that are not whole pages", "[physmem]") {
    auto zero = PhysicalMemory::create(0);
    CHECK_FALSE(zero.ok());
    auto odd = PhysicalMemory::create(4097);
    REQUIRE_FALSE(odd.ok());
    CHECK_THAT(odd.message(), Catch::Contains("multiple"));
}

TEST_CASE("pin_to_cpu rejects a CPU that does not exist", "[physmem]") {
    CHECK_FALSE(pin_to_cpu(-1).ok());
    CHECK_FALSE(pin_to_cpu(100000).ok());
    Status st = pin_to_cpu(1000);
    CHECK_FALSE(st.ok());
    CHECK_FALSE(st.message().empty());
}
