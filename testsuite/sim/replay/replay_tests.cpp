// Record/replay tests: record runs of real guests, replay them, break them.
#include <catch2/catch.hpp>

#include "sim/replay/injection.h"
#include "sim/replay/scenario.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace helios::sim;

namespace {

struct Run {
    int status = -1;  // exit code, or 128+signal
    std::string output;
};

// Run helios-sim with args (stdout and stderr together), killing it after
// `timeout_s` seconds.
Run run_sim(const std::vector<std::string>& args, double timeout_s = 20) {
    int pipefd[2];
    REQUIRE(pipe(pipefd) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        close(pipefd[0]);
        std::vector<char*> argv;
        std::string sim = HELIOS_SIM;
        argv.push_back(sim.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(sim.c_str(), argv.data());
        _exit(127);
    }
    close(pipefd[1]);
    Run r;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    char buf[4096];
    for (;;) {
        struct pollfd p{pipefd[0], POLLIN, 0};
        int left = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
        if (left <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        if (poll(&p, 1, left) <= 0) continue;
        ssize_t n = read(pipefd[0], buf, sizeof buf);
        if (n <= 0) break;
        r.output.append(buf, static_cast<size_t>(n));
    }
    close(pipefd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/helios-replay-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string read_file(const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& p, const std::string& text) {
    std::ofstream out(p);
    out << text;
}

// Record the echo guest reading `input` from a file.
std::string record_echo(const TempDir& dir, const std::string& input) {
    write_file(dir.file("input.txt"), input);
    std::string scn = dir.file("echo.scn");
    Run r = run_sim({"run", "--image", ECHO_IMAGE, "--com1", "file:" + dir.file("input.txt"), "--record", scn});
    INFO(r.output);
    REQUIRE(r.status == static_cast<int>(input.find('q')));
    return scn;
}

}  // namespace

TEST_CASE("record then replay matches to the end", "[replay]") {
    TempDir dir;
    std::string scn = record_echo(dir, "hello world\nq");
    std::string text = read_file(scn);
    CHECK(text.find("inject @") != std::string::npos);
    CHECK(text.find("end status=12") != std::string::npos);
    Run r = run_sim({"replay", scn});
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find("replay matched all") != std::string::npos);
}

TEST_CASE("recording twice gives the same scenario", "[replay]") {
    TempDir dir;
    std::string a = read_file(record_echo(dir, "abc\nq"));
    fs::rename(dir.file("echo.scn"), dir.file("first.scn"));
    std::string b = read_file(record_echo(dir, "abc\nq"));
    CHECK(a == b);
}

TEST_CASE("an edited input byte makes the replay diverge where it is read", "[replay]") {
    TempDir dir;
    std::string scn = record_echo(dir, "xyz\nq");
    std::string text = read_file(scn);
    // 'y' is 0x79: change it to 'Y' (0x59) in the recorded input (the UART
    // runs without FIFOs here, so each byte arrives on its own).
    size_t at = text.find("hex=79\n");
    REQUIRE(at != std::string::npos);
    text.replace(at, 6, "hex=59");
    write_file(scn, text);
    // The first event that shows the byte: the `in` from port 0x3f8 reading 0x79.
    auto sc = [&] {
        std::string err;
        auto s = load_scenario(scn, err);
        REQUIRE(s);
        return *s;
    }();
    size_t expected_index = 0;
    for (; expected_index < sc.events.size(); ++expected_index)
        if (sc.events[expected_index].find("in port=0x3f8 width=1 value=0x79") != std::string::npos) break;
    REQUIRE(expected_index < sc.events.size());
    Run r = run_sim({"replay", scn});
    INFO(r.output);
    CHECK(r.status == 3);
    CHECK(r.output.find("replay diverged at event " + std::to_string(expected_index)) != std::string::npos);
    CHECK(r.output.find("value=0x79") != std::string::npos);  // expected
    CHECK(r.output.find("value=0x59") != std::string::npos);  // actual
    CHECK(r.output.find("recent history") != std::string::npos);
    // Tasks by program, pcs by function and line.
    CHECK(r.output.find("tasks:\n    t1 = init, at main") != std::string::npos);
}

TEST_CASE("a scenario replayed with a changed image is refused unless forced", "[replay]") {
    TempDir dir;
    std::string scn = record_echo(dir, "ab\nq");
    Run refused = run_sim({"replay", scn, "--image", HELLO_IMAGE});
    INFO(refused.output);
    CHECK(refused.status == 65);
    CHECK(refused.output.find("not the one it was recorded with") != std::string::npos);
    Run forced = run_sim({"replay", scn, "--image", HELLO_IMAGE, "--force"});
    INFO(forced.output);
    CHECK(forced.output.find("--force") != std::string::npos);
    CHECK(forced.status == 3);  // a different program: it diverges
}

TEST_CASE("a recording cut off by SIGKILL still replays up to the cut", "[replay]") {
    TempDir dir;
    std::string scn = dir.file("spin.scn");
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(HELIOS_SIM, HELIOS_SIM, "run", "--image", SPIN_IMAGE, "--com1", "none", "--record", scn.c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    // Let it record a few thousand events, then kill it without warning.
    for (int i = 0; i < 200 && (!fs::exists(scn) || fs::file_size(scn) < 200000); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    std::string err;
    auto sc = load_scenario(scn, err);
    INFO(err);
    REQUIRE(sc);
    CHECK_FALSE(sc->complete);
    REQUIRE(sc->events.size() > 100);
    Run r = run_sim({"replay", scn});
    INFO(r.output.substr(0, 2000));
    CHECK(r.status == 0);
    CHECK(r.output.find("cut off") != std::string::npos);
}

TEST_CASE("fault injection from the command line: a failed allocation", "[replay][inject]") {
    Run r = run_sim({"run", "--image", HELLO_IMAGE, "--com1", "file:/dev/null", "--inject", "fail-alloc count=1 @0"});
    INFO(r.output);
    CHECK(r.status == 1);  // hello cannot get its COM1 port capability
    CHECK(r.output.find("cannot get COM1 ports") != std::string::npos);
}

TEST_CASE("fault injection: a hand-written scenario kills a task", "[replay][inject]") {
    TempDir dir;
    std::string scn = dir.file("kill.scn");
    write_file(scn, std::string("# helios-sim scenario v1\n") + "description init is killed at 50us\n" +
                        "image path=" + SPIN_IMAGE + " hash=fnv1a64:0 size=0\n" +
                        "inject @50us kill-task task=1\n");
    Run r = run_sim({"replay", scn, "--force"});
    INFO(r.output);
    CHECK(r.output.find("init was destroyed") != std::string::npos);
}

TEST_CASE("bad --inject specs and scenario files give clear errors", "[replay][inject]") {
    Run a = run_sim({"run", "--image", HELLO_IMAGE, "--inject", "irq-drop line=99 @1ms"});
    CHECK(a.status == 64);
    CHECK(a.output.find("line must be 0..15") != std::string::npos);
    Run b = run_sim({"run", "--image", HELLO_IMAGE, "--inject", "explode @1ms"});
    CHECK(b.status == 64);
    CHECK(b.output.find("unknown injection 'explode'") != std::string::npos);
    TempDir dir;
    write_file(dir.file("bad.scn"), "# helios-sim scenario v1\nimage path=x hash=fnv1a64:0 size=0\nwibble\n");
    Run c = run_sim({"replay", dir.file("bad.scn")});
    CHECK(c.status == 65);
    CHECK(c.output.find("bad.scn:3: unknown line kind 'wibble'") != std::string::npos);
    write_file(dir.file("badcheck.scn"),
               "# helios-sim scenario v2\nimage path=x hash=fnv1a64:0 size=0\ncheck invariants deep-every=0\n");
    Run e = run_sim({"replay", dir.file("badcheck.scn")});
    CHECK(e.status == 65);
    CHECK(e.output.find("badcheck.scn:3: check: expected 'check invariants deep-every=N'") != std::string::npos);
    write_file(dir.file("notscn.scn"), "hello\n");
    Run d = run_sim({"replay", dir.file("notscn.scn")});
    CHECK(d.status == 65);
    CHECK(d.output.find("not a helios-sim scenario") != std::string::npos);
    for (const char* bad : {"quit @5 7", "quit b7", "quit @5 b7 extra", "quit @5 b7\nquit @6 b8"}) {
        write_file(dir.file("quit.scn"),
                   std::string("# helios-sim scenario v2\nimage path=x hash=fnv1a64:0 size=0\n") + bad + "\n");
        Run q = run_sim({"replay", dir.file("quit.scn")});
        INFO(bad);
        CHECK(q.status == 65);
        CHECK(q.output.find("quit: expected one 'quit @VTIME bBOUNDARY'") != std::string::npos);
    }
}

TEST_CASE("a guest that never enters the kernel is stopped by --timeout", "[replay][time]") {
    auto t0 = std::chrono::steady_clock::now();
    Run r = run_sim({"run", "--image", SPIN_HARD_IMAGE, "--com1", "none", "--timeout", "0.5"}, 10);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO(r.output);
    CHECK(r.status == 124);
    CHECK(r.output.find("timeout") != std::string::npos);
    CHECK(took < 5);
}

TEST_CASE("free-running mode preempts a spinning guest and records it", "[replay][time]") {
    TempDir dir;
    std::string scn = dir.file("free.scn");
    Run r = run_sim({"run", "--image", SPIN_HARD_IMAGE, "--com1", "none", "--free-running", "--timeout", "0.3",
                     "--record", scn},
                    10);
    INFO(r.output);
    CHECK(r.status == 124);
    std::string text = read_file(scn);
    CHECK(text.find(" preempt\n") != std::string::npos);
}

TEST_CASE("an unsupervised fault is reported with program, function and source line", "[replay][fault]") {
    Run r = run_sim({"run", "--image", CRASH_IMAGE, "--com1", "file:/dev/null", "--timeout", "10"});
    INFO(r.output);
    CHECK(r.output.find("unsupervised fault: init (task 1): page fault at") != std::string::npos);
    CHECK(r.output.find("poke") != std::string::npos);
    CHECK(r.output.find("(crash.cpp:6)") != std::string::npos);
    CHECK(r.output.find("addr 0x20000000") != std::string::npos);
    CHECK(r.status == 75);  // init is stopped: nothing can run any more
}

// Whether this CPU honours PR_TSC_SIGSEGV (CR4.TSD): some hypervisors,
// including the nested one these machines run under, ignore it.
static bool rdtsc_can_trap() {
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
        unsigned lo, hi;
        asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

TEST_CASE("rdtsc reads virtual time, so runs that read the clock stay identical", "[replay][time]") {
    if (!rdtsc_can_trap()) {
        WARN("skipped: this CPU does not trap rdtsc under PR_TSC_SIGSEGV, so guests read the host's TSC");
        return;
    }
    TempDir dir;
    Run a = run_sim({"run", "--image", RDTSC_IMAGE, "--com1", "none", "--trace", dir.file("a.trace")});
    Run b = run_sim({"run", "--image", RDTSC_IMAGE, "--com1", "none", "--trace", dir.file("b.trace")});
    INFO(a.output);
    CHECK(a.status == 0);
    CHECK(b.status == 0);
    std::string ta = read_file(dir.file("a.trace"));
    CHECK(ta == read_file(dir.file("b.trace")));
    // Between the two reads: one yield, i.e. one kernel entry of 1000 ns.
    CHECK(ta.find("identify(cap=0x3e8)") != std::string::npos);
}

TEST_CASE("injection grammar round-trips", "[replay][inject]") {
    std::string err;
    for (const char* text : {"uart com2 hex=00ff7f @1", "fail-alloc count=3 @2", "irq-drop line=4 @3",
                             "irq-dup line=3 @4", "spurious-irq line=7 @5", "uart-corrupt com1 xor=0x20 @6",
                             "kill-task task=2 @7", "fault task=3 kind=PAGE addr=0x1000 @8", "preempt @9"}) {
        auto inj = parse_injection(text, err);
        INFO(text << ": " << err);
        REQUIRE(inj);
        auto again = parse_injection_line(format_injection_line(*inj), err);
        REQUIRE(again);
        CHECK(again->describe() == inj->describe());
        CHECK(again->vtime == inj->vtime);
    }
    CHECK_FALSE(parse_injection("uart com1 hex=abc @1", err));
    CHECK_FALSE(parse_injection("fault task=0 @1", err));
    CHECK_FALSE(parse_injection("irq-drop line=4", err));
    CHECK(err.find("@TIME") != std::string::npos);
    CHECK_FALSE(parse_injection("fault task=1 kind=NOPE @1", err));
}

TEST_CASE("every scenario in scenarios/ replays without divergence", "[replay][corpus]") {
    if (!fs::exists(SCENARIO_DIR)) return;
    int count = 0;
    // Under this host's own profile and under the weakest one (nothing
    // trapped): the corpus must not depend on what a host can trap.
    for (const char* profile : {"", "rdtsc=native,cpuid=native"}) {
        for (const auto& entry : fs::directory_iterator(SCENARIO_DIR)) {
            if (entry.path().extension() != ".scn") continue;
            ++count;
            // Images are pinned next to the scenarios (scenarios/images/).
            std::vector<std::string> args = {"replay", entry.path().string()};
            if (*profile) args.insert(args.end(), {"--host-profile", profile});
            Run r = run_sim(args, 60);
            INFO(entry.path() << " profile '" << profile << "'\n" << r.output.substr(0, 3000));
            CHECK(r.status == 0);
        }
    }
    WARN(count << " scenario replays");
}

TEST_CASE("recordings name the host profile, and --host-profile forces a weaker one", "[replay][host]") {
    TempDir dir;
    Run r = run_sim({"run", "--image", RDTSC_IMAGE, "--com1", "none", "--host-profile", "rdtsc=native,cpuid=native",
                     "--record", dir.file("weak.scn")});
    INFO(r.output);
    std::string scn = read_file(dir.file("weak.scn"));
    CHECK(scn.find("\n# host: rdtsc=native cpuid=native ") != std::string::npos);
    CHECK(scn.find("\nlimits address-spaces=512 tasks=2048 mappings=60000\n") != std::string::npos);
    Run bad = run_sim({"run", "--image", RDTSC_IMAGE, "--host-profile", "rdtsc=maybe"});
    CHECK(bad.status == 64);
    CHECK(bad.output.find("--host-profile") != std::string::npos);
    for (const char* v : {"0", "-3", "abc"}) {
        Run lim = run_sim({"run", "--image", RDTSC_IMAGE, "--max-tasks", v});
        INFO(v << ": " << lim.output);
        CHECK(lim.status == 64);
    }
}

TEST_CASE("the mapping limit is lowered to what vm.max_map_count allows, with a warning, and recorded", "[replay][host]") {
    unsigned long long host_max = 0;
    if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
        if (std::fscanf(f, "%llu", &host_max) != 1) host_max = 0;
        std::fclose(f);
    }
    REQUIRE(host_max > 2048);  // Linux's default is 65530
    TempDir dir;
    const std::string asked = std::to_string(host_max);  // more than fits with the husk's margin
    Run r = run_sim({"run", "--image", RDTSC_IMAGE, "--com1", "none", "--max-mappings", asked, "--record",
                     dir.file("lim.scn")});
    INFO(r.output);
    const std::string fitted = std::to_string(host_max - 1024);
    CHECK(r.output.find("--max-mappings lowered from " + asked + " to " + fitted) != std::string::npos);
    CHECK(read_file(dir.file("lim.scn")).find(" mappings=" + fitted + "\n") != std::string::npos);
}

TEST_CASE("a replay that diverges because the guest read an untrappable TSC names the instruction", "[replay][host]") {
    // The rdtsc guest reads the TSC twice. Recorded where rdtsc is trapped,
    // it replays exactly there; replayed with rdtsc left native (this host's
    // profile, or the forced weaker one) it reads the host's TSC and the
    // report names the rdtsc in source terms.
    TempDir dir;
    Run rec = run_sim({"run", "--image", RDTSC_IMAGE, "--com1", "none", "--record", dir.file("a.scn")});
    INFO(rec.output);
    const bool traps = rdtsc_can_trap();
    if (traps) {
        Run same = run_sim({"replay", dir.file("a.scn")});
        INFO(same.output);
        CHECK(same.status == 0);
        CHECK(read_file(dir.file("a.scn")).find("# guest-read rdtsc count=2 first program=init") != std::string::npos);
    }
    Run weak = run_sim({"replay", dir.file("a.scn"), "--host-profile", "rdtsc=native"});
    INFO(weak.output);
    CHECK(weak.status == 3);
    CHECK(weak.output.find("rdtsc.cpp:8") != std::string::npos);
    if (traps) CHECK(weak.output.find("hosts differ") != std::string::npos);
}
