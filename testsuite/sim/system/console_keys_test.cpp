// The stdio UART's keys (docs/debugging.md, "Quit and escape"): Ctrl-A x quits, Ctrl-A Ctrl-A and Ctrl-C reach the guest, a quit replays exactly.
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

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

TEST_CASE("keys: on a terminal Ctrl-C reaches the guest, and the terminal is raw only while the run lasts",
          "[system][keys][tty]") {
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        execl(sim_path().c_str(), "helios-sim", "run", "--image", SYS_IMG_HELLO, "--com1", "stdio", "--cmdline",
              "echo", static_cast<char*>(nullptr));
        _exit(127);
    }
    // The simulator's terminal is a fresh pty, cooked as a shell leaves one.
    std::string out;
    auto pump_until = [&](const std::string& text, double timeout_s) {
        const double deadline = now_seconds() + timeout_s;
        while (!contains(out, text) && now_seconds() < deadline) {
            pollfd p{master, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            char buf[256];
            ssize_t n = read(master, buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, static_cast<size_t>(n));
        }
        return contains(out, text);
    };
    const bool started = pump_until("sys_hello: via COM1", 10);
    termios running{};
    const bool got_running = tcgetattr(master, &running) == 0;
    // Ctrl-C is a key for the guest, not a signal: sys_hello echoes it.
    const char ctrl_c = 0x03;
    (void)!write(master, &ctrl_c, 1);
    const bool echoed = pump_until("sys_hello: got \x03", 10);
    int status = 0;
    waitpid(pid, &status, 0);  // the guest exits after its echo
    termios after{};
    const bool got_after = tcgetattr(master, &after) == 0;
    close(master);
    INFO(out);
    REQUIRE(started);
    REQUIRE(got_running);
    CHECK((running.c_lflag & (ISIG | ICANON | ECHO)) == 0);
    CHECK(echoed);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    REQUIRE(got_after);
    CHECK((after.c_lflag & (ISIG | ICANON | ECHO)) == (ISIG | ICANON | ECHO));
}
