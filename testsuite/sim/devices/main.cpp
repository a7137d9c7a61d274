// Catch2 entry point of the device-model tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
