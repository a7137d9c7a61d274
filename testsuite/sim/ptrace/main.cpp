// Catch2 main for the ptrace/memfd tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
