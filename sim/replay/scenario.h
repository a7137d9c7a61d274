// Scenario files: a recorded (or hand-written) run, as diffable text.
#pragma once

#include "sim/replay/injection.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace helios::sim {

// FNV-1a 64 of the image bytes: the image's identity in a scenario.
uint64_t image_hash(const std::vector<uint8_t>& bytes);

// Everything in a scenario file (docs/scenarios.md).
struct Scenario {
    unsigned version = 2;                   // from the first line; v1 traced string I/O per byte
    std::vector<std::string> description;  // "description ..." lines
    std::string image_path;
    uint64_t image_hash = 0;
    uint64_t image_size = 0;
    uint64_t memory_bytes = 128ull << 20;
    std::string cmdline;
    // The machine's host-resource limits, when the recording names them
    // ("limits" line): they decide where a guest's requests get NOMEM.
    struct Limits {
        uint64_t address_spaces = 0, tasks = 0, mappings = 0;
    };
    std::optional<Limits> limits;
    // The run checked the kernel's invariants after every kernel entry, a
    // deep check every N ("check invariants deep-every=N" line): a replay
    // checks them too, so a recorded invariant failure recurs.
    std::optional<unsigned> check_deep_every;
    std::string host;                    // the "# host:" comment: what the recording host could trap
    std::vector<std::string> guest_reads;  // "# guest-read ..." comments: host state the guest read (trapped)
    std::vector<Injection> injections;  // in file order (= time order)
    std::vector<std::string> events;    // the expected kernel event trace, event i at index i
    // A `quit` line: a person ended the recorded run (Ctrl-A x) after this
    // kernel-entry boundary; a replay stops there.
    std::optional<uint64_t> quit_boundary;
    bool complete = false;              // an `end` line was found
    std::optional<int> exit_status;     // from the `end` line
};

// Parse a scenario file (a regular file of at most kMaxScenarioBytes).
// Errors name the file, the line and the problem.
std::optional<Scenario> load_scenario(const std::string& path, std::string& error);

// Writes a scenario as the run goes. Every line reaches the file with one
// write(2) per flush(), so a recorder killed with SIGKILL leaves a file that
// replays up to the last flush. Bounded: once the file would pass
// `limit_bytes` (0: no limit) one "# truncated" comment is written and
// every later line is dropped, the end line too, so the file replays as a
// cut-off recording.
class ScenarioWriter {
public:
    static std::unique_ptr<ScenarioWriter> create(const std::string& path, std::string& error,
                                                  uint64_t limit_bytes = 0);
    ~ScenarioWriter();

    void header(const std::string& image_path, uint64_t hash, uint64_t size, uint64_t memory_bytes,
                const std::string& cmdline);
    // The machine's limits, and the start-up probe of what the recording
    // host traps (a comment: informative, never checked).
    void limits(const Scenario::Limits& limits, const std::string& host_traps);
    // The run checks kernel invariants (a "check invariants" line).
    void check_invariants(unsigned deep_every);
    // A "# TEXT" line (informative; "# guest-read ..." lines are kept by the parser).
    void comment(const std::string& text);
    void injection(const Injection& inj);
    void event(uint64_t index, const std::string& text);
    // The run was quit by a person after boundary `boundary` (vtime: when,
    // for people).
    void quit(uint64_t vtime, uint64_t boundary);
    void end(int exit_status, const std::string& reason);
    void flush();
    // The limit was reached: later injections and events were not written.
    bool truncated() const { return truncated_; }

private:
    ScenarioWriter(int fd, uint64_t limit) : fd_(fd), limit_(limit) {}
    void append(const std::string& line);
    int fd_;
    uint64_t limit_;
    uint64_t written_ = 0;
    bool truncated_ = false;
    std::string pending_;
};

// Quote/unquote a free-text field so it stays on one line.
std::string escape_field(const std::string& s);
std::string unescape_field(std::string_view s);

}  // namespace helios::sim
