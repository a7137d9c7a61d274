// A stand-in for <catch2/catch.hpp> for programs that reuse the unit-test
// support code (support/world.cpp) without being Catch2 test programs: a
// failed REQUIRE/CHECK prints where and aborts. Only bench_core puts this
// directory first on its include path.
#pragma once

#include <cstdio>
#include <cstdlib>

#define HELIOS_NOCATCH_CHECK(expr)                                                   \
    do {                                                                             \
        if (!(expr)) {                                                               \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
            std::abort();                                                            \
        }                                                                            \
    } while (0)

#define REQUIRE(...) HELIOS_NOCATCH_CHECK((__VA_ARGS__))
#define CHECK(...) HELIOS_NOCATCH_CHECK((__VA_ARGS__))
