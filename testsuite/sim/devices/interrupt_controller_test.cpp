// Tests of the interrupt controller: levels, masks, priority, bad line numbers.
#include <catch2/catch.hpp>

#include "sim/devices/interrupt_controller.h"

using helios::sim::InterruptController;

TEST_CASE("pic: all lines start low and masked", "[pic]")
{
    InterruptController pic;
    for (unsigned line = 0; line < InterruptController::kLines; ++line) {
        CHECK(pic.masked(line));
        CHECK_FALSE(pic.asserted(line));
    }
    CHECK(pic.mask_bits() == 0xFFFF);
    CHECK_FALSE(pic.next_pending());
}

TEST_CASE("pic: an asserted line is pending only while unmasked", "[pic]")
{
    InterruptController pic;
    REQUIRE(pic.set_level(4, true));
    CHECK(pic.asserted(4));
    CHECK_FALSE(pic.next_pending());  // still masked
    REQUIRE(pic.unmask(4));
    CHECK_FALSE(pic.masked(4));
    CHECK(pic.next_pending() == 4u);
    REQUIRE(pic.mask(4));
    CHECK_FALSE(pic.next_pending());
    CHECK(pic.asserted(4));  // the level is kept while masked
    pic.unmask(4);
    CHECK(pic.next_pending() == 4u);
}

TEST_CASE("pic: lines are level-triggered", "[pic]")
{
    InterruptController pic;
    pic.unmask(3);
    pic.set_level(3, true);
    CHECK(pic.next_pending() == 3u);
    CHECK(pic.next_pending() == 3u);  // asking does not acknowledge
    pic.set_level(3, false);
    CHECK_FALSE(pic.next_pending());
}

TEST_CASE("pic: the lowest-numbered pending line wins", "[pic]")
{
    InterruptController pic;
    for (unsigned line : {0u, 3u, 4u, 15u}) {
        pic.unmask(line);
    }
    pic.set_level(15, true);
    CHECK(pic.next_pending() == 15u);
    pic.set_level(4, true);
    CHECK(pic.next_pending() == 4u);
    pic.set_level(3, true);
    CHECK(pic.next_pending() == 3u);
    pic.set_level(0, true);
    CHECK(pic.next_pending() == 0u);
    pic.mask(0);
    CHECK(pic.next_pending() == 3u);
    pic.set_level(3, false);
    CHECK(pic.next_pending() == 4u);
    CHECK(pic.level_bits() == ((1u << 0) | (1u << 4) | (1u << 15)));
}

TEST_CASE("pic: out-of-range lines are rejected", "[pic]")
{
    InterruptController pic;
    CHECK_FALSE(pic.set_level(16, true));
    CHECK_FALSE(pic.set_level(~0u, true));
    CHECK_FALSE(pic.unmask(16));
    CHECK_FALSE(pic.mask(100));
    CHECK(pic.masked(16));
    CHECK_FALSE(pic.asserted(16));
    CHECK(pic.level_bits() == 0);
    CHECK(pic.mask_bits() == 0xFFFF);
    CHECK_FALSE(pic.next_pending());
}
