// The legacy gates (int $0x80, sysenter) and raw Linux syscall numbers from 64-bit guest code.
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "attack_run.h"

using namespace sectest;

TEST_CASE("gates: int $0x80 and sysenter in 64-bit mode fault and are never Linux syscalls", "[security][gates]") {
    Canary canary;
    WatchedRun run =
        run_attack({SEC_IMG_GATES, {"--com1", "stdio", "--timeout", "20", "--cmdline", canary.path()}, 40}, canary);
    INFO(run.result.describe());
    std::printf("[sec_gates] exit %d, canary %s\n", run.result.exit_code, canary.exists() ? "CREATED" : "absent");
    std::vector<std::string> probes = lines_with(run.result.out, " -> ");
    for (const std::string& l : probes) std::printf("  %s\n", l.c_str());
    CHECK(probes.size() == 4);
    // The Helios syscall ABI is the `syscall` instruction alone.
    for (const std::string& l : probes) {
        INFO(l);
        CHECK((contains(l, "-> fault GENERAL_PROTECTION") || contains(l, "-> fault INVALID_OPCODE")));
    }
    CHECK(contains(run.result.out, "sec_gates: done"));
}

TEST_CASE("raw syscalls: Linux numbers through `syscall` (open/creat/execve/ptrace/kill) are Helios calls",
          "[security][gates]") {
    Canary canary;
    WatchedRun run = run_attack(
        {SEC_IMG_RAW_SYSCALLS, {"--com1", "stdio", "--timeout", "20", "--cmdline", canary.path() + " @PID@"}, 40},
        canary);
    INFO(run.result.describe());
    CHECK(run.result.exit_code == 0);  // not ended by its own kill() or exit_group()
    CHECK(contains(run.result.out, "sec_raw_syscalls: done"));
    CHECK(!contains(run.result.out, "FAIL"));
}
