// PhysAllocator: sparse and contiguous allocation, free, reserve, exhaustion.
#include "core/phys_alloc.h"
#include "support/ops.h"

#include <catch2/catch.hpp>

#include <set>
#include <vector>

using namespace helios;
using namespace helios::test;

namespace {
struct Alloc {
    std::vector<uint64_t> bitmap;
    PhysAllocator a;
    Alloc(uint64_t first, uint64_t frames) : bitmap((frames + 63) / 64, 0xDEADBEEFull) { a.init(first, frames, bitmap.data()); }
};
}  // namespace

TEST_CASE("phys: init counts every frame free", "[phys]") {
    Alloc x(100, 130);
    CHECK(x.a.total_frames() == 130);
    CHECK(x.a.free_frames() == 130);
    CHECK(x.a.first_frame() == 100);
    CHECK_FALSE(x.a.is_used(100));
    CHECK_FALSE(x.a.is_used(229));
    // Outside the range counts as used.
    CHECK(x.a.is_used(99));
    CHECK(x.a.is_used(230));
}

TEST_CASE("phys: alloc_one hands out the lowest free frame, distinct each time", "[phys]") {
    Alloc x(10, 70);
    std::set<uint64_t> got;
    for (int i = 0; i < 70; ++i) {
        auto r = x.a.alloc_one();
        REQUIRE(r.ok());
        CHECK(*r == 10u + static_cast<uint64_t>(i));
        CHECK(x.a.is_used(*r));
        got.insert(*r);
    }
    CHECK(got.size() == 70);
    CHECK(x.a.free_frames() == 0);
}

TEST_CASE("phys: exhaustion gives NOMEM, and frees make frames available again", "[phys]") {
    Alloc x(0, 3);
    REQUIRE(x.a.alloc_one().ok());
    REQUIRE(x.a.alloc_one().ok());
    REQUIRE(x.a.alloc_one().ok());
    auto r = x.a.alloc_one();
    CHECK(r.error() == Error::NOMEM);
    x.a.free(1, 1);
    CHECK(x.a.free_frames() == 1);
    auto again = x.a.alloc_one();
    REQUIRE(again.ok());
    CHECK(*again == 1);
}

TEST_CASE("phys: sparse allocation fills holes left by frees", "[phys]") {
    Alloc x(0, 128);
    for (int i = 0; i < 128; ++i) REQUIRE(x.a.alloc_one().ok());
    x.a.free(5, 1);
    x.a.free(77, 1);
    auto a = x.a.alloc_one();
    auto b = x.a.alloc_one();
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*a == 5);
    CHECK(*b == 77);
    CHECK(x.a.alloc_one().error() == Error::NOMEM);
}

TEST_CASE("phys: contiguous allocation returns a consecutive free run", "[phys]") {
    Alloc x(1000, 200);
    // Used frames at 1, 3 and 70 break the runs before them.
    x.a.reserve(1001, 1);
    x.a.reserve(1003, 1);
    x.a.reserve(1070, 1);
    auto r = x.a.alloc_contiguous(4);
    REQUIRE(r.ok());
    CHECK(*r == 1004);
    for (uint64_t f = 1004; f < 1008; ++f) CHECK(x.a.is_used(f));
    // A run crossing a bitmap word boundary (index 64), ending right before
    // the used frame at 70.
    auto big = x.a.alloc_contiguous(62);
    REQUIRE(big.ok());
    CHECK(*big == 1008);
    // Nothing of 62 fits below 70 any more; the next run starts after it.
    auto next = x.a.alloc_contiguous(62);
    REQUIRE(next.ok());
    CHECK(*next == 1071);
    CHECK(x.a.free_frames() == 200 - 3 - 4 - 62 - 62);
}

TEST_CASE("phys: contiguous run spanning whole used words is skipped correctly", "[phys]") {
    Alloc x(0, 256);
    x.a.reserve(0, 128);  // two full words used
    x.a.reserve(130, 1);
    auto r = x.a.alloc_contiguous(3);
    REQUIRE(r.ok());
    CHECK(*r == 131);
}

TEST_CASE("phys: contiguous NOMEM when no run is long enough, nothing taken", "[phys]") {
    Alloc x(0, 64);
    for (uint64_t f = 0; f < 64; f += 8) x.a.reserve(f, 1);  // runs of 7
    uint64_t before = x.a.free_frames();
    CHECK(x.a.alloc_contiguous(8).error() == Error::NOMEM);
    CHECK(x.a.free_frames() == before);
    CHECK(x.a.alloc_contiguous(100).error() == Error::NOMEM);
    auto seven = x.a.alloc_contiguous(7);
    REQUIRE(seven.ok());
    CHECK(*seven == 1);
}

TEST_CASE("phys: contiguous of 0 is INVALID_PARAM, of 1 is alloc_one", "[phys]") {
    Alloc x(0, 64);
    CHECK(x.a.alloc_contiguous(0).error() == Error::INVALID_PARAM);
    x.a.reserve(0, 2);
    auto r = x.a.alloc_contiguous(1);
    REQUIRE(r.ok());
    CHECK(*r == 2);
}

TEST_CASE("phys: a contiguous run never extends past the end of the range", "[phys]") {
    Alloc x(0, 70);  // the last word has 6 valid frames, 58 padding bits
    x.a.reserve(0, 66);
    CHECK(x.a.free_frames() == 4);
    CHECK(x.a.alloc_contiguous(5).error() == Error::NOMEM);
    auto r = x.a.alloc_contiguous(4);
    REQUIRE(r.ok());
    CHECK(*r == 66);
    CHECK(x.a.free_frames() == 0);
}

TEST_CASE("phys: reserve and free are idempotent and ignore out-of-range frames", "[phys]") {
    Alloc x(50, 64);
    x.a.reserve(52, 3);
    CHECK(x.a.free_frames() == 61);
    x.a.reserve(52, 3);  // already used: no double count
    CHECK(x.a.free_frames() == 61);
    x.a.reserve(10, 2);   // below the range
    x.a.reserve(114, 5);  // past the range
    CHECK(x.a.free_frames() == 61);
    x.a.free(53, 1);
    x.a.free(53, 1);  // already free: no double count
    CHECK(x.a.free_frames() == 62);
    CHECK_FALSE(x.a.is_used(53));
    CHECK(x.a.is_used(52));
    CHECK(x.a.is_used(54));
    x.a.free(0, 3);  // below the range: ignored
    CHECK(x.a.free_frames() == 62);
}

TEST_CASE("phys: freeing a contiguous run returns all of it", "[phys]") {
    Alloc x(0, 128);
    auto r = x.a.alloc_contiguous(20);
    REQUIRE(r.ok());
    CHECK(x.a.free_frames() == 108);
    x.a.free(*r, 20);
    CHECK(x.a.free_frames() == 128);
    for (uint64_t f = 0; f < 20; ++f) CHECK_FALSE(x.a.is_used(f));
}

TEST_CASE("phys: the kernel reserves its metadata and hands the rest to root memory", "[phys]") {
    World w;
    const PhysAllocator& p = w.k.phys();
    CHECK(p.total_frames() == (16u << 20) / HELIOS_PAGE_SIZE);
    CHECK(p.is_used(0));  // frame table lives at the start
    // Root memory's quota is every frame left after the root's own frame.
    CHECK(w.root->quota() == p.free_frames() + w.root->used());
    CHECK(w.root->quota() < p.total_frames());
}

TEST_CASE("phys: kernel init rejects unaligned or tiny memory", "[phys]") {
    fake_arch().reset(1u << 20);
    {
        Kernel k;
        CHECK(k.init(1, 1u << 20).error() == Error::INVALID_PARAM);
    }
    {
        Kernel k;
        CHECK(k.init(0, (1u << 20) + 1).error() == Error::INVALID_PARAM);
    }
    {
        Kernel k;
        CHECK(k.init(0, 63 * HELIOS_PAGE_SIZE).error() == Error::INVALID_PARAM);
    }
    {
        Kernel k;
        auto r = k.init(0, 1u << 20);
        REQUIRE(r.ok());
        CHECK((*r)->quota() == k.phys().free_frames());
    }
}
