// world_require for the unit tests: a failed World set-up step fails the running test case.
#include "support/world.h"

#include <catch2/catch.hpp>

namespace helios::test {

void world_require(bool ok, const char* what) {
    INFO("World set-up: " << what);
    REQUIRE(ok);
}

}  // namespace helios::test
