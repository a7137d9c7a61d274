// locate_companion_file: the environment override, the candidates in order, and the message when nothing is found.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "sim/ptrace/companion_file.h"

using helios::sim::CompanionFile;
using helios::sim::locate_companion_file;

namespace {

// A private directory, removed with everything in it at the end of a test.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "helios-companion.XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    void touch(const std::string& rel) {
        std::filesystem::create_directories((path / rel).parent_path());
        std::ofstream(path / rel) << "x";
    }
};

const CompanionFile kImage{"the default image", "HELIOS_TEST_IMAGE", {"default.tar", "../image/default.tar"}};

}  // namespace

TEST_CASE("a companion file is found beside the executable before the build-tree place", "[companion]") {
    TempDir dir;
    dir.touch("image/default.tar");
    std::filesystem::create_directories(dir.path / "sim");
    auto found = locate_companion_file(kImage, nullptr, dir.path / "sim");
    REQUIRE(found.ok());
    CHECK(*found == (dir.path / "image/default.tar").string());

    dir.touch("sim/default.tar");
    found = locate_companion_file(kImage, nullptr, dir.path / "sim");
    REQUIRE(found.ok());
    CHECK(*found == (dir.path / "sim/default.tar").string());
}

TEST_CASE("the environment overrides the candidates, and an empty value does not", "[companion]") {
    TempDir dir;
    dir.touch("default.tar");
    auto found = locate_companion_file(kImage, "/packaged/helios/default.tar", dir.path);
    REQUIRE(found.ok());
    CHECK(*found == "/packaged/helios/default.tar");
    found = locate_companion_file(kImage, "", dir.path);
    REQUIRE(found.ok());
    CHECK(*found == (dir.path / "default.tar").string());
}

TEST_CASE("a missing companion file names every place looked and the variable", "[companion]") {
    TempDir dir;
    dir.touch("default.tar/inside");  // a directory of that name is no file
    auto found = locate_companion_file(kImage, nullptr, dir.path);
    REQUIRE_FALSE(found.ok());
    CHECK_THAT(found.message(), Catch::Contains("the default image"));
    CHECK_THAT(found.message(), Catch::Contains((dir.path / "default.tar").string()));
    CHECK_THAT(found.message(), Catch::Contains((dir.path.parent_path() / "image/default.tar").string()));
    CHECK_THAT(found.message(), Catch::Contains("HELIOS_TEST_IMAGE"));
}

TEST_CASE("the running executable's directory is known", "[companion]") {
    auto dir = helios::sim::running_executable_dir();
    REQUIRE(dir.ok());
    CHECK(std::filesystem::is_directory(*dir));
}
