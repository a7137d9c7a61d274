// Catch2 entry point of the whole-system tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
