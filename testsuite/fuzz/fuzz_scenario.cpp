// fuzz_scenario: the replayer's inputs: the --inject grammar and scenario
// `inject` lines (an accepted line formats back to text that parses to the
// same line), and whole scenario files (accepted or refused with a message
// naming the problem, never a crash).
#include "fuzz_bytes.h"
#include "sim/replay/injection.h"
#include "sim/replay/scenario.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <string_view>

using helios::fuzz::finding;
using namespace helios::sim;

namespace {

// The scenario file the input becomes while it is parsed (one per fuzzing
// process; removed again after each input).
const std::string& scratch_path() {
    static const std::string path = "/tmp/helios-fuzz-scenario." + std::to_string(getpid());
    return path;
}

void write_scratch(const uint8_t* data, size_t size) {
    int fd = open(scratch_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) finding("cannot write the scratch scenario file");
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) finding("cannot write the scratch scenario file");
        done += static_cast<size_t>(n);
    }
    close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The first byte picks which input the rest is.
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    std::string error;
    switch (data[0] % 3) {
        case 0: {
            auto inj = parse_injection(text, error);
            if (!inj && error.empty()) finding("--inject refused without a message");
            if (inj) (void)inj->describe();
            break;
        }
        case 1: {
            auto inj = parse_injection_line(text, error);
            if (!inj) {
                if (error.empty()) finding("an inject line refused without a message");
                break;
            }
            std::string line = format_injection_line(*inj);
            std::string again_error;
            auto again = parse_injection_line(line, again_error);
            if (!again) finding("a formatted inject line does not parse");
            if (format_injection_line(*again) != line) finding("an inject line does not round-trip");
            break;
        }
        default: {
            write_scratch(data + 1, size - 1);
            auto scenario = load_scenario(scratch_path(), error);
            unlink(scratch_path().c_str());
            if (!scenario && error.empty()) finding("a scenario refused without a message");
            break;
        }
    }
    return 0;
}
