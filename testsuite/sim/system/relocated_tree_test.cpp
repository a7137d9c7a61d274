// helios-sim, copied away from its build tree, finds its husk and default image relative to itself (or where the environment says).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "harness.h"

using namespace systest;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Copies `from` to `to` (making its directory), keeping it executable.
void copy_to(const std::string& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

const std::string kHelloOut = "sys_hello: via writecons\nsys_hello: via COM1\n";

}  // namespace

TEST_CASE("relocated: a flat copy of helios-sim, helios-husk and default.tar boots without options",
          "[system][relocated]") {
    TempDir dir;
    const fs::path root = dir.path();
    copy_to(sim_path(), root / "helios-sim");
    copy_to(HELIOS_HUSK_FOR_TEST, root / "helios-husk");
    copy_to(SYS_IMG_HELLO, root / "default.tar");  // any image serves as the default one
    Child sim((root / "helios-sim").string(), {"run", "--com1", "stdio"});
    RunResult r = sim.wait(20);
    INFO(r.describe());
    REQUIRE(r.exited);
    CHECK(r.exit_code == 0);
    CHECK(r.out == kHelloOut);
}

TEST_CASE("relocated: a moved build tree (sim/helios-sim, sim/ptrace/helios-husk, image/default.tar) boots",
          "[system][relocated]") {
    TempDir dir;
    const fs::path root = dir.path();
    copy_to(sim_path(), root / "sim/helios-sim");
    copy_to(HELIOS_HUSK_FOR_TEST, root / "sim/ptrace/helios-husk");
    copy_to(SYS_IMG_HELLO, root / "image/default.tar");
    Child sim((root / "sim/helios-sim").string(), {"run", "--com1", "stdio"});
    RunResult r = sim.wait(20);
    INFO(r.describe());
    REQUIRE(r.exited);
    CHECK(r.exit_code == 0);
    CHECK(r.out == kHelloOut);
}

TEST_CASE("relocated: without a husk beside it, helios-sim says where it looked and exits 72",
          "[system][relocated]") {
    // Proves the husk of the build tree is not found by a path compiled in.
    TempDir dir;
    const fs::path root = dir.path();
    copy_to(sim_path(), root / "helios-sim");
    Child sim((root / "helios-sim").string(), {"run", "--image", SYS_IMG_HELLO, "--com1", "none"});
    RunResult r = sim.wait(20);
    INFO(r.describe());
    REQUIRE(r.exited);
    CHECK(r.exit_code == 72);
    CHECK(contains(r.err, (root / "helios-husk").string()));
    CHECK(contains(r.err, "HELIOS_HUSK"));
}

TEST_CASE("relocated: without a default image, run names the places and HELIOS_DEFAULT_IMAGE, exit 72",
          "[system][relocated]") {
    TempDir dir;
    const fs::path root = dir.path();
    copy_to(sim_path(), root / "helios-sim");
    copy_to(HELIOS_HUSK_FOR_TEST, root / "helios-husk");
    Child sim((root / "helios-sim").string(), {"run", "--com1", "none"});
    RunResult r = sim.wait(20);
    INFO(r.describe());
    REQUIRE(r.exited);
    CHECK(r.exit_code == 72);
    CHECK(contains(r.err, (root / "default.tar").string()));
    CHECK(contains(r.err, "HELIOS_DEFAULT_IMAGE"));
}

TEST_CASE("relocated: HELIOS_HUSK and HELIOS_DEFAULT_IMAGE override the places beside helios-sim",
          "[system][relocated]") {
    TempDir dir;
    const fs::path root = dir.path();
    copy_to(sim_path(), root / "bin/helios-sim");
    copy_to(HELIOS_HUSK_FOR_TEST, root / "libexec/helios-husk");
    copy_to(SYS_IMG_HELLO, root / "share/hello.tar");
    // The harness's child inherits this process's environment.
    REQUIRE(setenv("HELIOS_HUSK", (root / "libexec/helios-husk").c_str(), 1) == 0);
    REQUIRE(setenv("HELIOS_DEFAULT_IMAGE", (root / "share/hello.tar").c_str(), 1) == 0);
    Child sim((root / "bin/helios-sim").string(), {"run", "--com1", "stdio"});
    RunResult r = sim.wait(20);
    unsetenv("HELIOS_HUSK");
    unsetenv("HELIOS_DEFAULT_IMAGE");
    INFO(r.describe());
    REQUIRE(r.exited);
    CHECK(r.exit_code == 0);
    CHECK(r.out == kHelloOut);

    // A wrong override is reported, not second-guessed.
    REQUIRE(setenv("HELIOS_HUSK", (root / "no-such-husk").c_str(), 1) == 0);
    Child wrong((root / "bin/helios-sim").string(), {"run", "--image", SYS_IMG_HELLO, "--com1", "none"});
    RunResult w = wrong.wait(20);
    unsetenv("HELIOS_HUSK");
    INFO(w.describe());
    REQUIRE(w.exited);
    CHECK(w.exit_code != 0);
    CHECK(contains(w.err, (root / "no-such-husk").string()));
}
