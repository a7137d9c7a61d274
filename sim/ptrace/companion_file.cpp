// Finding the husk and the default image relative to the running executable.
#include "sim/ptrace/companion_file.h"

#include <fmt/format.h>

#include <cstdlib>
#include <system_error>

namespace helios::sim {

HostResult<std::string> locate_companion_file(const CompanionFile& file, const char* env_value,
                                              const std::filesystem::path& exe_dir) {
    if (env_value && *env_value) return std::string(env_value);
    std::string tried;
    for (const std::string& rel : file.relative) {
        std::filesystem::path candidate = (exe_dir / rel).lexically_normal();
        std::error_code ec;
        if (std::filesystem::is_regular_file(candidate, ec)) return candidate.string();
        tried += fmt::format("{}{}", tried.empty() ? "" : ", ", candidate.string());
    }
    return Status::failure(fmt::format("cannot find {}: looked for {} (set {} to its path)", file.what,
                                       tried.empty() ? std::string("nothing") : tried, file.env));
}

HostResult<std::filesystem::path> running_executable_dir() {
    std::error_code ec;
    std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return Status::failure(fmt::format("cannot read /proc/self/exe: {}", ec.message()));
    return exe.parent_path();
}

HostResult<std::string> locate_companion_file(const CompanionFile& file) {
    const char* env_value = std::getenv(file.env.c_str());
    if (env_value && *env_value) return std::string(env_value);
    auto dir = running_executable_dir();
    if (!dir) return Status::failure(fmt::format("cannot find {}: {} (set {} to its path)", file.what,
                                                 dir.message(), file.env));
    return locate_companion_file(file, nullptr, *dir);
}

}  // namespace helios::sim
