// Guests that ask for more host resources than the host gives: they get errors, the run goes on, the host stays
// bounded.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "attack_run.h"

using namespace sectest;

namespace {

// What "bounded" means here: well below this machine class's pid limit
// (32768) and threads-max, so that a guest can never starve the host of
// pids. The simulator's own configured limits must sit at or below these.
constexpr size_t kMaxHostProcesses = 4096;
constexpr size_t kMaxHostThreads = 16384;
// NOMEM with this many free pages left was a host limit, not the quota.
constexpr unsigned long kQuotaMargin = 256;

void exhaust(const std::string& mode, const std::string& cap) {
    // 2 GiB of guest memory: far more than 10 000 small address spaces,
    // 100 000 tasks or 100 000 pages need, so a host limit (processes,
    // threads, vm.max_map_count) is what stops the guest, not its quota.
    Launch launch{
        SEC_IMG_EXHAUST, {"--com1", "stdio", "--mem", "2G", "--timeout", "400", "--cmdline", mode + " " + cap}, 480};
    launch.sample_s = 0.25;
    WatchedRun run = run_watched(launch);
    INFO(run.result.describe());
    std::vector<std::string> end = lines_with(run.result.out, "sec_exhaust: " + mode + " stopped at ");
    std::vector<std::string> reached = lines_with(run.result.out, "sec_exhaust: " + mode + " reached ");
    std::printf(
        "[sec_exhaust %s] exit %d after %.1f s; peak: helios-sim %zu threads, %zu processes below it with "
        "%zu threads (%zu samples)\n  %s\n",
        mode.c_str(), run.result.exit_code, run.result.seconds, run.peak.sim_threads, run.peak.processes,
        run.peak.process_threads, run.samples,
        !end.empty()       ? end[0].c_str()
        : !reached.empty() ? reached[0].c_str()
                           : "(no final line)");
    for (const std::string& l : lines_with(run.result.err, "helios-sim: ")) std::printf("  %s\n", l.c_str());
    require_contained(run.result);
    CHECK(run.result.exit_code == 0);  // a NOMEM error, or the cap reached: never the end of the run
    CHECK(end.size() + reached.size() == 1);
    if (!end.empty()) {
        CHECK(contains(end[0], " by status 1 "));  // HELIOS_ENOMEM
        size_t at = end[0].find("(free pages ");
        REQUIRE(at != std::string::npos);
        CHECK(std::strtoul(end[0].c_str() + at + 12, nullptr, 10) >= kQuotaMargin);
    }
    CHECK(run.peak.processes <= kMaxHostProcesses);
    CHECK(run.peak.process_threads + run.peak.sim_threads <= kMaxHostThreads);
    CHECK(all_gone(run.seen, 5.0));
}

}  // namespace

TEST_CASE("exhaustion: 10 000 address spaces with a running task each", "[security][exhaustion]") {
    exhaust("spaces", "10000");
}

TEST_CASE("exhaustion: 100 000 tasks", "[security][exhaustion]") {
    exhaust("tasks", "100000");
}

TEST_CASE("exhaustion: 100 000 separate page mappings", "[security][exhaustion]") {
    exhaust("mappings", "100000");
}

TEST_CASE("the --max-* options set where the guest gets NOMEM", "[security][limits]") {
    // Small limits: the guest is stopped by them, at a count that follows
    // from the option (init's own vspace and task count too), never by its quota.
    struct Case {
        const char* mode;
        const char* option;
        unsigned long limit;
    };
    for (const Case& c : {Case{"spaces", "--max-address-spaces", 20}, Case{"tasks", "--max-tasks", 40},
                          Case{"mappings", "--max-mappings", 300}}) {
        Launch launch{SEC_IMG_EXHAUST,
                      {"--com1", "stdio", "--mem", "512M", "--timeout", "60", c.option, std::to_string(c.limit),
                       "--cmdline", std::string(c.mode) + " 100000"},
                      90};
        WatchedRun run = run_watched(launch);
        INFO(c.mode << ": " << run.result.describe());
        require_contained(run.result);
        CHECK(run.result.exit_code == 0);
        std::vector<std::string> end = lines_with(run.result.out, std::string("sec_exhaust: ") + c.mode + " stopped at ");
        REQUIRE(end.size() == 1);
        CHECK(contains(end[0], " by status 1 "));  // HELIOS_ENOMEM
        const size_t at = end[0].find(" stopped at ") + 12;
        const unsigned long reached = std::strtoul(end[0].c_str() + at, nullptr, 10);
        CHECK(reached < c.limit);
        CHECK(reached + 8 >= c.limit / 2);  // the limit, not something far earlier, stopped it
    }
}
