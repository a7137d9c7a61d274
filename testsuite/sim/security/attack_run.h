// Runs a hostile guest under helios-sim while watching the host, and states what "contained" means.
#ifndef HELIOS_TESTSUITE_SIM_SECURITY_ATTACK_RUN_H
#define HELIOS_TESTSUITE_SIM_SECURITY_ATTACK_RUN_H

#include <cstddef>
#include <string>
#include <vector>

#include "harness.h"

namespace sectest {

// The largest host footprint seen while a run was sampled.
struct Peak {
    size_t sim_threads = 0;      // Linux threads of helios-sim itself
    size_t processes = 0;        // processes below helios-sim (husks)
    size_t process_threads = 0;  // Linux threads of all of them together
};

struct WatchedRun {
    systest::RunResult result;
    std::vector<systest::ProcId> seen;  // every process seen below helios-sim
    Peak peak;
    size_t samples = 0;
};

// How to start the simulator.
struct Launch {
    std::string image;
    std::vector<std::string> args;  // after "run --image IMAGE"; "@PID@" is helios-sim's pid
    double watchdog_s = 60;         // the harness kills it after this (a hang)
    bool no_aslr = false;           // under `setarch -R`: husks get the same layout in every run
    double sample_s = 0.05;         // how often the process tree is sampled
};

// Runs helios-sim, sampling its process tree until it ends.
WatchedRun run_watched(const Launch& launch);

// The run ended in a clean exit or with a fault report on stderr; never a
// crash of the simulator (70, 134, 139, a signal), a timeout (124) or a hang.
void require_contained(const systest::RunResult& r);

// Every process of `seen` is gone (or a zombie) within timeout_s.
bool all_gone(const std::vector<systest::ProcId>& seen, double timeout_s);

// A host path the guest is told to create; it must never exist. Lives in a
// fresh private (mkdtemp) directory.
class Canary {
public:
    Canary() : path_(dir_.file("canary")) {}
    const std::string& path() const { return path_; }
    bool exists() const { return systest::file_exists(path_); }

private:
    systest::TempDir dir_;
    std::string path_;
};

bool contains(const std::string& hay, const std::string& needle);

// The lines of text that contain needle.
std::vector<std::string> lines_with(const std::string& text, const std::string& needle);

// Runs `launch` and checks the common promises of every attack: contained,
// canary absent, nothing left behind. Returns the run for further checks.
WatchedRun run_attack(const Launch& launch, const Canary& canary);

}  // namespace sectest

#endif
