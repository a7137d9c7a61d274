// helios-sim: run the Helios OS's user programs on the hosted kernel core.
#include "sim/gdb/stub.h"
#include "sim/machine/host_memory.h"
#include "sim/machine/input_file.h"
#include "sim/machine/machine.h"
#include "sim/ptrace/companion_file.h"
#include "sim/ptrace/cpu_pin.h"
#include "sim/ptrace/husk_process.h"
#include "sim/replay/injection.h"
#include "sim/replay/scenario.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

namespace {

// Exit codes besides init's own status.
constexpr int kExitUsage = 64;     // bad command line
constexpr int kExitBadImage = 65;  // the image cannot be booted
constexpr int kExitMissingFile = 72;  // a file the simulator ships with (the husk, the default image) is missing

// The image `run` boots without --image: beside helios-sim (a flat copy of
// the programs), else where the build tree puts it (build/<preset>/image/,
// helios-sim being build/<preset>/sim/helios-sim). Never a path compiled in,
// so a moved or cached build tree keeps working.
const helios::sim::CompanionFile kDefaultImage{"the default image", "HELIOS_DEFAULT_IMAGE",
                                               {"default.tar", "../image/default.tar"}};

// Where `run --help` and `replay --help` explain the keys and the environment.
constexpr const char* kEnvironmentHelp =
    "Keys on a stdio UART (a terminal, in raw mode while the simulator runs, or a pipe), as in QEMU:\n"
    "  Ctrl-A x              quit (exit status 0; in a recording the quit ends the run, it is no guest input)\n"
    "  Ctrl-A Ctrl-A         send one Ctrl-A to the guest\n"
    "  Ctrl-A h              list these keys\n"
    "  Ctrl-C                goes to the guest as the byte 0x03 (use Ctrl-A x to quit)\n"
    "\n"
    "Environment (for packagers and moved trees; by default both are found relative to helios-sim itself):\n"
    "  HELIOS_HUSK           the husk binary (default: helios-husk beside helios-sim, else ptrace/helios-husk)\n"
    "  HELIOS_DEFAULT_IMAGE  the image run boots without --image (default: default.tar beside helios-sim,\n"
    "                        else ../image/default.tar)";

// --host-profile: "rdtsc=native,cpuid=native" forces instructions native
// that this host could trap ("trapped", the default, traps where possible).
bool parse_host_profile(const std::string& text, helios::sim::HuskTraps& traps, std::string& error) {
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        size_t eq = item.find('=');
        std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
        if (value != "native" && value != "trapped") {
            error = fmt::format("'{}': expected rdtsc=native|trapped or cpuid=native|trapped", item);
            return false;
        }
        if (key == "rdtsc") traps.tsc = value == "trapped";
        else if (key == "cpuid") traps.cpuid = value == "trapped";
        else {
            error = fmt::format("'{}': unknown instruction (rdtsc or cpuid)", key);
            return false;
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return true;
}

bool parse_size(const std::string& text, uint64_t& out) {
    if (text.empty()) return false;
    size_t pos = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(text, &pos, 0);
    } catch (...) {
        return false;
    }
    std::string suffix = text.substr(pos);
    uint64_t mult = 1;
    if (suffix == "" || suffix == "B") mult = 1;
    else if (suffix == "K" || suffix == "k" || suffix == "KiB") mult = 1ull << 10;
    else if (suffix == "M" || suffix == "m" || suffix == "MiB") mult = 1ull << 20;
    else if (suffix == "G" || suffix == "g" || suffix == "GiB") mult = 1ull << 30;
    else return false;
    if (v > (1ull << 40) / mult) return false;
    out = v * mult;
    return true;
}

// --seed-range A..B (inclusive, decimal): the seeds of a sharded campaign.
bool parse_seed_range(const std::string& text, uint64_t& first, uint64_t& last) {
    size_t dots = text.find("..");
    if (dots == std::string::npos || dots == 0 || dots + 2 >= text.size()) return false;
    auto number = [](const std::string& t, uint64_t& out) {
        if (t.empty() || t.size() > 19 || t.find_first_not_of("0123456789") != std::string::npos) return false;
        out = std::stoull(t);
        return true;
    };
    return number(text.substr(0, dots), first) && number(text.substr(dots + 2), last) && first <= last &&
           last - first < 1000000;
}

// The image path a scenario at `scenario_path` names: relative to the
// scenario's directory when the image lives below it, else absolute.
std::string image_path_for_scenario(const std::string& scenario_path, const std::string& image) {
    std::error_code ec;
    auto dir = std::filesystem::absolute(scenario_path, ec).parent_path();
    auto rel = std::filesystem::relative(std::filesystem::absolute(image, ec), dir, ec);
    if (!ec && !rel.empty() && rel.native().rfind("..", 0) != 0) return rel.string();
    return std::filesystem::absolute(image, ec).string();
}

// One boot and run of the machine. With --check-invariants and no --record,
// the run records itself to `failure_path`, kept only when an invariant
// broke (so it replays the failure) and removed otherwise.
int boot_and_run(helios::sim::MachineConfig config, const std::vector<uint8_t>& bytes, const std::string& image,
                 helios::sim::GdbStub* stub, const std::string& failure_path, bool report_reason,
                 std::string* reason_out = nullptr, bool* by_request_out = nullptr) {
    if (!failure_path.empty()) {
        config.record_path = failure_path;
        config.image_path = image_path_for_scenario(failure_path, image);
    }
    helios::sim::Machine machine(config);
    auto booted = machine.boot(bytes);
    if (!booted) {
        fmt::print(stderr, "helios-sim: cannot boot '{}': {}\n", image, booted.message());
        if (!failure_path.empty()) std::remove(failure_path.c_str());
        return kExitBadImage;
    }
    if (stub) machine.set_debug_hooks(stub);
    auto outcome = machine.run();
    spdlog::info("{} after {} kernel entries", outcome.reason, machine.kernel_entries());
    if (report_reason) fmt::print(stderr, "helios-sim: {}\n", outcome.reason);
    if (!failure_path.empty()) {
        if (outcome.exit_code == helios::sim::Machine::kExitInvariant)
            fmt::print(stderr, "helios-sim: the failing run is saved in '{}'; replay it with: helios-sim replay {}\n",
                       failure_path, failure_path);
        else
            std::remove(failure_path.c_str());
    }
    if (reason_out) *reason_out = outcome.reason;
    if (by_request_out) *by_request_out = outcome.by_request;
    return outcome.exit_code;
}

// --seed-range: one fresh machine per seed, each in a child process (a
// machine owns process-wide state: its husks, the arch seam's instance), in
// seed order. Prints "seed N: ..." per seed and a summary; 0 when every run
// ended with status 0.
int run_seed_range(const helios::sim::MachineConfig& base, const std::vector<uint8_t>& bytes, const std::string& image,
                   const std::string& failure_dir, uint64_t first, uint64_t last) {
    uint64_t passed = 0, failed = 0, broken = 0;
    for (uint64_t seed = first;; ++seed) {
        helios::sim::MachineConfig config = base;
        config.cmdline = base.cmdline.empty() ? fmt::format("seed={}", seed) : fmt::format("{} seed={}", base.cmdline, seed);
        std::string failure_path;
        if (config.check_invariants)
            failure_path = (std::filesystem::path(failure_dir) / fmt::format("invariant-failure-seed-{}.scn", seed)).string();
        int pipefd[2];
        if (::pipe(pipefd) != 0) {
            fmt::print(stderr, "helios-sim: --seed-range: pipe: {}\n", std::strerror(errno));
            return 70;
        }
        std::fflush(stdout);
        std::fflush(stderr);
        pid_t pid = ::fork();
        if (pid < 0) {
            fmt::print(stderr, "helios-sim: --seed-range: fork: {}\n", std::strerror(errno));
            return 70;
        }
        if (pid == 0) {
            ::close(pipefd[0]);
            std::string reason;
            int code = boot_and_run(config, bytes, image, nullptr, failure_path, false, &reason);
            (void)!::write(pipefd[1], reason.data(), reason.size());
            std::fflush(stdout);
            std::fflush(stderr);
            ::_exit(code);
        }
        ::close(pipefd[1]);
        std::string reason;
        char buf[4096];
        for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) != 0;) {
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) break;
            reason.append(buf, static_cast<size_t>(n));
        }
        ::close(pipefd[0]);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (reason.empty()) reason = WIFSIGNALED(status) ? fmt::format("killed by signal {}", WTERMSIG(status))
                                                         : "no outcome reported";
        if (code == 0) {
            ++passed;
        } else {
            ++failed;
            if (code == helios::sim::Machine::kExitInvariant) {
                ++broken;
                reason += fmt::format("; saved {}", failure_path);
            }
        }
        fmt::print(stderr, "helios-sim: seed {}: status {}: {}\n", seed, code, reason);
        if (seed == last) break;
    }
    fmt::print(stderr, "helios-sim: seeds {}..{}: {} ended with status 0, {} did not ({} broke a kernel invariant)\n",
               first, last, passed, failed, broken);
    return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"helios-sim: runs the Helios OS (kernel core + user ELF programs) as traced Linux processes"};
    app.require_subcommand(1);
    CLI::App* run = app.add_subcommand("run", "boot an initramfs image and run it until init exits");

    helios::sim::MachineConfig config;
    std::string image;
    std::string mem = "128M";
    std::string log_level = "warn";
    std::string trace_limit = "1G";
    std::string image_limit = "1G";
    bool no_pin = false;
    run->add_option("--image", image,
                    "initramfs tar whose entry 'init' is the first program (default: $HELIOS_DEFAULT_IMAGE, else "
                    "the default image found relative to helios-sim; see below)");
    run->add_option("--com1", config.com1,
                    "COM1 far end: stdio (Ctrl-A x quits, see below), pty, unix:PATH, file:PATH or none")
        ->capture_default_str();
    run->add_option("--com2", config.com2, "COM2 far end: stdio, pty, unix:PATH, file:PATH or none")
        ->capture_default_str();
    run->add_option("--mem", mem, "physical memory size (bytes, or with K/M/G)")->capture_default_str();
    run->add_option("--trace", config.trace_path, "write the kernel event trace to FILE (docs/trace-format.md)");
    std::string host_profile;
    run->add_option("--host-profile", host_profile,
                    "force a weaker host: 'rdtsc=native', 'cpuid=native' (comma-separated): leave them untrapped "
                    "even where this host could trap them");
    run->add_option("--trace-limit", trace_limit,
                    "stop writing the trace and the recording after SIZE bytes each (K/M/G; 0: no limit)")
        ->capture_default_str();
    run->add_option("--image-limit", image_limit, "refuse an image larger than SIZE bytes (K/M/G)")
        ->capture_default_str();
    run->add_option("--log", log_level, "log level: trace, debug, info, warn, error, off")->capture_default_str();
    run->add_option("--timeout", config.timeout_seconds, "stop after SECONDS of wall time (exit 124)");
    run->add_flag("--free-running", config.free_running, "also preempt on wall-clock time (not deterministic)");
    run->add_option("--cmdline", config.cmdline, "kernel command line passed to init in bootinfo");
    // Host-resource limits: at least 1; a count, so no sign and no fraction.
    const auto kLimitRange = CLI::Range(1.0, 4294967296.0);
    run->add_option("--max-address-spaces", config.max_address_spaces,
                    "live vspaces (each a host process) before creating one more fails with NOMEM")
        ->check(kLimitRange)
        ->capture_default_str();
    run->add_option("--max-tasks", config.max_tasks, "live tasks (each a host thread) before one more fails with NOMEM")
        ->check(kLimitRange)
        ->capture_default_str();
    run->add_option("--max-mappings", config.max_mappings,
                    "pages mapped per vspace (host mappings) before one more fails with NOMEM")
        ->check(kLimitRange)
        ->capture_default_str();
    run->add_flag("--no-pin", no_pin, "do not pin the simulator and its husks to one CPU");
    helios::sim::GdbStubOptions gdb;
    run->add_option("--gdb", gdb.listen,
                    "serve the GDB remote protocol on PORT (127.0.0.1), HOST:PORT or unix:PATH");
    run->add_flag("--gdb-wait", gdb.wait, "with --gdb: stop before init's first instruction until gdb attaches");
    run->add_option("--gdb-idle", gdb.idle_seconds,
                    "with --gdb: drop a client that sends no packet within SECONDS of connecting (0: never)")
        ->capture_default_str();
    run->add_flag("--check-invariants", config.check_invariants,
                  "check the kernel's invariants after every kernel entry (objects, capabilities, queues, "
                  "scheduler, interrupts, page tables); a broken one ends the run with status 4 and saves a "
                  "scenario that replays it (docs/fuzzing.md)");
    run->add_option("--deep-check-every", config.deep_check_every,
                    "with --check-invariants: also walk every page table and frame record every N checks")
        ->check(CLI::Range(1u, 1000000000u))
        ->capture_default_str();
    std::string failure_dir = ".";
    run->add_option("--failure-dir", failure_dir,
                    "with --check-invariants: where a failing run's scenario is saved (invariant-failure.scn, "
                    "or invariant-failure-seed-N.scn with --seed-range)")
        ->capture_default_str();
    std::string seed_range;
    run->add_option("--seed-range", seed_range,
                    "A..B: run the image once per seed A to B (inclusive), each a fresh machine whose kernel "
                    "command line gets 'seed=N'; prints one line per seed; exit status 0 when every run "
                    "ended with status 0 (shards a fuzzing campaign: docs/fuzzing.md)");
    std::vector<std::string> injects;
    run->add_option("--record", config.record_path, "record a scenario to FILE (docs/scenarios.md)");
    run->add_option("--inject", injects,
                    "inject a fault, e.g. 'irq-drop line=4 @5ms', 'fail-alloc count=1 @0', "
                    "'uart com1 hex=0a @2ms', 'kill-task task=2 @1ms' (repeatable)");

    run->footer(kEnvironmentHelp);

    CLI::App* replay = app.add_subcommand("replay", "re-run a recorded scenario and check its kernel event trace");
    std::string scenario_path;
    bool force = false;
    replay->add_option("scenario", scenario_path, "the .scn file")->required();
    replay->add_option("--image", image, "image to use instead of the one the scenario names");
    replay->add_flag("--force", force, "replay even if the image differs from the recorded one");
    replay->add_option("--com1", config.com1, "where COM1 output goes (input comes from the scenario)");
    replay->add_option("--com2", config.com2, "where COM2 output goes");
    replay->add_option("--trace", config.trace_path, "also write the replay's trace to FILE");
    replay->add_option("--host-profile", host_profile, "force a weaker host, as for run");
    replay->add_option("--trace-limit", trace_limit, "stop writing the trace after SIZE bytes (K/M/G; 0: no limit)")
        ->capture_default_str();
    replay->add_option("--image-limit", image_limit, "refuse an image larger than SIZE bytes (K/M/G)")
        ->capture_default_str();
    replay->add_option("--log", log_level, "log level")->capture_default_str();
    replay->add_option("--timeout", config.timeout_seconds, "stop after SECONDS of wall time (exit 124)");
    replay->add_flag("--no-pin", no_pin, "do not pin to one CPU");
    replay->add_option("--gdb", gdb.listen,
                       "serve the GDB remote protocol on PORT (127.0.0.1), HOST:PORT or unix:PATH");
    replay->add_flag("--gdb-wait", gdb.wait, "with --gdb: stop before init's first instruction until gdb attaches");
    replay->add_option("--gdb-idle", gdb.idle_seconds,
                       "with --gdb: drop a client that sends no packet within SECONDS of connecting (0: never)")
        ->capture_default_str();

    replay->footer(kEnvironmentHelp);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : kExitUsage;
    }

    auto level = spdlog::level::from_str(log_level);
    if (level == spdlog::level::off && log_level != "off") {
        fmt::print(stderr, "helios-sim: unknown --log level '{}'\n", log_level);
        return kExitUsage;
    }
    spdlog::set_level(level);
    if (!config.max_address_spaces || !config.max_tasks || !config.max_mappings) {
        fmt::print(stderr, "helios-sim: --max-address-spaces, --max-tasks and --max-mappings must be at least 1\n");
        return kExitUsage;
    }
    if (!host_profile.empty()) {
        std::string error;
        if (!parse_host_profile(host_profile, config.traps, error)) {
            fmt::print(stderr, "helios-sim: --host-profile: {}\n", error);
            return kExitUsage;
        }
    }
    if (run->parsed() && !parse_size(mem, config.memory_bytes)) {
        fmt::print(stderr, "helios-sim: --mem: cannot parse '{}' (examples: 64M, 1G, 134217728)\n", mem);
        return kExitUsage;
    }
    if (run->parsed()) {
        if (helios::sim::Status ok = helios::sim::check_guest_memory(config.memory_bytes, "--mem"); !ok) {
            fmt::print(stderr, "helios-sim: {}\n", ok.message());
            return kExitUsage;
        }
    }
    if (!parse_size(trace_limit, config.trace_limit_bytes)) {
        fmt::print(stderr, "helios-sim: --trace-limit: cannot parse '{}' (examples: 64M, 1G, 0 for none)\n",
                   trace_limit);
        return kExitUsage;
    }
    uint64_t max_image = helios::sim::kMaxImageBytes;
    if (!parse_size(image_limit, max_image) || max_image == 0) {
        fmt::print(stderr, "helios-sim: --image-limit: cannot parse '{}' (examples: 64M, 1G)\n", image_limit);
        return kExitUsage;
    }
    if (!helios::sim::husk_binary()) {
        fmt::print(stderr, "helios-sim: {}\n", helios::sim::husk_binary().message());
        return kExitMissingFile;
    }
    if (run->parsed() && run->count("--image") == 0) {
        auto found = helios::sim::locate_companion_file(kDefaultImage);
        if (!found) {
            fmt::print(stderr, "helios-sim: no --image given, and {}\n", found.message());
            return kExitMissingFile;
        }
        image = std::move(*found);
    }
    for (const std::string& text : injects) {
        std::string error;
        auto inj = helios::sim::parse_injection(text, error);
        if (!inj) {
            fmt::print(stderr, "helios-sim: --inject: {}\n", error);
            return kExitUsage;
        }
        config.injections.push_back(*inj);
    }
    std::optional<helios::sim::Scenario> scenario;
    if (replay->parsed()) {
        std::string error;
        scenario = helios::sim::load_scenario(scenario_path, error);
        if (!scenario) {
            fmt::print(stderr, "helios-sim: {}\n", error);
            return kExitBadImage;
        }
        if (replay->count("--image") == 0) {
            // A relative image path is relative to the scenario file, so a
            // corpus (scenarios/ with its images/) replays from anywhere.
            std::filesystem::path p = scenario->image_path;
            if (p.is_relative()) p = std::filesystem::path(scenario_path).parent_path() / p;
            image = p.string();
        }
        if (replay->count("--com1") == 0) config.com1 = "none";
        if (helios::sim::Status ok = helios::sim::check_guest_memory(scenario->memory_bytes,
                                                                     "scenario config mem=");
            !ok) {
            fmt::print(stderr, "helios-sim: {}: {}\n", scenario_path, ok.message());
            return kExitBadImage;
        }
        config.memory_bytes = scenario->memory_bytes;
        if (scenario->limits) {
            // The limits decide where a guest's requests get NOMEM: replay with the recorded ones.
            config.max_address_spaces = scenario->limits->address_spaces;
            config.max_tasks = scenario->limits->tasks;
            config.max_mappings = scenario->limits->mappings;
        }
        config.cmdline = scenario->cmdline;
        config.replay = &*scenario;
        if (scenario->check_deep_every) {
            // Recorded with --check-invariants: a recorded failure recurs at the same event.
            config.check_invariants = true;
            config.deep_check_every = *scenario->check_deep_every;
        }
        if (!scenario->complete && !scenario->events.empty())
            fmt::print(stderr, "helios-sim: note: '{}' has no end line (its recorder was cut off); replaying the "
                               "{} events it holds\n", scenario_path, scenario->events.size());
    }
    config.image_path = image;
    // Name the image relative to the scenario when it lives beside it.
    if (!config.record_path.empty()) config.image_path = image_path_for_scenario(config.record_path, image);
    uint64_t first_seed = 0, last_seed = 0;
    bool seeded = run->parsed() && !seed_range.empty();
    if (seeded) {
        if (!parse_seed_range(seed_range, first_seed, last_seed)) {
            fmt::print(stderr, "helios-sim: --seed-range: expected A..B with A <= B, decimal, at most 10^6 seeds "
                               "(example: 0..99), got '{}'\n", seed_range);
            return kExitUsage;
        }
        if (!config.record_path.empty() || !gdb.listen.empty()) {
            fmt::print(stderr, "helios-sim: --seed-range runs many machines: it does not combine with --record or "
                               "--gdb (run one seed with --cmdline seed=N for that)\n");
            return kExitUsage;
        }
    }
    std::string failure_path;  // --check-invariants without --record: where a failing run is kept
    if (run->parsed() && config.check_invariants && config.record_path.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_directory(failure_dir, ec)) {
            fmt::print(stderr, "helios-sim: --failure-dir: '{}' is not a directory\n", failure_dir);
            return kExitUsage;
        }
        if (!seeded) failure_path = (std::filesystem::path(failure_dir) / "invariant-failure.scn").string();
    }
    auto loaded = helios::sim::read_input_file(image, max_image, "image");
    if (!loaded) {
        fmt::print(stderr, "helios-sim: {}\n", loaded.message());
        return kExitBadImage;
    }
    std::vector<uint8_t> bytes = std::move(*loaded);
    if (scenario && helios::sim::image_hash(bytes) != scenario->image_hash) {
        if (!force) {
            fmt::print(stderr,
                       "helios-sim: refusing to replay '{}': image '{}' is not the one it was recorded with "
                       "(hash {:016x}, recorded {:016x}); use --force to replay anyway\n",
                       scenario_path, image, helios::sim::image_hash(bytes), scenario->image_hash);
            return kExitBadImage;
        }
        fmt::print(stderr, "helios-sim: warning: replaying with a different image (--force)\n");
    }

    std::unique_ptr<helios::sim::GdbStub> stub;
    if (!(gdb.idle_seconds >= 0)) {
        fmt::print(stderr, "helios-sim: --gdb-idle must be 0 or more seconds\n");
        return kExitUsage;
    }
    if (gdb.wait && gdb.listen.empty()) {
        fmt::print(stderr, "helios-sim: --gdb-wait needs --gdb HOST:PORT or --gdb unix:PATH\n");
        return kExitUsage;
    }
    if (!gdb.listen.empty()) {
        gdb.image_path = image;
        auto created = helios::sim::GdbStub::create(gdb);
        if (!created) {
            fmt::print(stderr, "helios-sim: {}\n", created.message());
            return kExitUsage;
        }
        stub = std::move(*created);
        fmt::print(stderr, "helios-sim: gdb stub listening on {}\n", stub->address());
        if (stub->reachable_from_network())
            fmt::print(stderr, "helios-sim: warning: the gdb stub on {} is reachable from the network; whoever "
                               "connects can read and write guest memory and end the run\n", stub->address());
    }

    // Tracer and tracees on one CPU: a cross-CPU wake-up costs more than the trap.
    if (!no_pin) (void)helios::sim::pin_to_cpu(0);

    if (seeded) return run_seed_range(config, bytes, image, failure_dir, first_seed, last_seed);
    std::string reason;
    bool by_request = false;
    int code = boot_and_run(config, bytes, image, stub.get(), failure_path, false, &reason, &by_request);
    // Said even with status 0 when a person ended the run (Ctrl-A x): the
    // terminal shows why the simulator is gone.
    if (code != kExitBadImage && (code != 0 || level <= spdlog::level::info || replay->parsed() || by_request))
        fmt::print(stderr, "helios-sim: {}\n", reason);
    return code;
}
