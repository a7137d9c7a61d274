// Hostile caller: seeded random syscalls, invocations, faults, irqs and ticks
// from processes and threads holding random capabilities. After every step
// the whole kernel must be consistent (support/invariants.h); at the end,
// destroying everything must give back every frame.
//
// Reproducible: std::mt19937_64 with fixed seeds, and every choice is made
// from the kernel's own (deterministic) lists. A failure prints the seed, the
// step and the last actions. HELIOS_HOSTILE_SEEDS=n adds n more seeds per
// case for a soak run (see seeds() below).
#include "support/hostile.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace helios;
using namespace helios::test;

namespace {

// The unit tests' entropy: a seeded Mersenne Twister, reproducible by seed.
class SeededEntropy final : public Entropy {
public:
    explicit SeededEntropy(uint64_t seed) : rng_(seed) {}
    uint64_t next() override { return rng_(); }

private:
    std::mt19937_64 rng_;
};

// A broken invariant fails the running Catch test (FAIL throws).
void fail_test(const std::string& report) { FAIL(report); }

// A Hostile run from a seed.
struct SeededHostile {
    SeededEntropy entropy;
    Hostile hostile;
    SeededHostile(uint64_t seed, bool threads) : entropy(seed), hostile(seed, threads, entropy, fail_test) {}
};

// Extra seeds for a soak run: HELIOS_HOSTILE_SEEDS=n adds n seeds per case
// (seed values base + 1000 + i), HELIOS_HOSTILE_STEPS overrides the steps.
std::vector<uint64_t> seeds(uint64_t base) {
    std::vector<uint64_t> out = {base + 1, base + 2, base + 3};
    if (const char* extra = std::getenv("HELIOS_HOSTILE_SEEDS"))
        for (uint64_t i = 0, n = std::strtoull(extra, nullptr, 0); i < n; ++i) out.push_back(base + 1000 + i);
    return out;
}
unsigned steps() {
    const char* s = std::getenv("HELIOS_HOSTILE_STEPS");
    return s ? static_cast<unsigned>(std::strtoul(s, nullptr, 0)) : 2400;
}

}  // namespace

TEST_CASE("hostile: random syscalls from processes with random capabilities", "[hostile]") {
    uint64_t total = 0;
    for (uint64_t seed : seeds(0x5EED0000)) {
        INFO("seed " << seed);
        SeededHostile run(seed, false);
        Hostile& h = run.hostile;
        h.run(steps());
        total += h.syscalls();
    }
    CHECK(total >= 5000);
}

TEST_CASE("hostile: random syscalls from threads sharing cspaces and vspaces", "[hostile]") {
    uint64_t total = 0;
    for (uint64_t seed : seeds(0x7EAD0000)) {
        INFO("seed " << seed);
        SeededHostile run(seed, true);
        Hostile& h = run.hostile;
        h.run(steps());
        total += h.syscalls();
    }
    CHECK(total >= 5000);
}

TEST_CASE("hostile: random syscalls under tight host limits (NOMEM from the machine)", "[hostile][limits]") {
    uint64_t total = 0;
    for (uint64_t seed : seeds(0x11A10000)) {
        INFO("seed " << seed);
        SeededHostile run(seed, seed % 2 == 0);
        Hostile& h = run.hostile;
        // After the World has reset the fake: the machine admits only a few
        // more vspaces and tasks, and a handful of pages per vspace, so the
        // refusal paths run often; the checker runs after every call.
        fake_arch().object_limit[HELIOS_CT_VSPACE] = 8;
        fake_arch().object_limit[HELIOS_CT_TASK] = 12;
        fake_arch().mapping_limit = 24;
        h.run(steps() / 2);
        total += h.syscalls();
    }
    CHECK(total >= 2500);
}

// The campaign CI runs on every test command (CTest unit/hostile-a-million-
// syscalls, hidden from the default run): seeds in turn, processes and
// threads and tight limits alternating, until at least a million syscalls
// went through the kernel, the invariant checker after every one. Prints the
// count, which scripts/test.sh repeats in its summary. HELIOS_HOSTILE_TARGET
// changes the goal and HELIOS_HOSTILE_FIRST_SEED the first seed, so a
// campaign shards over machines by seed range (docs/fuzzing.md).
TEST_CASE("hostile: a million syscalls, the invariant checker after every one", "[.million]") {
    const char* goal_env = std::getenv("HELIOS_HOSTILE_TARGET");
    const uint64_t goal = goal_env ? std::strtoull(goal_env, nullptr, 0) : 1000000;
    uint64_t total = 0, steps_run = 0;
    unsigned runs = 0;
    const char* first_env = std::getenv("HELIOS_HOSTILE_FIRST_SEED");
    const uint64_t first = first_env ? std::strtoull(first_env, nullptr, 0) : 0xC0FFEE0000;
    for (uint64_t seed = first; total < goal; ++seed, ++runs) {
        INFO("seed " << seed);
        SeededHostile run(seed, seed % 2 == 1);
        Hostile& h = run.hostile;
        if (seed % 3 == 2) {  // every third run under tight host limits
            fake_arch().object_limit[HELIOS_CT_VSPACE] = 8;
            fake_arch().object_limit[HELIOS_CT_TASK] = 12;
            fake_arch().mapping_limit = 24;
        }
        h.run(8000);
        total += h.syscalls();
        steps_run += 8000;
    }
    std::printf("hostile: %llu syscalls in %u seeded runs (seeds %#llx..), %llu steps, the invariant checker after "
                "every step\n",
                static_cast<unsigned long long>(total), runs, static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(steps_run));
    CHECK(total >= goal);
}

// Directed: what the random runs found, kept as fixed regressions.

// A task polling an object lost its cspace (destroyed under it, the task kept
// alive by another capability); when the polled object went, the kernel
// re-evaluated the poll through the missing cspace (null dereference).
TEST_CASE("hostile: a poller whose cspace is destroyed under it", "[hostile]") {
    World w;
    KernelChecker check(w.k, w.root, w.frames_used());
    Proc a = w.spawn();
    Proc b = w.spawn();
    Caps::install(**b.cspace->slot(kSlotFree), a.task, HELIOS_CT_TASK, HELIOS_RIGHTS_ALL, 0);  // keeps a alive
    helios_caddr_t n = w.alloc(a, HELIOS_CT_NOTIFICATION);
    helios_pollcap entry{n, HELIOS_POLL_RECV, 0};
    REQUIRE(w.poke(a, kDataAddr, &entry, sizeof entry));
    w.sys(a, HELIOS_SYS_poll, kDataAddr, 1);
    REQUIRE(a.task->blocked == BlockedOn::Poll);
    w.k.destroy(a.cspace);  // the notification's only cap goes with it
    CHECK(a.task->blocked == BlockedOn::None);
    CHECK_FALSE(a.task->runnable());
    for (const std::string& problem : check.check(false, true)) FAIL_CHECK(problem);
}

// An IPC buffer at virtual page 0 was accepted although ipcbuf 0 means "not
// configured": the target stayed on the run queue without being runnable.
TEST_CASE("hostile: configure with an IPC buffer at page 0", "[hostile]") {
    World w;
    KernelChecker check(w.k, w.root, w.frames_used());
    Proc a = w.spawn();
    Proc b = w.spawn();
    const helios_caddr_t bvs = kSlotFree, btask = kSlotFree + 1, bcs = kSlotFree + 2;
    Caps::install(**a.cspace->slot(bvs), b.vspace, HELIOS_CT_VSPACE, HELIOS_RIGHTS_ALL, 0);
    Caps::install(**a.cspace->slot(btask), b.task, HELIOS_CT_TASK, HELIOS_RIGHTS_ALL, 0);
    Caps::install(**a.cspace->slot(bcs), b.cspace, HELIOS_CT_CSPACE, HELIOS_RIGHTS_ALL, 0);
    helios_caddr_t pt = w.alloc(a, HELIOS_CT_PT);
    helios_caddr_t page = w.alloc(a, HELIOS_CT_PAGE);
    REQUIRE(w.invoke(a, pt, HELIOS_INV_pt_map, {0}, {bvs}).ok());
    REQUIRE(w.invoke(a, page, HELIOS_INV_page_map, {0, HELIOS_MAP_WRITE}, {bvs}).ok());
    REQUIRE(w.k.scheduler().queued(*b.task));
    CHECK(w.invoke(a, btask, HELIOS_INV_task_configure, {0}, {bcs, bvs}).status == Error::INVALID_PARAM);
    CHECK(b.task->runnable());
    for (const std::string& problem : check.check(true, true)) FAIL_CHECK(problem);
}
