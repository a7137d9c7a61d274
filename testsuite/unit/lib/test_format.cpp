// Tests of the runtime's freestanding printf-style formatter (mercury/rt/include/helios/format.h).
#include <catch2/catch.hpp>

#if __has_include(<helios/format.h>)
#include <helios/format.h>

#include <cstdint>
#include <string>

namespace {
std::string fmt(const char* f, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, f);
    size_t n = helios::vformat(buf, sizeof buf, f, ap);
    va_end(ap);
    REQUIRE(n == std::string(buf).size());
    return buf;
}
}  // namespace

TEST_CASE("format: conversions used by user programs", "[lib][format]") {
    CHECK(fmt("%s=%d", "x", -42) == "x=-42");
    CHECK(fmt("%u %x %X %o", 42u, 0xbeefu, 0xbeefu, 8u) == "42 beef BEEF 10");
    CHECK(fmt("%lx %lu %ld", 0xFFFFFFFFFFFFFFFFul, 18446744073709551615ul, (long)INT64_MIN) ==
          "ffffffffffffffff 18446744073709551615 -9223372036854775808");
    CHECK(fmt("%zu %llx", static_cast<size_t>(7), 0x123ull) == "7 123");
    CHECK(fmt("%c%c", 'o', 'k') == "ok");
    CHECK(fmt("%p", reinterpret_cast<void*>(0x400000)) == "0x400000");
    CHECK(fmt("%s", static_cast<const char*>(nullptr)) == "(null)");
    CHECK(fmt("100%%") == "100%");
}

TEST_CASE("format: width, padding, unknown conversions, truncation", "[lib][format]") {
    CHECK(fmt("[%5d]", 42) == "[   42]");
    CHECK(fmt("[%-5d]", 42) == "[42   ]");
    CHECK(fmt("[%05d]", -42) == "[-0042]");
    CHECK(fmt("[%016lx]", 0xabcul) == "[0000000000000abc]");
    CHECK(fmt("[%*s]", 4, "ab") == "[  ab]");
    CHECK(fmt("%q %d", 1) == "%q 1");
    CHECK(fmt("end %") == "end %");
    char small[6];
    CHECK(helios::format(small, sizeof small, "%s", "helios") == 6);
    CHECK(std::string(small) == "helio");
    CHECK(helios::format(small, 0, "%d", 1) == 1);
}
#endif
