// The stdio UART's keys (docs/debugging.md, "Quit and escape"): Ctrl-A x quits, Ctrl-A Ctrl-A and Ctrl-C reach the guest, a quit replays exactly.
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

using namespace systest;

namespace {

const std::string kCtrlA = "\x01";
const std::string kQuit = kCtrlA + "x";

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// The exit of a run that must end by itself (not by the harness's kill).
void require_exit(const RunResult& r, int code) {
    INFO(r.describe());
    REQUIRE(!r.watchdog);
    REQUIRE(r.exited);
    REQUIRE(r.exit_code == code);
}

// sys_hello in echo mode answers the first byte COM1 receives.
std::string echo_of(const std::string& typed) {
    Child sim(sim_path(), {"run", "--image", SYS_IMG_HELLO, "--com1", "stdio", "--cmdline", "echo"}, true);
    REQUIRE(sim.wait_for_stdout("sys_hello: via COM1\n", 10));
    sim.send_stdin(typed);
    RunResult r = sim.wait(20);
    require_exit(r, 0);
    const std::string prefix = "sys_hello: got ";
    size_t at = r.out.find(prefix);
    INFO(r.describe());
    REQUIRE(at != std::string::npos);
    return r.out.substr(at + prefix.size(), 1);
}

}  // namespace

TEST_CASE("keys: Ctrl-C reaches the guest as the byte 0x03", "[system][keys]") {
    CHECK(echo_of("\x03") == "\x03");
}

TEST_CASE("keys: Ctrl-A Ctrl-A reaches the guest as one Ctrl-A", "[system][keys]") {
    CHECK(echo_of(kCtrlA + kCtrlA) == kCtrlA);
}

TEST_CASE("keys: Ctrl-A with another key is dropped, the next key goes through", "[system][keys]") {
    CHECK(echo_of(kCtrlA + "q" + "z") == "z");
}

TEST_CASE("keys: Ctrl-A x quits a guest blocked in the kernel, with status 0", "[system][keys]") {
    Child sim(sim_path(), {"run", "--image", SYS_IMG_SPIN, "--com1", "stdio", "--cmdline", "block"}, true);
    REQUIRE(sim.wait_for_stdout("sys_spin: blocking\n", 10));
    sim.send_stdin(kQuit);
    RunResult r = sim.wait(20);
    require_exit(r, 0);
    CHECK(contains(r.err, "quit: Ctrl-A x on COM1"));
}

TEST_CASE("keys: Ctrl-A x quits a guest spinning without kernel entries, in deterministic mode", "[system][keys]") {
    // Nothing but the watchdog's look at stdin can end this run: the guest
    // never enters the kernel, and there is no --timeout.
    Child sim(sim_path(), {"run", "--image", SYS_IMG_SPIN, "--com1", "stdio"}, true);
    REQUIRE(sim.wait_for_stdout("sys_spin: spinning\n", 10));
    sim.send_stdin(kQuit);
    RunResult r = sim.wait(20);
    require_exit(r, 0);
    CHECK(contains(r.err, "quit: Ctrl-A x on COM1"));
}

TEST_CASE("keys: a quit ends a recording, and the replay stops at the same place and matches", "[system][keys]") {
    const bool spinning = GENERATE(false, true);
    INFO((spinning ? "guest spinning" : "guest blocked"));
    TempDir dir;
    const std::string scn = dir.file("quit.scn");
    {
        Child sim(sim_path(),
                  {"run", "--image", SYS_IMG_SPIN, "--com1", "stdio", "--cmdline", spinning ? "spin" : "block",
                   "--record", scn},
                  true);
        REQUIRE(sim.wait_for_stdout(spinning ? "sys_spin: spinning\n" : "sys_spin: blocking\n", 10));
        sim.send_stdin(kQuit);
        require_exit(sim.wait(20), 0);
    }
    const std::string recording = read_file(scn);
    INFO(recording);
    CHECK(contains(recording, "\nquit @"));
    CHECK(contains(recording, "\nend status=0\n"));
    CHECK_FALSE(contains(recording, "uart com1"));  // the quit keys are no guest input

    Child replay(sim_path(), {"replay", scn});
    RunResult r = replay.wait(20);
    require_exit(r, 0);
    CHECK(contains(r.err, "replay matched all"));
    CHECK(contains(r.err, "the recording was quit here"));
}
