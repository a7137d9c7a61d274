// Whole-system tests of helios-sim: guest programs booted as init, checked from the host.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "harness.h"

using namespace systest;

namespace {

const std::string kHelloOut = "sys_hello: via writecons\nsys_hello: via COM1\n";

// A run that must end normally with `code`; prints everything otherwise.
void require_exit(const RunResult& r, int code) {
    INFO(r.describe());
    REQUIRE(!r.watchdog);
    REQUIRE(r.exited);
    REQUIRE(r.exit_code == code);
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Connects to a unix socket, retrying while the simulator is still creating it.
int connect_unix(const std::string& path, double timeout_s) {
    const double deadline = now_seconds() + timeout_s;
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
        close(fd);
        if (now_seconds() > deadline) return -1;
        usleep(10'000);
    }
}

// Reads from fd until `text` was received or the timeout passes.
std::string read_until(int fd, const std::string& text, double timeout_s) {
    std::string got;
    const double deadline = now_seconds() + timeout_s;
    while (!contains(got, text) && now_seconds() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        char buf[256];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

// Every recorded process is gone (or a zombie) within timeout_s.
bool all_gone(const std::vector<ProcId>& procs, double timeout_s) {
    const double deadline = now_seconds() + timeout_s;
    for (;;) {
        bool any = false;
        for (const ProcId& p : procs) any = any || alive(p);
        if (!any) return true;
        if (now_seconds() > deadline) return false;
        usleep(5'000);
    }
}

}  // namespace

// ---- 1. Console output reaches the chosen COM1 backend. ----

TEST_CASE("hello: writecons and COM1 port writes reach --com1 file: (stdout)", "[system][hello]") {
    RunResult r = run_sim(SYS_IMG_HELLO, {"--com1", "file:/dev/null"});
    require_exit(r, 0);
    CHECK(r.out == kHelloOut);
}

TEST_CASE("hello: --com1 stdio prints both lines on stdout", "[system][hello]") {
    RunResult r = run_sim(SYS_IMG_HELLO, {"--com1", "stdio"});
    require_exit(r, 0);
    CHECK(r.out == kHelloOut);
}

TEST_CASE("hello: --com1 none discards both lines", "[system][hello]") {
    RunResult r = run_sim(SYS_IMG_HELLO, {"--com1", "none"});
    require_exit(r, 0);
    CHECK(r.out.empty());
    CHECK(!contains(r.err, "sys_hello"));
}

TEST_CASE("hello: --com1 unix: keeps output for a client that connects later, and carries its input",
          "[system][hello]") {
    TempDir dir;
    const std::string sock = dir.file("com1.sock");
    Child sim(sim_path(),
              {"run", "--image", SYS_IMG_HELLO, "--com1", "unix:" + sock, "--com2", "stdio", "--cmdline", "echo"});
    // COM2 says "ready" only after both COM1 lines were written.
    bool ready = sim.wait_for_stdout("sys_hello: ready\n", 5);
    if (!ready) FAIL_CHECK(sim.wait(1).describe());
    REQUIRE(ready);
    int fd = connect_unix(sock, 2);
    REQUIRE(fd >= 0);
    std::string got = read_until(fd, kHelloOut, 2);
    CHECK(got == kHelloOut);
    REQUIRE(write(fd, "x", 1) == 1);
    got += read_until(fd, "got x\n", 2);
    CHECK(got == kHelloOut + "sys_hello: got x\n");
    close(fd);
    RunResult r = sim.wait(5);
    require_exit(r, 0);
    CHECK(r.out == "sys_hello: ready\n");  // nothing of COM1 on stdout
    CHECK(!file_exists(sock));             // the simulator removed its socket
}

// ---- 2. A supervisor thread resolves another thread's page fault. ----

TEST_CASE("pagefault: the supervisor gets PAGE/write at 0x20000000, maps it, the worker reads 1337",
          "[system][fault]") {
    TempDir dir;
    RunResult r = run_sim(SYS_IMG_PAGEFAULT, {"--com1", "stdio", "--trace", dir.file("trace")});
    require_exit(r, 0);
    CHECK(contains(r.out, "sys_pagefault: fault kind=PAGE addr=0x20000000 access=write\n"));
    CHECK(contains(r.out, "sys_pagefault: resolved, worker read 1337\n"));
    CHECK(!contains(r.out, "FAIL"));
    std::string trace = read_file(dir.file("trace"));
    INFO(trace);
    CHECK(contains(trace, " fault t"));
    CHECK(contains(trace, " PAGE addr=0x20000000 "));
    // The supervisor's resolution, named by its HELIOS_INVOCATIONS rows.
    CHECK(contains(trace, ") memory_allocate -> NONE "));
    CHECK(contains(trace, ") page_map -> NONE "));
    CHECK(contains(trace, ") task_resume -> NONE "));
}

// ---- 3. Port I/O: permission faults, the UART model, IRQ 4. ----

TEST_CASE("ioport: IOPORT faults without a capability, scratch round trip, IRQ 4 and loopback", "[system][ioport]") {
    TempDir dir;
    write_file(dir.file("input"), "Q");
    RunResult r = run_sim(SYS_IMG_IOPORT, {"--com1", "file:" + dir.file("input"), "--cmdline", "81"});
    require_exit(r, 0);
    CHECK(contains(r.out, "sys_ioport: fault kind=IOPORT port=0x3ff access=write\n"));
    CHECK(contains(r.out, "sys_ioport: fault kind=IOPORT port=0x2f8 access=read\n"));
    CHECK(contains(r.out, "sys_ioport: scratch round trip 0x5a\n"));
    CHECK(contains(r.out, "sys_ioport: irq 4 delivered bit 0x10, byte 0x51\n"));
    CHECK(contains(r.out, "sys_ioport: loopback round trip ok\n"));
    CHECK(!contains(r.out, "\xA5"));  // the loopback byte never reaches the line
    CHECK(!contains(r.out, "FAIL"));
}

TEST_CASE("ioport: without an IOPort or a fault endpoint the kernel console reports the stop", "[system][ioport]") {
    RunResult r = run_sim(SYS_IMG_IOPORT, {"--com1", "file:/dev/null", "--cmdline", "nocap"});
    INFO(r.describe());
    REQUIRE(r.exited);
    CHECK(r.exit_code != 0);
    CHECK(contains(r.out, "faulted: I/O port without permission"));
    CHECK(contains(r.out, "addr 0x3f8"));
    CHECK(!contains(r.out, "FAIL"));
    CHECK(!contains(r.out, "!"));
}

// ---- 4. Confinement: Linux syscalls from a guest have no Linux effect. ----

TEST_CASE("confine: raw Linux syscalls get Helios semantics, never Linux's", "[system][confine]") {
    TempDir dir;
    const std::string probe = dir.file("created-by-guest");
    Child sim(sim_path(), {"run", "--image", SYS_IMG_CONFINE, "--com1", "stdio", "--cmdline", probe + " @PID@"});
    RunResult r = sim.wait(10);
    require_exit(r, 0);  // not killed by its own kill(), not ended by exit_group()
    CHECK(contains(r.out, "sys_confine: still running after exit_group"));
    CHECK(!contains(r.out, "LEAKED"));
    CHECK(!contains(r.err, "LEAKED"));
    CHECK(!contains(r.out, "FAIL"));
    CHECK(!file_exists(probe));  // neither open(O_CREAT) nor mkdir ran
}

// ---- 5. Determinism: the same image gives the same trace and output. ----

namespace {

// Runs image twice (at once) with --trace; traces and output must be byte-identical.
void require_deterministic(const char* image, const std::vector<std::string>& args, const TempDir& dir) {
    std::vector<SimRun> runs;
    for (int i = 0; i < 2; ++i) {
        runs.push_back({image, args});
        runs.back().args.push_back("--trace");
        runs.back().args.push_back(dir.file("trace" + std::to_string(i)));
    }
    std::vector<RunResult> r = run_sims(runs);
    require_exit(r[0], 0);
    require_exit(r[1], 0);
    std::string traces[2] = {read_file(dir.file("trace0")), read_file(dir.file("trace1"))};
    CHECK(traces[0].size() > 1000);
    CHECK(traces[0] == traces[1]);
    CHECK(r[0].out == r[1].out);
    CHECK(!r[0].out.empty());
}

}  // namespace

TEST_CASE("determinism: the page-fault run twice gives byte-identical traces and output", "[system][determinism]") {
    TempDir dir;
    require_deterministic(SYS_IMG_PAGEFAULT, {"--com1", "stdio"}, dir);
}

TEST_CASE("determinism: the port-I/O and IRQ run twice gives byte-identical traces and output",
          "[system][determinism]") {
    TempDir dir;
    write_file(dir.file("input"), "Q");
    require_deterministic(SYS_IMG_IOPORT, {"--com1", "file:" + dir.file("input"), "--cmdline", "81"}, dir);
}

// ---- 6. No process outlives the simulator. ----

TEST_CASE("no orphans: SIGKILL of helios-sim takes its husks with it", "[system][orphans]") {
    const bool block = GENERATE(false, true);
    INFO((block ? "guest blocked in wait" : "guest spinning"));
    // A blocked guest with live input (a pipe on stdin) keeps the simulator
    // waiting instead of reporting a deadlock.
    Child sim(sim_path(), {"run", "--image", SYS_IMG_SPIN, "--com1", "stdio", "--cmdline", block ? "block" : "spin"},
              block);
    bool started = sim.wait_for_stdout(block ? "sys_spin: blocking\n" : "sys_spin: spinning\n", 5);
    if (!started) FAIL_CHECK(sim.wait(1).describe());
    REQUIRE(started);
    std::vector<ProcId> husks = children_of(sim.pid());
    REQUIRE(!husks.empty());
    for (const ProcId& p : husks) CHECK(alive(p));
    sim.signal(SIGKILL);
    RunResult r = sim.wait(5);
    CHECK(r.term_signal == SIGKILL);
    std::string names;
    for (const ProcId& p : husks) names += std::to_string(p.pid) + " (" + p.comm + ") ";
    INFO("husks: " << names);
    CHECK(all_gone(husks, 1.0));
}

TEST_CASE("no orphans: --timeout 1 stops a spinning guest with 124 and leaves no process", "[system][orphans]") {
    Child sim(sim_path(), {"run", "--image", SYS_IMG_SPIN, "--com1", "stdio", "--timeout", "1"});
    bool started = sim.wait_for_stdout("sys_spin: spinning\n", 5);
    std::vector<ProcId> husks = children_of(sim.pid());
    RunResult r = sim.wait(5);
    INFO(r.describe());
    REQUIRE(started);
    REQUIRE(!husks.empty());
    CHECK(!r.watchdog);
    CHECK(r.exited);
    CHECK(r.exit_code == 124);
    CHECK(r.seconds < 4);  // the timeout, not the harness watchdog (5 s)
    CHECK(contains(r.err, "timeout"));
    CHECK(all_gone(husks, 1.0));
}

// ---- 7. Malformed images: exit 65 with a message naming the problem. ----

namespace {

std::string hello_elf() {
    std::string elf = read_file(SYS_ELF_HELLO);
    REQUIRE(elf.size() > 4096);
    REQUIRE(elf.compare(0, 4,
                        "\x7f"
                        "ELF") == 0);
    return elf;
}

void require_bad_image(const std::string& image, const std::vector<std::string>& keywords) {
    RunResult r = run_sim(image, {"--com1", "stdio"});
    INFO(r.describe());
    REQUIRE(!r.watchdog);
    REQUIRE(r.exited);  // never a crash
    CHECK(r.exit_code == 65);
    CHECK(contains(r.err, image));
    for (const std::string& k : keywords) CHECK(contains(r.err, k));
    CHECK(r.out.empty());
}

}  // namespace

TEST_CASE("malformed image: random bytes", "[system][image]") {
    TempDir dir;
    std::string bytes(8192, '\0');
    uint32_t x = 12345;
    for (char& c : bytes) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 24);
    }
    write_file(dir.file("random.tar"), bytes);
    require_bad_image(dir.file("random.tar"), {"tar"});
}

TEST_CASE("malformed image: empty file", "[system][image]") {
    TempDir dir;
    write_file(dir.file("empty.tar"), "");
    require_bad_image(dir.file("empty.tar"), {"initramfs"});
}

TEST_CASE("malformed image: a tar without init", "[system][image]") {
    TempDir dir;
    write_file(dir.file("noinit.tar"), make_tar({{"hello", hello_elf()}, {"drivers/serial", "x"}}));
    require_bad_image(dir.file("noinit.tar"), {"init"});
}

TEST_CASE("malformed image: init is a truncated ELF", "[system][image]") {
    TempDir dir;
    write_file(dir.file("truncated.tar"), make_tar({{"init", hello_elf().substr(0, 200)}}));
    require_bad_image(dir.file("truncated.tar"), {"init", "ELF"});
}

TEST_CASE("malformed image: init is not an ELF at all", "[system][image]") {
    TempDir dir;
    write_file(dir.file("script.tar"), make_tar({{"init", "#!/bin/sh\necho hi\n"}}));
    require_bad_image(dir.file("script.tar"), {"init", "ELF"});
}

TEST_CASE("malformed image: init is an ELF for another machine (AArch64)", "[system][image]") {
    TempDir dir;
    std::string elf = hello_elf();
    elf[18] = static_cast<char>(183);  // e_machine = EM_AARCH64
    elf[19] = 0;
    write_file(dir.file("aarch64.tar"), make_tar({{"init", elf}}));
    require_bad_image(dir.file("aarch64.tar"), {"init", "ELF", "machine"});
}

TEST_CASE("malformed image: a path that does not exist", "[system][image]") {
    TempDir dir;
    require_bad_image(dir.file("no-such-image.tar"), {"cannot open", "No such file"});
}

// ---- 8. init's exit status is helios-sim's. ----

TEST_CASE("exit status: init returning 3 makes helios-sim exit with 3", "[system][exit]") {
    RunResult r = run_sim(SYS_IMG_EXIT_STATUS, {"--com1", "stdio"});
    require_exit(r, 3);
    CHECK(r.out == "sys_exit_status: exiting with 3\n");
}

TEST_CASE("exit status: init returning 0 makes helios-sim exit with 0", "[system][exit]") {
    require_exit(run_sim(SYS_IMG_EXIT_STATUS, {"--com1", "none", "--cmdline", "0"}), 0);
}

TEST_CASE("exit status: init returning 42 makes helios-sim exit with 42", "[system][exit]") {
    require_exit(run_sim(SYS_IMG_EXIT_STATUS, {"--com1", "none", "--cmdline", "42"}), 42);
}
