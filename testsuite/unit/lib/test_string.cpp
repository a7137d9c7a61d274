// Tests of the freestanding string helpers in kernel_core/lib/string.h.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "lib/string.h"

namespace lib = helios::lib;

TEST_CASE("string: lengths, comparisons and prefixes", "[lib][string]") {
    CHECK(lib::length("") == 0);
    CHECK(lib::length("init") == 4);
    CHECK(lib::length_bounded("init", 2) == 2);
    CHECK(lib::length_bounded("in\0it", 10) == 2);
    CHECK(lib::compare("abc", "abd", 3) < 0);
    CHECK(lib::compare("\xFF", "\x01", 1) > 0);  // unsigned bytes
    CHECK(lib::compare("abc", "abd", 2) == 0);
    CHECK(lib::equal("init", "init"));
    CHECK_FALSE(lib::equal("init", "ini"));
    CHECK(lib::equal("init-and-more", 4, "init"));
    CHECK_FALSE(lib::equal("init", 4, "init2"));
    CHECK_FALSE(lib::equal("ini", 3, "init"));
    CHECK(lib::starts_with("./init", 6, "./"));
    CHECK_FALSE(lib::starts_with(".", 1, "./"));
}

TEST_CASE("string: copy, fill, copy_string and overflow helpers", "[lib][string]") {
    char buf[8] = "xxxxxxx";
    lib::fill(buf, 'a', 3);
    CHECK(std::string(buf) == "aaaxxxx");
    lib::copy(buf + 3, "bc", 2);
    CHECK(std::string(buf) == "aaabcxx");
    CHECK(lib::copy_string(buf, sizeof buf, "helios-sim") == 10);
    CHECK(std::string(buf) == "helios-");
    CHECK(lib::copy_string(buf, sizeof buf, "ok") == 2);
    CHECK(std::string(buf) == "ok");
    uint64_t out = 7;
    CHECK(lib::add_overflows(~uint64_t{0}, 1, &out));
    CHECK_FALSE(lib::add_overflows(1, 2, &out));
    CHECK(out == 3);
    CHECK(lib::mul_overflows(uint64_t{1} << 40, uint64_t{1} << 30, &out));
    CHECK(lib::range_inside(0, 10, 10));
    CHECK(lib::range_inside(10, 0, 10));
    CHECK_FALSE(lib::range_inside(11, 0, 10));
    CHECK_FALSE(lib::range_inside(5, ~uint64_t{0}, 10));  // offset + len wraps
}
