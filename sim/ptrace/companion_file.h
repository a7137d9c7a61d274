// Finds a file the simulator ships with (the husk, the default image) beside the running executable, or where the environment says.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ptrace/status.h"

namespace helios::sim {

// A file found relative to the program that needs it, never by a path
// compiled in: a build tree that is moved, copied or restored from a cache
// keeps working, and so does a flat copy of the programs and the image.
struct CompanionFile {
    std::string what;                    // for messages: "the husk binary"
    std::string env;                     // the override, e.g. "HELIOS_HUSK"
    std::vector<std::string> relative;   // candidates relative to the executable's directory, first match wins
};

// The file: the environment variable's value when it is set and not empty
// (used as given, without checking it, so a packager's path is never
// second-guessed: the caller's open reports a bad one), else the first
// candidate below `exe_dir` that exists. Fails with a message naming every
// place it looked and the variable that overrides them. Reads no state:
// `env_value` is the variable's value (null: unset).
HostResult<std::string> locate_companion_file(const CompanionFile& file, const char* env_value,
                                              const std::filesystem::path& exe_dir);

// The same, for this process: reads the variable and /proc/self/exe.
HostResult<std::string> locate_companion_file(const CompanionFile& file);

// The directory of the running executable (/proc/self/exe resolved), or a
// failure saying why it cannot be known.
HostResult<std::filesystem::path> running_executable_dir();

}  // namespace helios::sim
