// Smoke: a process can be built and can issue a syscall.
#include "support/world.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

TEST_CASE("smoke: identify own cspace", "[smoke]") {
    World w;
    Proc p = w.spawn();
    SysResult r = w.sys(p, HELIOS_SYS_identify, kSlotCSpace);
    REQUIRE(r.ok());
    CHECK(HELIOS_IDENTIFY_TYPE(r.value) == HELIOS_CT_CSPACE);
}
