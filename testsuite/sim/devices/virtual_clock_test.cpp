// Tests of virtual time: monotonicity, saturation and the one-shot deadline.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "sim/devices/virtual_clock.h"

using helios::sim::VirtualClock;

TEST_CASE("clock: starts at zero and advances", "[clock]")
{
    VirtualClock clock;
    CHECK(clock.now() == 0);
    clock.advance(1500);
    clock.advance(0);
    clock.advance(500);
    CHECK(clock.now() == 2000);
}

TEST_CASE("clock: advance_to never goes back", "[clock]")
{
    VirtualClock clock;
    clock.advance_to(1'000'000);
    CHECK(clock.now() == 1'000'000);
    clock.advance_to(999'999);
    CHECK(clock.now() == 1'000'000);
    clock.advance_to(1'000'000);
    CHECK(clock.now() == 1'000'000);
}

TEST_CASE("clock: advance saturates instead of wrapping", "[clock]")
{
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    VirtualClock clock;
    clock.advance(kMax - 10);
    clock.advance(100);
    CHECK(clock.now() == kMax);
    clock.advance(1);
    CHECK(clock.now() == kMax);
}

TEST_CASE("clock: a deadline expires when time reaches it", "[clock]")
{
    VirtualClock clock;
    CHECK_FALSE(clock.deadline());
    CHECK_FALSE(clock.expired());
    CHECK_FALSE(clock.until_deadline());
    clock.arm(1000);
    CHECK(clock.deadline() == uint64_t{1000});
    CHECK(clock.until_deadline() == uint64_t{1000});
    clock.advance(999);
    CHECK_FALSE(clock.expired());
    CHECK(clock.until_deadline() == uint64_t{1});
    clock.advance(1);
    CHECK(clock.expired());
    CHECK(clock.until_deadline() == uint64_t{0});
    CHECK(clock.expired());  // stays expired until handled
    clock.disarm();
    CHECK_FALSE(clock.expired());
    CHECK_FALSE(clock.deadline());
}

TEST_CASE("clock: a deadline in the past is expired at once - re-arming replaces it", "[clock]")
{
    VirtualClock clock;
    clock.advance(5000);
    clock.arm(10);
    CHECK(clock.expired());
    clock.arm(6000);
    CHECK_FALSE(clock.expired());
    CHECK(clock.deadline() == uint64_t{6000});
}

TEST_CASE("clock: consume_expired fires exactly once", "[clock]")
{
    VirtualClock clock;
    clock.arm(100);
    CHECK_FALSE(clock.consume_expired());
    CHECK(clock.deadline());
    clock.advance_to(*clock.deadline());  // what an idle simulator does
    CHECK(clock.consume_expired());
    CHECK_FALSE(clock.consume_expired());
    CHECK_FALSE(clock.deadline());
    CHECK(clock.now() == 100);
}
