// Catch2 entry point of the GDB stub's protocol tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
