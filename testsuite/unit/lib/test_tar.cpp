// Tests of helios::lib::TarReader on archives written by tar(1) and cmake, and on crafted corrupt ones.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "lib/elf64.h"
#include "lib/tar.h"
#include "lib_test_util.h"

using helios::lib::TarEntry;
using helios::lib::TarError;
using helios::lib::TarReader;
using helios::lib::TarType;
using namespace helios_test;

namespace {

constexpr size_t kBlock = 512;

std::string path_of(const TarEntry& e) {
    std::string s(e.path_len() + 1, '\0');
    e.copy_path(s.data(), s.size());
    s.resize(e.path_len());
    return s;
}

std::string data_of(const TarEntry& e) { return std::string(reinterpret_cast<const char*>(e.data), e.size); }

// Builds archives header by header, as a ustar writer would.
struct TarBuilder {
    std::vector<uint8_t> bytes;

    static void octal(uint8_t* field, size_t len, uint64_t v) {
        std::snprintf(reinterpret_cast<char*>(field), len, "%0*llo", static_cast<int>(len - 1),
                      static_cast<unsigned long long>(v));
    }

    static void fix_checksum(uint8_t* h) {
        std::memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (size_t i = 0; i < kBlock; ++i) sum += h[i];
        std::snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);
        h[155] = ' ';
    }

    // Appends a member; returns the offset of its header.
    size_t add(const std::string& name, char type, const std::string& data, const std::string& prefix = "",
               bool posix_magic = true) {
        size_t off = bytes.size();
        bytes.resize(off + kBlock, 0);
        uint8_t* h = bytes.data() + off;
        std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
        octal(h + 100, 8, type == '5' ? 0755 : 0644);
        octal(h + 108, 8, 0);
        octal(h + 116, 8, 0);
        octal(h + 124, 12, data.size());
        octal(h + 136, 12, 0);
        h[156] = static_cast<uint8_t>(type);
        if (posix_magic) {
            std::memcpy(h + 257, "ustar\0" "00", 8);
        } else {
            std::memcpy(h + 257, "ustar  \0", 8);
        }
        std::memcpy(h + 345, prefix.data(), std::min<size_t>(prefix.size(), 155));
        fix_checksum(h);
        bytes.insert(bytes.end(), data.begin(), data.end());
        bytes.resize((bytes.size() + kBlock - 1) / kBlock * kBlock, 0);
        return off;
    }

    TarBuilder& end(int zero_blocks = 2) {
        bytes.resize(bytes.size() + zero_blocks * kBlock, 0);
        return *this;
    }

    uint8_t* header(size_t off) { return bytes.data() + off; }
};

std::vector<std::string> list_paths(const std::vector<uint8_t>& archive, TarError* last = nullptr) {
    ExactBytes exact(archive);
    TarReader reader(exact.data(), exact.size());
    std::vector<std::string> paths;
    TarEntry e;
    TarError err;
    while ((err = reader.next(&e)) == TarError::none) paths.push_back(path_of(e));
    if (last != nullptr) *last = err;
    return paths;
}

TarError first_error(const std::vector<uint8_t>& archive, size_t n) {
    ExactBytes exact(archive, n);
    TarReader reader(exact.data(), exact.size());
    TarEntry e;
    TarError err;
    while ((err = reader.next(&e)) == TarError::none) {
    }
    return err;
}

// Runs tar(1) over files made in a temporary directory, returns the archive.
std::vector<uint8_t> make_with_tar(const TempDir& dir, const std::string& args) {
    REQUIRE(TempDir::run("cd '" + dir.path() + "/src' && tar " + args + " -cf '" + dir.path() + "/out.tar' * 2>/dev/null"));
    return read_file(dir / "out.tar");
}

void populate(const TempDir& dir, const std::string& long_path) {
    REQUIRE(TempDir::run("mkdir -p '" + dir.path() + "/src/sub/dir'"));
    write_file(dir / "src/init", "INIT-ELF");
    write_file(dir / "src/sub/dir/file.txt", "hello\n");
    write_file(dir / "src/empty", "");
    if (!long_path.empty()) {
        auto slash = long_path.rfind('/');
        REQUIRE(TempDir::run("mkdir -p '" + dir.path() + "/src/" + long_path.substr(0, slash) + "'"));
        write_file(dir / ("src/" + long_path), "deep");
    }
}

}  // namespace

TEST_CASE("tar: a crafted ustar archive iterates members in order", "[lib][tar]") {
    TarBuilder b;
    b.add("init", '0', "ELF bytes");
    b.add("etc/", '5', "");
    b.add("etc/driver.d/serial", '0', std::string(1000, 'x'));
    b.add("empty", '\0', "");  // old-style regular file
    b.end();
    ExactBytes exact(b.bytes);
    TarReader r(exact.data(), exact.size());
    TarEntry e;
    REQUIRE(r.next(&e) == TarError::none);
    CHECK(path_of(e) == "init");
    CHECK(e.type == TarType::regular);
    CHECK(data_of(e) == "ELF bytes");
    CHECK(e.mode == 0644);
    CHECK(e.header_offset == 0);
    REQUIRE(r.next(&e) == TarError::none);
    CHECK(path_of(e) == "etc/");
    CHECK(e.type == TarType::directory);
    REQUIRE(r.next(&e) == TarError::none);
    CHECK(e.size == 1000);
    CHECK(data_of(e) == std::string(1000, 'x'));
    REQUIRE(r.next(&e) == TarError::none);
    CHECK(path_of(e) == "empty");
    CHECK(e.type == TarType::regular);
    CHECK(e.size == 0);
    CHECK(e.data == nullptr);
    CHECK(r.next(&e) == TarError::end);
    CHECK(r.next(&e) == TarError::end);
    r.reset();
    REQUIRE(r.next(&e) == TarError::none);
    CHECK(path_of(e) == "init");
}

TEST_CASE("tar: lookup ignores leading / and ./ and a directory's trailing /", "[lib][tar]") {
    TarBuilder b;
    b.add("./", '5', "");
    b.add("./init", '0', "A");
    b.add("./sbin/", '5', "");
    b.add("./sbin/usrinit", '0', "B");
    b.end();
    ExactBytes exact(b.bytes);
    TarReader r(exact.data(), exact.size());
    TarEntry e;
    for (const char* p : {"init", "/init", "./init", "//init", "././init"}) {
        INFO(p);
        REQUIRE(r.find(p, &e) == TarError::none);
        CHECK(data_of(e) == "A");
    }
    REQUIRE(r.find("/sbin/usrinit", &e) == TarError::none);
    CHECK(data_of(e) == "B");
    REQUIRE(r.find("sbin", &e) == TarError::none);
    CHECK(e.type == TarType::directory);
    REQUIRE(r.find("/sbin/", &e) == TarError::none);
    CHECK(e.type == TarType::directory);
    CHECK(r.find("", &e) == TarError::not_found);
    CHECK(r.find("/", &e) == TarError::not_found);
    CHECK(r.find("usrinit", &e) == TarError::not_found);
    CHECK(r.find("ini", &e) == TarError::not_found);
    CHECK(r.find("init/x", &e) == TarError::not_found);
    CHECK(r.find("sbin/usrinit2", &e) == TarError::not_found);
    // find() leaves the iteration position alone.
    REQUIRE(r.next(&e) == TarError::none);
    CHECK(path_of(e) == "./");
}

TEST_CASE("tar: POSIX prefix field joins prefix/name; GNU magic has no prefix", "[lib][tar]") {
    const std::string prefix = "very/long/directory/" + std::string(90, 'p');
    TarBuilder b;
    b.add("leaf.bin", '0', "P", prefix);
    b.add("gnu.bin", '0', "G", "ignored-by-gnu", false);
    b.end();
    ExactBytes exact(b.bytes);
    TarReader r(exact.data(), exact.size());
    TarEntry e;
    REQUIRE(r.find(("/" + prefix + "/leaf.bin").c_str(), &e) == TarError::none);
    CHECK(data_of(e) == "P");
    CHECK(e.path_len() == prefix.size() + 1 + 8);
    char small[8];
    CHECK(e.copy_path(small, sizeof small) == e.path_len());
    CHECK(std::string(small) == "very/lo");
    REQUIRE(r.find("gnu.bin", &e) == TarError::none);
    CHECK(e.prefix_len == 0);
}

TEST_CASE("tar: archives written by GNU tar in gnu, ustar and pax formats", "[lib][tar]") {
    const std::string long_path = "a/" + std::string(60, 'b') + "/" + std::string(60, 'c') + "/deep.txt";
    for (const char* format : {"gnu", "ustar", "pax", "v7"}) {
        INFO("format " << format);
        TempDir dir;
        populate(dir, std::string(format) == "v7" ? "" : long_path);
        auto archive = make_with_tar(dir, std::string("--format=") + format);
        REQUIRE_FALSE(archive.empty());
        ExactBytes exact(archive);
        TarReader r(exact.data(), exact.size());
        TarEntry e;
        REQUIRE(r.find("/init", &e) == TarError::none);
        CHECK(data_of(e) == "INIT-ELF");
        CHECK(e.type == TarType::regular);
        REQUIRE(r.find("sub/dir/file.txt", &e) == TarError::none);
        CHECK(data_of(e) == "hello\n");
        REQUIRE(r.find("empty", &e) == TarError::none);
        CHECK(e.size == 0);
        if (std::string(format) != "v7") {
            REQUIRE(r.find("sub/dir", &e) == TarError::none);
            CHECK(e.type == TarType::directory);
            REQUIRE(r.find(long_path.c_str(), &e) == TarError::none);
            CHECK(data_of(e) == "deep");
            CHECK(path_of(e) == long_path);
        }
        CHECK(r.find("missing", &e) == TarError::not_found);
        TarError last;
        auto paths = list_paths(archive, &last);
        CHECK(last == TarError::end);
        CHECK(paths.size() >= 3);
    }
}

TEST_CASE("tar: tar -C dir . archives (./ names) are found by plain paths", "[lib][tar]") {
    TempDir dir;
    populate(dir, "");
    REQUIRE(TempDir::run("tar -C '" + dir.path() + "/src' -cf '" + dir.path() + "/dot.tar' ."));
    auto archive = read_file(dir / "dot.tar");
    ExactBytes exact(archive);
    TarReader r(exact.data(), exact.size());
    TarEntry e;
    REQUIRE(r.find("init", &e) == TarError::none);
    CHECK(path_of(e) == "./init");
    CHECK(data_of(e) == "INIT-ELF");
}

#ifdef HELIOS_TEST_IMAGE_TAR
TEST_CASE("tar: the built hello image holds init, a loadable ELF", "[lib][tar]") {
    auto archive = read_file(HELIOS_TEST_IMAGE_TAR);
    REQUIRE_FALSE(archive.empty());
    ExactBytes exact(archive);
    TarReader r(exact.data(), exact.size());
    TarEntry e;
    REQUIRE(r.find("init", &e) == TarError::none);
    CHECK(e.type == TarType::regular);
    CHECK(e.header_offset % 512 == 0);
    helios::lib::ElfImage elf;
    REQUIRE(elf.open(e.data, e.size) == helios::lib::ElfError::none);
    CHECK(elf.entry() >= 0x400000);
    TarError last;
    CHECK(list_paths(archive, &last) == std::vector<std::string>{"init"});
    CHECK(last == TarError::end);
}
#endif

TEST_CASE("tar: truncated archives give clear errors", "[lib][tar]") {
    TarBuilder b;
    b.add("init", '0', std::string(700, 'i'));  // header + 2 data blocks
    b.add("two", '0', "2");
    b.end();
    CHECK(first_error(b.bytes, b.bytes.size()) == TarError::end);
    CHECK(first_error(b.bytes, 0) == TarError::missing_end_marker);
    CHECK(first_error(b.bytes, 100) == TarError::truncated_header);
    CHECK(first_error(b.bytes, 512 + 300) == TarError::truncated_data);   // inside data
    CHECK(first_error(b.bytes, 512 + 800) == TarError::truncated_data);   // inside padding
    CHECK(first_error(b.bytes, 3 * 512) == TarError::missing_end_marker);  // on a boundary
    CHECK(first_error(b.bytes, 3 * 512 + 10) == TarError::truncated_header);
    CHECK(first_error(b.bytes, 5 * 512) == TarError::missing_end_marker);
    CHECK(first_error(b.bytes, 6 * 512) == TarError::end);  // one zero block then EOF: accepted
    CHECK(first_error(b.bytes, 6 * 512 + 20) == TarError::truncated_header);
    CHECK(std::string(describe(TarError::missing_end_marker)).find("truncated") != std::string::npos);
}

TEST_CASE("tar: every truncation is an error, never an out-of-bounds read", "[lib][tar]") {
    TarBuilder b;
    b.add("init", '0', std::string(1500, 'i'));
    b.add("dir/", '5', "");
    b.add(std::string(90, 'n'), '0', "tail", "prefix/part");
    b.end();
    size_t complete = b.bytes.size() - kBlock;  // one zero block then EOF is still complete
    for (size_t n = 0; n < complete; ++n) {
        INFO("length " << n);
        TarError e = first_error(b.bytes, n);
        CHECK(e != TarError::end);
        CHECK(e != TarError::none);
    }
}

TEST_CASE("tar: checksum verification", "[lib][tar]") {
    TarBuilder b;
    size_t off = b.add("init", '0', "data");
    b.end();
    SECTION("a flipped name byte") {
        b.header(off)[0] = 'I';
        CHECK(first_error(b.bytes, b.bytes.size()) == TarError::bad_checksum);
    }
    SECTION("a flipped data-size digit") {
        b.header(off)[124 + 10] = '5';
        CHECK(first_error(b.bytes, b.bytes.size()) == TarError::bad_checksum);
    }
    SECTION("an unparsable checksum field") {
        std::memcpy(b.header(off) + 148, "zzzzzz\0 ", 8);
        CHECK(first_error(b.bytes, b.bytes.size()) == TarError::bad_checksum);
    }
    SECTION("old writers' signed-char sums are accepted") {
        uint8_t* h = b.header(off);
        h[300] = 0xE9;  // a high byte in uname: signed and unsigned sums differ
        std::memset(h + 148, ' ', 8);
        int sum = 0;
        for (size_t i = 0; i < kBlock; ++i) sum += static_cast<int8_t>(h[i]);
        std::snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);
        h[155] = ' ';
        CHECK(first_error(b.bytes, b.bytes.size()) == TarError::end);
    }
}

TEST_CASE("tar: size field validation", "[lib][tar]") {
    auto with_size = [](const char (&field)[13], bool fix = true) {
        TarBuilder b;
        size_t off = b.add("init", '0', "");
        b.end(4);
        std::memcpy(b.header(off) + 124, field, 12);
        if (fix) TarBuilder::fix_checksum(b.header(off));
        return first_error(b.bytes, b.bytes.size());
    };
    CHECK(with_size("00000000009\0") == TarError::bad_size);
    CHECK(with_size("0000000000x\0") == TarError::bad_size);
    CHECK(with_size("\0\0\0\0\0\0\0\0\0\0\0\0") == TarError::bad_size);
    CHECK(with_size("            ") == TarError::bad_size);
    CHECK(with_size("-0000000001\0") == TarError::bad_size);
    CHECK(with_size("   0000001 \0") == TarError::end);      // leading spaces, space end
    CHECK(with_size("000000000000") == TarError::end);       // all 12 digits, no terminator
    CHECK(with_size("77777777777\0") == TarError::truncated_data);  // 8 GiB beyond the archive
    CHECK(with_size("\x80\0\0\0\0\0\0\0\0\0\x04\0") == TarError::end);       // base-256: 1024 bytes of zeros
    CHECK(with_size("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF") == TarError::bad_size);  // negative
}

TEST_CASE("tar: tar_parse_number", "[lib][tar]") {
    auto parse = [](const std::string& s, uint64_t* v) {
        return helios::lib::tar_parse_number(reinterpret_cast<const uint8_t*>(s.data()), s.size(), v);
    };
    uint64_t v = 0;
    CHECK(parse("0000644\0", &v));
    CHECK(v == 0644);
    CHECK(parse("17 ", &v));
    CHECK(v == 017);
    CHECK(parse(std::string("\x80\0\0\0\0\0\0\0\0\x01\0\0", 12), &v));
    CHECK(v == 0x10000);
    CHECK(parse(std::string("\x80\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 12), &v) == false);  // > 63 bits
    CHECK(parse(std::string("\x80\0\0\0\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 12), &v));
    CHECK(v == 0x7FFFFFFFFFFFFFFFull);
    CHECK_FALSE(parse("", &v));
    CHECK_FALSE(parse("8", &v));
    CHECK_FALSE(parse("12a", &v));
    CHECK_FALSE(parse(std::string(30, '7'), &v));  // 90 bits
}

TEST_CASE("tar: a member whose size runs past the end of the archive", "[lib][tar]") {
    TarBuilder b;
    size_t off = b.add("init", '0', "abc");
    b.end();
    TarBuilder::octal(b.header(off) + 124, 12, 4096);
    TarBuilder::fix_checksum(b.header(off));
    CHECK(first_error(b.bytes, b.bytes.size()) == TarError::truncated_data);
    TarBuilder::octal(b.header(off) + 124, 12, 1536);  // data block and both end blocks: no end left
    TarBuilder::fix_checksum(b.header(off));
    CHECK(first_error(b.bytes, b.bytes.size()) == TarError::missing_end_marker);
}

TEST_CASE("tar: end markers and zero blocks", "[lib][tar]") {
    TarBuilder empty;
    empty.end();
    CHECK(first_error(empty.bytes, empty.bytes.size()) == TarError::end);
    TarBuilder padded;  // 10240-byte records: the rest of the record is zero too
    padded.add("init", '0', "x");
    padded.end(18);
    CHECK(list_paths(padded.bytes) == std::vector<std::string>{"init"});
    TarBuilder lone;
    lone.add("a", '0', "1");
    lone.end(1);
    lone.add("b", '0', "2");
    lone.end();
    TarError last;
    CHECK(list_paths(lone.bytes, &last) == std::vector<std::string>{"a"});
    CHECK(last == TarError::lone_zero_block);
}

TEST_CASE("tar: errors are sticky until reset", "[lib][tar]") {
    TarBuilder b;
    b.add("good", '0', "1");
    size_t bad = b.add("bad", '0', "2");
    b.end();
    b.header(bad)[0] = 'B';
    ExactBytes exact(b.bytes);
    TarReader r(exact.data(), exact.size());
    TarEntry e;
    REQUIRE(r.next(&e) == TarError::none);
    CHECK(r.next(&e) == TarError::bad_checksum);
    CHECK(r.next(&e) == TarError::bad_checksum);
    CHECK(r.find("good", &e) == TarError::none);  // a found entry before the damage
    CHECK(r.find("other", &e) == TarError::bad_checksum);  // the scan hit the damage
    r.reset();
    REQUIRE(r.next(&e) == TarError::none);
    CHECK(path_of(e) == "good");
}

TEST_CASE("tar: GNU long names, pax records and malformed metadata", "[lib][tar]") {
    const std::string long_name = std::string(150, 'L') + "/file";
    SECTION("GNU 'L' names the next member") {
        TarBuilder b;
        b.add("././@LongLink", 'L', long_name + '\0');
        b.add("truncated-name", '0', "data");
        b.end();
        ExactBytes exact(b.bytes);
        TarReader r(exact.data(), exact.size());
        TarEntry e;
        REQUIRE(r.find(long_name.c_str(), &e) == TarError::none);
        CHECK(data_of(e) == "data");
        CHECK(r.find("truncated-name", &e) == TarError::not_found);
    }
    SECTION("pax 'x' path record names the next member; others are ignored") {
        std::string records = "20 mtime=1700000000\n";
        std::string rec = " path=" + long_name + "\n";
        std::string len = std::to_string(rec.size() + 3);
        records += len + rec;
        TarBuilder b;
        b.add("PaxHeaders/x", 'x', records);
        b.add("short", '0', "pax");
        b.add("pax_global_header", 'g', "8 a=bcd\n");
        b.add("plain", '0', "p");
        b.end();
        TarError last;
        CHECK(list_paths(b.bytes, &last) == std::vector<std::string>{long_name, "plain"});
        CHECK(last == TarError::end);
    }
    SECTION("malformed pax records") {
        for (const char* bad : {"5 path=x\n", "x path=y\n", "12 pathy\n  \n", "99 path=x\n", "11 path=xy!"}) {
            INFO(bad);
            TarBuilder b;
            b.add("PaxHeaders/x", 'x', bad);
            b.add("f", '0', "");
            b.end();
            CHECK(first_error(b.bytes, b.bytes.size()) == TarError::bad_pax_header);
        }
    }
    SECTION("metadata with nothing after it, and empty names") {
        TarBuilder dangling;
        dangling.add("././@LongLink", 'L', long_name + '\0');
        dangling.end();
        CHECK(first_error(dangling.bytes, dangling.bytes.size()) == TarError::bad_name);
        TarBuilder empty_long;
        empty_long.add("././@LongLink", 'L', std::string(1, '\0'));
        empty_long.add("f", '0', "");
        empty_long.end();
        CHECK(first_error(empty_long.bytes, empty_long.bytes.size()) == TarError::bad_name);
        TarBuilder unnamed;
        unnamed.add("", '0', "x");
        unnamed.end();
        CHECK(first_error(unnamed.bytes, unnamed.bytes.size()) == TarError::bad_name);
    }
}

TEST_CASE("tar: other member types are reported, not followed", "[lib][tar]") {
    TarBuilder b;
    b.add("link", '2', "");
    b.add("hard", '1', "");
    b.add("fifo", '6', "");
    b.end();
    ExactBytes exact(b.bytes);
    TarReader r(exact.data(), exact.size());
    TarEntry e;
    for (char want : {'2', '1', '6'}) {
        REQUIRE(r.next(&e) == TarError::none);
        CHECK(e.type == TarType::other);
        CHECK(e.typeflag == want);
    }
    CHECK(r.next(&e) == TarError::end);
}

TEST_CASE("tar: random corruption never reads out of bounds", "[lib][tar]") {
    TarBuilder b;
    b.add("././@LongLink", 'L', std::string(120, 'q') + '\0');
    b.add("q", '0', std::string(600, 'z'));
    b.add("PaxHeaders/p", 'x', "16 path=abcdef\n");
    b.add("p", '0', "");
    b.add("d/", '5', "", "pre");
    b.end();
    Rng rng(0x7461727461727461ull);
    for (int round = 0; round < 4000; ++round) {
        std::vector<uint8_t> m = b.bytes;
        int flips = 1 + static_cast<int>(rng.below(6));
        for (int f = 0; f < flips; ++f) {
            size_t block = rng.below(m.size() / kBlock);
            // Mostly the numeric fields and the type flag, where decisions are made.
            size_t field = rng.below(3) == 0 ? rng.below(kBlock) : 100 + rng.below(60);
            m[block * kBlock + field] = static_cast<uint8_t>(rng.next());
            if (rng.below(2) == 0) TarBuilder::fix_checksum(m.data() + block * kBlock);
        }
        size_t n = rng.below(4) == 0 ? rng.below(m.size()) : m.size();
        ExactBytes exact(m, n);
        TarReader r(exact.data(), exact.size());
        TarEntry e;
        int guard = 0;
        while (r.next(&e) == TarError::none && ++guard < 100) {
            if (e.size != 0) {
                volatile uint8_t sink = e.data[e.size - 1];
                (void)sink;
            }
            char buf[300];
            (void)e.copy_path(buf, sizeof buf);
            (void)e.path_equals("q");
        }
        CHECK(guard < 100);
        (void)r.find("/p", &e);
    }
}

TEST_CASE("tar: every error has a distinct description", "[lib][tar]") {
    std::set<std::string> seen;
    for (int e = 0; e <= static_cast<int>(TarError::not_found); ++e) {
        const char* text = describe(static_cast<TarError>(e));
        REQUIRE(text != nullptr);
        CHECK(seen.insert(text).second);
    }
}
