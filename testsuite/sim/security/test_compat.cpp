// Compat-mode entry (cs 0x23) followed by each way a thread is retired: the husk must never run its code.
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <string>

#include "attack_run.h"

using namespace sectest;

namespace {

// Whether this host lets a user process enter compat mode at all: a child
// far-returns into cs 0x23 and makes the i386 exit(42) there. Some kernels
// and hypervisors give the 32-bit code segment no usable descriptor; the
// far return then faults and the attacks below cannot get past it.
bool host_has_compat_mode() {
    static const int answer = [] {
        pid_t kid = fork();
        if (kid == 0) {
            // Die by the fault itself, not through Catch2's or a sanitizer's handler.
            for (int sig : {SIGSEGV, SIGBUS, SIGILL}) signal(sig, SIG_DFL);
            auto* p = static_cast<uint8_t*>(mmap(reinterpret_cast<void*>(0x50000000), 4096,
                                                 PROT_READ | PROT_WRITE | PROT_EXEC,
                                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
            if (p == MAP_FAILED) _exit(1);
            // push 0x23; mov eax, 0x50000100; push rax; lretq
            const uint8_t entry[] = {0x6A, 0x23, 0xB8, 0x00, 0x01, 0x00, 0x50, 0x50, 0x48, 0xCB};
            // mov eax, 1 (i386 exit); mov ebx, 42; int $0x80
            const uint8_t compat[] = {0xB8, 1, 0, 0, 0, 0xBB, 42, 0, 0, 0, 0xCD, 0x80};
            std::memcpy(p, entry, sizeof entry);
            std::memcpy(p + 0x100, compat, sizeof compat);
            asm volatile("mov $0x50000f00, %%rsp\n\tjmp *%0" : : "r"(p) : "memory");
            _exit(2);
        }
        int status = 0;
        waitpid(kid, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 42 ? 1 : 0;
    }();
    return answer == 1;
}

void say_what_the_host_allows() {
    if (!host_has_compat_mode())
        std::printf(
            "[sec_compat] NOTE: this host refuses cs 0x23 (a native far return faults): the guest cannot "
            "enter compat mode here, so these runs show only that the attempt is contained\n");
}

// One line per run in the test log: what the attack did against this simulator.
void record(const std::string& name, const WatchedRun& run, const Canary& canary) {
    std::printf("[sec_compat %s] exit %d, canary %s\n", name.c_str(), run.result.exit_code,
                canary.exists() ? "CREATED (escaped to Linux)" : "absent");
    for (const std::string& l : lines_with(run.result.out, "sec_compat: ")) std::printf("  %s\n", l.c_str());
    for (const std::string& l : lines_with(run.result.err, "helios-sim: ")) std::printf("  %s\n", l.c_str());
}

Launch compat_launch(const Canary& canary, const std::string& mode) {
    return {SEC_IMG_COMPAT, {"--com1", "stdio", "--timeout", "20", "--cmdline", canary.path() + " " + mode}, 40};
}

// The worker's first stop in compat mode is a general-protection fault that
// reaches its supervisor (the sealed husk's rule), and the guest finishes.
void check_sealed(const WatchedRun& run) {
    INFO(run.result.describe());
    CHECK(contains(run.result.out, "sec_compat: worker fault GENERAL_PROTECTION"));
    CHECK(contains(run.result.out, "sec_compat: done after"));
    CHECK(!contains(run.result.out, "FAIL"));
}

}  // namespace

TEST_CASE("compat: a thread in compat mode that exits or makes a syscall or is destroyed never reaches Linux",
          "[security][compat]") {
    // exit: compat int $0x80 = Helios exit; syscall: compat `syscall` = Helios
    // exit; yield: a Helios syscall through int $0x80 that would return and
    // go on; destroy: a compat fault, then the supervisor destroys the
    // task; linux: i386 creat of the canary through int $0x80 and syscall.
    const std::string mode = GENERATE(as<std::string>{}, "exit", "syscall", "yield", "destroy", "linux");
    INFO("mode " << mode);
    say_what_the_host_allows();
    Canary canary;
    WatchedRun run = run_attack(compat_launch(canary, mode), canary);
    record(mode, run, canary);
    check_sealed(run);
}

TEST_CASE("compat: a thread suspended in compat mode and killed by --inject kill-task never reaches Linux",
          "[security][compat]") {
    // A first run learns the worker's kernel id (deterministic: the same in
    // every run of this image); the second kills it at 2 ms of virtual time,
    // while the supervisor is still polling (about 6 ms of rounds).
    say_what_the_host_allows();
    Canary probe_canary;
    WatchedRun probe = run_attack(compat_launch(probe_canary, "kill"), probe_canary);
    std::vector<std::string> id_line = lines_with(probe.result.out, "worker task ");
    INFO(probe.result.describe());
    REQUIRE(id_line.size() == 1);
    const std::string id = id_line[0].substr(id_line[0].rfind(' ') + 1);

    Canary canary;
    Launch launch = compat_launch(canary, "kill");
    launch.args.insert(launch.args.end(), {"--inject", "kill-task task=" + id + " @2ms"});
    WatchedRun run = run_attack(launch, canary);
    record("kill task=" + id, run, canary);
    check_sealed(run);
    CHECK(contains(run.result.out, "sec_compat: worker gone after kill-task"));
}
