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
    std::vector<std::string> description;  // "description ..." lines
    std::string image_path;
    uint64_t image_hash = 0;
    uint64_t image_size = 0;
    uint64_t memory_bytes = 128ull << 20;
    std::string cmdline;
    std::vector<Injection> injections;  // in file order (= time order)
    std::vector<std::string> events;    // the expected kernel event trace, event i at index i
    bool complete = false;              // an `end` line was found
    std::optional<int> exit_status;     // from the `end` line
};

// Parse a scenario file. Errors name the line and the problem.
std::optional<Scenario> load_scenario(const std::string& path, std::string& error);

// Writes a scenario as the run goes. Every line reaches the file with one
// write(2) per flush(), so a recorder killed with SIGKILL leaves a file that
// replays up to the last flush.
class ScenarioWriter {
public:
    static std::unique_ptr<ScenarioWriter> create(const std::string& path, std::string& error);
    ~ScenarioWriter();

    void header(const std::string& image_path, uint64_t hash, uint64_t size, uint64_t memory_bytes,
                const std::string& cmdline);
    void injection(const Injection& inj);
    void event(uint64_t index, const std::string& text);
    void end(int exit_status, const std::string& reason);
    void flush();

private:
    explicit ScenarioWriter(int fd) : fd_(fd) {}
    int fd_;
    std::string pending_;
};

// Quote/unquote a free-text field so it stays on one line.
std::string escape_field(const std::string& s);
std::string unescape_field(std::string_view s);

}  // namespace helios::sim
