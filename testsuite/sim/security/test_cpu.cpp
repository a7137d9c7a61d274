// Instructions that read host CPU state: recorded (trapped or native), and the run stays contained.
#include <cpuid.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <string>

#include "attack_run.h"

using namespace sectest;

TEST_CASE("cpu: cpuid/rdrand/rdseed/rdpid/rdtscp are recorded and stay contained", "[security][cpu]") {
    Canary canary;
    WatchedRun run =
        run_attack({SEC_IMG_CPU_PROBE, {"--com1", "stdio", "--timeout", "20", "--cmdline", canary.path()}, 40}, canary);
    INFO(run.result.describe());
    CHECK(run.result.exit_code == 0);
    CHECK(contains(run.result.out, "sec_cpu: done"));
    // What the guest saw, against the host's own CPU: the virtual CPU
    // contract allows a trap answered from a fixed model, or native
    // execution where this host cannot trap; either is recorded, not failed.
    unsigned a = 0, b = 0, c = 0, d = 0;
    __get_cpuid(0, &a, &b, &c, &d);
    char host[9];
    std::memcpy(host, &b, 4);
    std::memcpy(host + 4, &d, 4);
    host[8] = '\0';
    const bool native = contains(run.result.out, std::string("sec_cpu: cpuid vendor starts '") + host + "'");
    std::printf("[sec_cpu] host vendor '%s'; guest cpuid %s\n", host,
                native ? "saw the host's vendor (native or a host-like model)" : "saw another vendor or faulted");
    for (const std::string& l : lines_with(run.result.out, " -> ")) std::printf("  %s\n", l.c_str());
}
