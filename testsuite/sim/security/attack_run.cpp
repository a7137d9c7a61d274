// Runs a hostile guest under helios-sim while watching the host, and states what "contained" means.
#include "attack_run.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "proc_probe.h"

namespace sectest {

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (contains(line, needle)) out.push_back(line);
    return out;
}

namespace {

void sample(pid_t sim, WatchedRun& run) {
    std::vector<Descendant> now = descendants_of(sim);
    size_t threads = 0;
    for (const Descendant& d : now) {
        threads += d.threads;
        auto same = [&](const systest::ProcId& p) { return p.pid == d.id.pid && p.start_time == d.id.start_time; };
        if (std::find_if(run.seen.begin(), run.seen.end(), same) == run.seen.end()) run.seen.push_back(d.id);
    }
    run.peak.sim_threads = std::max(run.peak.sim_threads, proc_threads(sim));
    run.peak.processes = std::max(run.peak.processes, now.size());
    run.peak.process_threads = std::max(run.peak.process_threads, threads);
    ++run.samples;
}

}  // namespace

WatchedRun run_watched(const Launch& launch) {
    std::vector<std::string> args = {"run", "--image", launch.image};
    args.insert(args.end(), launch.args.begin(), launch.args.end());
    std::string program = systest::sim_path();
    if (launch.no_aslr) {
        args.insert(args.begin(), {"x86_64", "-R", program});
        program = "/usr/bin/setarch";
    }
    WatchedRun run;
    systest::Child sim(program, args);
    const double deadline = systest::now_seconds() + launch.watchdog_s;
    for (;;) {
        char state = proc_state(sim.pid());
        if (state == 0 || state == 'Z' || state == 'X' || systest::now_seconds() > deadline) break;
        sample(sim.pid(), run);
        // Pumps the output pipes for sample_s (the text is never printed).
        if (!sim.wait_for_stdout("\x01\x02never\x03", launch.sample_s))
            usleep(static_cast<useconds_t>(launch.sample_s * 1e6 / 4));
    }
    run.result = sim.wait(std::max(1.0, deadline - systest::now_seconds()));
    return run;
}

void require_contained(const systest::RunResult& r) {
    INFO(r.describe());
    REQUIRE(!r.watchdog);       // a hang
    REQUIRE(r.exited);          // a signal ended the simulator
    CHECK(r.exit_code != 70);   // an internal error of the simulator
    CHECK(r.exit_code != 134);  // abort
    CHECK(r.exit_code != 139);  // segmentation fault
    CHECK(r.exit_code != 124);  // --timeout: the guest ran away
    CHECK((r.exit_code == 0 || contains(r.err, "helios-sim: unsupervised fault: ")));
}

bool all_gone(const std::vector<systest::ProcId>& seen, double timeout_s) {
    const double deadline = systest::now_seconds() + timeout_s;
    for (;;) {
        bool any = false;
        for (const systest::ProcId& p : seen) any = any || systest::alive(p);
        if (!any) return true;
        if (systest::now_seconds() > deadline) return false;
        usleep(5'000);
    }
}

WatchedRun run_attack(const Launch& launch, const Canary& canary) {
    WatchedRun run = run_watched(launch);
    INFO(run.result.describe());
    require_contained(run.result);
    CHECK(!canary.exists());  // no Linux system call of the guest ran on the host
    CHECK(all_gone(run.seen, 2.0));
    return run;
}

}  // namespace sectest
