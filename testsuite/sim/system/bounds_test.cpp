// Whole-system tests of the simulator's bounds on input and output (docs/security.md): bad images,
// memory sizes, the boot of an init that cannot fit, long string I/O, unread stdout, trace limits.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness.h"

using namespace systest;

namespace {

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

void require_exit(const RunResult& r, int code) {
    INFO(r.describe());
    REQUIRE(!r.watchdog);
    REQUIRE(r.exited);
    REQUIRE(r.exit_code == code);
}

RunResult run_args(const std::vector<std::string>& args, double timeout_s = 10) {
    Child child(sim_path(), args);
    return child.wait(timeout_s);
}

size_t count_of(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

// ---- Images: only a regular file under the size cap, never a blocking open. ----

TEST_CASE("bounds: an image that is a directory is refused with exit 65", "[system][bounds]") {
    TempDir dir;
    RunResult r = run_sim(dir.path(), {"--com1", "none"});
    require_exit(r, 65);
    CHECK(contains(r.err, "is a directory; it must be a regular file"));
}

TEST_CASE("bounds: /dev/zero as image is refused at once, not read until memory runs out", "[system][bounds]") {
    RunResult r = run_sim("/dev/zero", {"--com1", "none"});
    require_exit(r, 65);
    CHECK(contains(r.err, "is a character device"));
    CHECK(r.seconds < 5);
}

TEST_CASE("bounds: a FIFO as image is refused at once, not waited on", "[system][bounds]") {
    TempDir dir;
    const std::string fifo = dir.file("image.fifo");
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    RunResult r = run_sim(fifo, {"--com1", "none"}, 5);
    require_exit(r, 65);
    CHECK(contains(r.err, "is a FIFO"));
}

TEST_CASE("bounds: an image over the size cap is refused without being read", "[system][bounds]") {
    TempDir dir;
    // A sparse file one byte over the 1 GiB default cap: nothing to read, only to refuse.
    const std::string big = dir.file("big.tar");
    int fd = open(big.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, (off_t{1} << 30) + 1) == 0);
    close(fd);
    RunResult r = run_sim(big, {"--com1", "none"});
    require_exit(r, 65);
    CHECK(contains(r.err, "more than the limit of 1073741824 bytes"));
    // The cap is an option too: the real test image is refused under 1K.
    RunResult small = run_sim(SYS_IMG_HELLO, {"--com1", "none", "--image-limit", "1K"});
    require_exit(small, 65);
    CHECK(contains(small.err, "more than the limit of 1024 bytes"));
}

TEST_CASE("bounds: a scenario that is not a regular file is refused", "[system][bounds]") {
    RunResult r = run_args({"replay", "/dev/zero"});
    require_exit(r, 65);
    CHECK(contains(r.err, "scenario '/dev/zero' is a character device"));
}

// ---- Memory: never more than the host can back. ----

TEST_CASE("bounds: --mem above the host's physical memory is refused (exit 64)", "[system][bounds]") {
    RunResult r = run_sim(SYS_IMG_HELLO, {"--com1", "none", "--mem", "1024G"});
    require_exit(r, 64);
    CHECK(contains(r.err, "--mem: "));
    CHECK(contains(r.err, "physical memory"));
    CHECK(r.seconds < 5);
}

TEST_CASE("bounds: a scenario whose config mem= exceeds the host is refused (exit 65)", "[system][bounds]") {
    TempDir dir;
    const std::string scn = dir.file("huge.scn");
    write_file(scn, std::string("# helios-sim scenario v2\n") + "image path=" + SYS_IMG_HELLO +
                        " hash=fnv1a64:0 size=0\nconfig mem=1099511627776 cmdline=\n");
    RunResult r = run_args({"replay", scn});
    require_exit(r, 65);
    CHECK(contains(r.err, "scenario config mem="));
    CHECK(contains(r.err, "physical memory"));
}

// ---- Boot: an init that cannot fit is a boot error, not a crash. ----

TEST_CASE("bounds: an init with a 17 MiB .bss is refused at boot with exit 65", "[system][bounds]") {
    RunResult r = run_sim(SYS_IMG_BIGBSS, {"--com1", "stdio", "--mem", "256M"});
    require_exit(r, 65);
    CHECK(contains(r.err, "more capability slots than init's cspace has"));
    CHECK(!contains(r.out, "booted"));
}

// ---- --timeout is a hard bound. ----

TEST_CASE("bounds: one rep outsb that would run for a minute stops at --timeout (exit 124)",
          "[system][bounds][timeout]") {
    TempDir dir;
    // 4 MiB to COM1 with its far end on stdout: about 20 us a byte, so the
    // one instruction would take well over a minute. (Init's cspace limits a
    // guest buffer to under 16 MiB, so the slow device, not the size, makes
    // it long.)
    RunResult r = run_sim(SYS_IMG_REPOUT,
                          {"--com1", "stdio", "--cmdline", "4 1016", "--timeout", "2", "--trace", dir.file("trace")},
                          30);
    require_exit(r, 124);
    CHECK(r.seconds < 4.5);
    CHECK(contains(r.out, "sys_repout: mapped 4 MiB"));  // the instruction had started
    CHECK(!contains(r.out, "done"));
    std::string trace = read_file(dir.file("trace"));
    // The instruction was cut short: at most one `outs` event, whatever its length.
    CHECK(count_of(trace, " outs port=0x3f8 width=1 count=") <= 1);
    CHECK(count_of(trace, " io t") <= 1);
}

TEST_CASE("bounds: a long rep outsb that finishes is one trace event with its count", "[system][bounds]") {
    TempDir dir;
    RunResult r = run_sim(SYS_IMG_REPOUT,
                          {"--com1", "none", "--com2", "stdio", "--cmdline", "1 128", "--trace", dir.file("trace")});
    require_exit(r, 0);
    std::string trace = read_file(dir.file("trace"));
    INFO(trace.substr(trace.size() > 2000 ? trace.size() - 2000 : 0));
    CHECK(count_of(trace, " outs port=0x80 width=1 count=1048576 data=00000000000000000000000000000000+ fnv=") == 1);
    CHECK(count_of(trace, " io t") == 1);
}

TEST_CASE("bounds: a stdout pipe nobody reads neither stalls the run nor --timeout", "[system][bounds][timeout]") {
    TempDir dir;
    int out[2];
    REQUIRE(pipe(out) == 0);
    const std::string err_path = dir.file("stderr");
    const double start = now_seconds();
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null_fd = open("/dev/null", O_RDONLY);
        dup2(null_fd, 0);
        dup2(out[1], 1);
        dup2(err, 2);
        close(out[0]);
        execl(sim_path().c_str(), sim_path().c_str(), "run", "--image", SYS_IMG_REPOUT, "--com1", "stdio",
              "--cmdline", "print", "--timeout", "2", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);  // the read end stays open and is never read
    int status = 0;
    pid_t done = 0;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && now_seconds() - start < 15) usleep(20'000);
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    const double seconds = now_seconds() - start;
    close(out[0]);
    std::string err = read_file(err_path);
    INFO(err);
    REQUIRE(done == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 124);
    CHECK(seconds < 5);
    CHECK(contains(err, "dropped"));
}

// ---- Trace and recording size limits. ----

TEST_CASE("bounds: --trace-limit truncates the trace with one line and one warning and the run goes on",
          "[system][bounds]") {
    TempDir dir;
    RunResult r = run_sim(SYS_IMG_HELLO, {"--com1", "none", "--trace", dir.file("trace"), "--trace-limit", "300"});
    require_exit(r, 0);
    std::string trace = read_file(dir.file("trace"));
    CHECK(trace.size() <= 300 + 200);
    CHECK(count_of(trace, "# truncated: the trace reached its limit of 300 bytes") == 1);
    CHECK(count_of(r.err, "reached --trace-limit") == 1);
}

TEST_CASE("bounds: --trace-limit cuts a recording, which then replays as cut off", "[system][bounds]") {
    TempDir dir;
    const std::string scn = dir.file("rec.scn");
    RunResult r = run_sim(SYS_IMG_HELLO, {"--com1", "none", "--record", scn, "--trace-limit", "700"});
    require_exit(r, 0);
    std::string text = read_file(scn);
    CHECK(text.size() <= 700 + 200);
    CHECK(contains(text, "# truncated: the recording reached its limit"));
    CHECK(!contains(text, "end status="));
    RunResult replay = run_args({"replay", scn});
    require_exit(replay, 0);
    CHECK(contains(replay.err, "cut off"));
}
