// Scenario files: reading the whole file, writing line by line.
#include "sim/replay/scenario.h"

#include "sim/machine/input_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>

namespace helios::sim {

uint64_t image_hash(const std::vector<uint8_t>& bytes) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint8_t b : bytes) {
        h ^= b;
        h *= 0x100000001b3ull;
    }
    return h;
}

std::string escape_field(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '%' || c == ' ' || c == '\n' || c == '\r' || c == '\t' || static_cast<unsigned char>(c) < 0x20)
            out += fmt::format("%{:02x}", static_cast<unsigned char>(c));
        else
            out += c;
    }
    return out;
}

std::string unescape_field(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned v = 0;
        if (s[i] == '%' && i + 2 < s.size() &&
            std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ec == std::errc()) {
            out += static_cast<char>(v);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

namespace {

// key=value from a space-separated list.
std::optional<std::string_view> field(std::string_view line, std::string_view key) {
    size_t pos = 0;
    while (pos < line.size()) {
        size_t end = line.find(' ', pos);
        if (end == std::string_view::npos) end = line.size();
        std::string_view w = line.substr(pos, end - pos);
        if (w.size() > key.size() && w.substr(0, key.size()) == key && w[key.size()] == '=')
            return w.substr(key.size() + 1);
        pos = end + 1;
    }
    return std::nullopt;
}

bool to_u64(std::string_view s, uint64_t& out, int base = 10) {
    if (base == 16 && s.size() > 2 && s[0] == '0' && s[1] == 'x') s.remove_prefix(2);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::optional<Scenario> load_scenario(const std::string& path, std::string& error) {
    // Read whole with the same bounds as an image: a regular file under a
    // cap, so a FIFO or /dev/zero named as a scenario is refused at once.
    auto bytes = read_input_file(path, kMaxScenarioBytes, "scenario");
    if (!bytes) {
        error = bytes.message();
        return std::nullopt;
    }
    std::istringstream in(std::string(bytes->begin(), bytes->end()));
    bytes->clear();
    bytes->shrink_to_fit();
    Scenario sc;
    std::string line;
    size_t lineno = 0;
    bool saw_header = false, saw_image = false;
    auto fail = [&](const std::string& what) {
        error = fmt::format("{}:{}: {}", path, lineno, what);
        return std::nullopt;
    };
    while (std::getline(in, line)) {
        ++lineno;
        if (!saw_header) {
            if (line.rfind("# helios-sim scenario v1", 0) == 0)
                sc.version = 1;
            else if (line.rfind("# helios-sim scenario v2", 0) == 0)
                sc.version = 2;
            else
                return fail("not a helios-sim scenario (the first line must be '# helios-sim scenario v2' or v1)");
            saw_header = true;
            continue;
        }
        if (line.rfind("# host: ", 0) == 0) sc.host = line.substr(8);
        if (line.rfind("# guest-read ", 0) == 0) sc.guest_reads.push_back(line.substr(13));
        if (line.empty() || line[0] == '#') continue;
        std::string_view l = line;
        size_t sp = l.find(' ');
        std::string_view word = l.substr(0, sp);
        std::string_view rest = sp == std::string_view::npos ? std::string_view() : l.substr(sp + 1);
        if (sc.complete) return fail("content after the 'end' line");
        if (word == "description") {
            sc.description.emplace_back(rest);
        } else if (word == "image") {
            auto p = field(rest, "path");
            auto h = field(rest, "hash");
            auto s = field(rest, "size");
            if (!p || !h || !s || h->substr(0, 8) != "fnv1a64:" || !to_u64(h->substr(8), sc.image_hash, 16) ||
                !to_u64(*s, sc.image_size))
                return fail("image: expected 'image path=P hash=fnv1a64:HEX size=N'");
            sc.image_path = unescape_field(*p);
            saw_image = true;
        } else if (word == "config") {
            if (auto m = field(rest, "mem"); m && !to_u64(*m, sc.memory_bytes)) return fail("config: bad mem=");
            if (auto c = field(rest, "cmdline")) sc.cmdline = unescape_field(*c);
        } else if (word == "limits") {
            Scenario::Limits lim;
            auto a = field(rest, "address-spaces");
            auto t = field(rest, "tasks");
            auto m = field(rest, "mappings");
            if (!a || !t || !m || !to_u64(*a, lim.address_spaces) || !to_u64(*t, lim.tasks) ||
                !to_u64(*m, lim.mappings) || !lim.address_spaces || !lim.tasks || !lim.mappings)
                return fail("limits: expected 'limits address-spaces=N tasks=N mappings=N' (each at least 1)");
            sc.limits = lim;
        } else if (word == "check") {
            uint64_t every = 0;
            auto d = field(rest, "deep-every");
            if (rest.substr(0, rest.find(' ')) != "invariants" || !d || !to_u64(*d, every) || every == 0 ||
                every > 1000000000)
                return fail("check: expected 'check invariants deep-every=N' (N from 1 to 10^9)");
            sc.check_deep_every = static_cast<unsigned>(every);
        } else if (word == "inject") {
            std::string err;
            auto inj = parse_injection_line(rest, err);
            if (!inj) return fail(err);
            if (!sc.injections.empty() && inj->vtime < sc.injections.back().vtime)
                return fail("inject: times must not go backwards");
            sc.injections.push_back(*inj);
        } else if (word == "event") {
            size_t sp2 = rest.find(' ');
            uint64_t n = 0;
            if (sp2 == std::string_view::npos || !to_u64(rest.substr(0, sp2), n))
                return fail("event: expected 'event N TEXT'");
            if (n != sc.events.size())
                return fail(fmt::format("event: expected number {}, found {}", sc.events.size(), n));
            sc.events.emplace_back(rest.substr(sp2 + 1));
        } else if (word == "quit") {
            uint64_t vtime = 0, boundary = 0;
            size_t sp2 = rest.find(' ');
            if (sc.quit_boundary || sp2 == std::string_view::npos || rest.substr(0, 1) != "@" ||
                !to_u64(rest.substr(1, sp2 - 1), vtime) || rest.substr(sp2 + 1, 1) != "b" ||
                !to_u64(rest.substr(sp2 + 2), boundary))
                return fail("quit: expected one 'quit @VTIME bBOUNDARY'");
            sc.quit_boundary = boundary;
        } else if (word == "end") {
            uint64_t st = 0;
            auto s = field(rest, "status");
            if (!s || !to_u64(*s, st)) return fail("end: expected 'end status=N'");
            sc.exit_status = static_cast<int>(st);
            sc.complete = true;
        } else {
            return fail(fmt::format("unknown line kind '{}' (description, image, config, limits, check, inject, "
                                    "event, quit, end)", word));
        }
    }
    if (!saw_header) {
        lineno = 1;
        return fail("empty file: not a helios-sim scenario");
    }
    if (!saw_image) return fail("no 'image' line");
    return sc;
}

std::unique_ptr<ScenarioWriter> ScenarioWriter::create(const std::string& path, std::string& error,
                                                       uint64_t limit_bytes) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = fmt::format("cannot create scenario '{}': {}", path, std::strerror(errno));
        return nullptr;
    }
    return std::unique_ptr<ScenarioWriter>(new ScenarioWriter(fd, limit_bytes));
}

ScenarioWriter::~ScenarioWriter() {
    flush();
    ::close(fd_);
}

void ScenarioWriter::header(const std::string& image_path, uint64_t hash, uint64_t size, uint64_t memory_bytes,
                            const std::string& cmdline) {
    pending_ += "# helios-sim scenario v2 (docs/scenarios.md)\n";
    pending_ += fmt::format("image path={} hash=fnv1a64:{:016x} size={}\n", escape_field(image_path), hash, size);
    pending_ += fmt::format("config mem={} cmdline={}\n", memory_bytes, escape_field(cmdline));
    flush();
}

void ScenarioWriter::limits(const Scenario::Limits& l, const std::string& host_traps) {
    pending_ += fmt::format("limits address-spaces={} tasks={} mappings={}\n", l.address_spaces, l.tasks, l.mappings);
    pending_ += fmt::format("# host: {}\n", host_traps);
    flush();
}

void ScenarioWriter::check_invariants(unsigned deep_every) {
    pending_ += fmt::format("check invariants deep-every={}\n", deep_every);
    flush();
}

void ScenarioWriter::comment(const std::string& text) { append("# " + text + "\n"); }

void ScenarioWriter::injection(const Injection& inj) { append("inject " + format_injection_line(inj) + "\n"); }

void ScenarioWriter::event(uint64_t index, const std::string& text) { append(fmt::format("event {} {}\n", index, text)); }

void ScenarioWriter::quit(uint64_t vtime, uint64_t boundary) {
    append(fmt::format("quit @{} b{}\n", vtime, boundary));
}

void ScenarioWriter::end(int exit_status, const std::string& reason) {
    // A truncated recording gets no end line: it replays as a cut-off one
    // (up to its last event), which is exactly what it is.
    if (!truncated_) pending_ += fmt::format("# {}\nend status={}\n", reason, exit_status);
    flush();
}

void ScenarioWriter::append(const std::string& line) {
    if (truncated_) return;
    if (limit_ != 0 && written_ + pending_.size() + line.size() > limit_) {
        truncated_ = true;
        pending_ += fmt::format("# truncated: the recording reached its limit of {} bytes (--trace-limit); it "
                                "replays as a cut-off recording\n", limit_);
        return;
    }
    pending_ += line;
}

void ScenarioWriter::flush() {
    written_ += pending_.size();
    size_t off = 0;
    while (off < pending_.size()) {
        ssize_t n = ::write(fd_, pending_.data() + off, pending_.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += static_cast<size_t>(n);
    }
    pending_.clear();
}

}  // namespace helios::sim
