// The Catch2 runner's main(), compiled once for every test program (it is the
// slowest translation unit of the suite: one per program cost minutes of a
// fresh build on two cores).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
