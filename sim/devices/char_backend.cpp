// Parsing "--serial"-style backend specs and opening the matching backend.
#include "sim/devices/char_backend.h"

#include <fmt/format.h>

#include "sim/devices/file_backend.h"
#include "sim/devices/null_backend.h"
#include "sim/devices/pty_backend.h"
#include "sim/devices/stdio_backend.h"
#include "sim/devices/unix_socket_backend.h"

namespace helios::sim {

namespace {
constexpr std::string_view kExpected = "expected stdio, pty, unix:PATH, file:PATH or none";
}  // namespace

std::optional<CharBackendSpec> parse_char_backend_spec(std::string_view spec, std::string& error)
{
    using Kind = CharBackendSpec::Kind;
    if (spec.empty()) {
        error = fmt::format("empty UART backend ({})", kExpected);
        return std::nullopt;
    }
    const size_t colon = spec.find(':');
    const std::string_view name = spec.substr(0, colon);
    const bool has_arg = colon != std::string_view::npos;
    const std::string_view arg = has_arg ? spec.substr(colon + 1) : std::string_view{};

    struct Entry {
        std::string_view name;
        Kind kind;
        bool takes_path;
    };
    static constexpr Entry kEntries[] = {
        {"stdio", Kind::Stdio, false}, {"pty", Kind::Pty, false}, {"none", Kind::None, false},
        {"unix", Kind::Unix, true},    {"file", Kind::File, true},
    };
    for (const Entry& entry : kEntries) {
        if (entry.name != name) {
            continue;
        }
        if (entry.takes_path && arg.empty()) {
            error = fmt::format("UART backend '{}' needs a path: {}:PATH", spec, entry.name);
            return std::nullopt;
        }
        if (!entry.takes_path && has_arg) {
            error = fmt::format("UART backend '{}' takes no argument (got '{}')", entry.name, spec);
            return std::nullopt;
        }
        return CharBackendSpec{entry.kind, std::string(arg)};
    }
    error = fmt::format("unknown UART backend '{}' ({})", spec, kExpected);
    return std::nullopt;
}

std::unique_ptr<CharBackend> parse_char_backend(const std::string& spec, std::string& error,
                                                std::string_view port_name)
{
    const std::optional<CharBackendSpec> parsed = parse_char_backend_spec(spec, error);
    if (!parsed) {
        return nullptr;
    }
    std::unique_ptr<CharBackend> backend;
    std::string cause;
    switch (parsed->kind) {
    case CharBackendSpec::Kind::Stdio:
        return std::make_unique<StdioBackend>();
    case CharBackendSpec::Kind::None:
        return std::make_unique<NullBackend>();
    case CharBackendSpec::Kind::Pty:
        backend = PtyBackend::open(cause, port_name);
        break;
    case CharBackendSpec::Kind::Unix:
        backend = UnixSocketBackend::open(parsed->path, cause);
        break;
    case CharBackendSpec::Kind::File:
        backend = FileBackend::open(parsed->path, cause);
        break;
    }
    if (!backend) {
        error = fmt::format("UART backend '{}': {}", spec, cause);
    }
    return backend;
}

}  // namespace helios::sim
