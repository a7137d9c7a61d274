// Injection parsing and printing: one grammar for --inject and scenario files.
#include "sim/replay/injection.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <map>

#include <helios/abi.h>

namespace helios::sim {

namespace {

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

bool parse_u64(std::string_view s, uint64_t& out) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        base = 16;
    }
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && p == s.data() + s.size();
}

bool parse_time(std::string_view s, uint64_t& out) {
    uint64_t mult = 1;
    auto ends = [&](std::string_view suf) {
        return s.size() > suf.size() && s.substr(s.size() - suf.size()) == suf;
    };
    if (ends("ns")) s.remove_suffix(2);
    else if (ends("us")) s.remove_suffix(2), mult = 1000;
    else if (ends("ms")) s.remove_suffix(2), mult = 1000000;
    else if (ends("s")) s.remove_suffix(1), mult = 1000000000;
    uint64_t v = 0;
    if (!parse_u64(s, v) || v > UINT64_MAX / mult) return false;
    out = v * mult;
    return true;
}

bool parse_hex_bytes(std::string_view s, std::vector<uint8_t>& out) {
    if (s.size() % 2) return false;
    for (size_t i = 0; i < s.size(); i += 2) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
        if (ec != std::errc() || p != s.data() + i + 2) return false;
        out.push_back(static_cast<uint8_t>(v));
    }
    return true;
}

const char* kind_name(Injection::Kind k) {
    switch (k) {
        case Injection::Kind::UartInput: return "uart";
        case Injection::Kind::FailAlloc: return "fail-alloc";
        case Injection::Kind::IrqDrop: return "irq-drop";
        case Injection::Kind::IrqDup: return "irq-dup";
        case Injection::Kind::SpuriousIrq: return "spurious-irq";
        case Injection::Kind::UartCorrupt: return "uart-corrupt";
        case Injection::Kind::KillTask: return "kill-task";
        case Injection::Kind::Fault: return "fault";
        case Injection::Kind::Preempt: return "preempt";
    }
    return "?";
}

std::optional<unsigned> fault_kind_from_name(std::string_view name) {
#define HELIOS_X_MATCH(num, n, text) \
    if (name == #n) return num;
    HELIOS_FAULT_KINDS(HELIOS_X_MATCH)
#undef HELIOS_X_MATCH
    return std::nullopt;
}

const char* fault_kind_text(unsigned k) {
    const char* name = helios_fault_kind_name(k);
    return name ? name : "INJECTED";
}

// Parse "KIND args..." (no time) into inj.
bool parse_body(const std::vector<std::string_view>& words, size_t first, Injection& inj, std::string& error) {
    if (first >= words.size()) {
        error = "missing injection kind (uart, fail-alloc, irq-drop, irq-dup, spurious-irq, uart-corrupt, "
                "kill-task, fault)";
        return false;
    }
    std::string_view kind = words[first];
    std::map<std::string, std::string_view> kv;
    std::optional<unsigned> port;
    for (size_t i = first + 1; i < words.size(); ++i) {
        std::string_view w = words[i];
        if (w == "com1" || w == "com2") {
            port = w == "com1" ? 0 : 1;
            continue;
        }
        size_t eq = w.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            error = fmt::format("'{}': expected key=value", w);
            return false;
        }
        kv[std::string(w.substr(0, eq))] = w.substr(eq + 1);
    }
    auto number = [&](const char* key, uint64_t& out, bool required) {
        auto it = kv.find(key);
        if (it == kv.end()) {
            if (required) error = fmt::format("{}: missing {}=", kind, key);
            return !required;
        }
        if (!parse_u64(it->second, out)) {
            error = fmt::format("{}: {}='{}' is not a number", kind, key, it->second);
            return false;
        }
        kv.erase(it);
        return true;
    };
    uint64_t v = 0;
    if (kind == "uart") {
        inj.kind = Injection::Kind::UartInput;
        if (!port) return error = "uart: say which port (com1 or com2)", false;
        inj.port = *port;
        auto it = kv.find("hex");
        if (it == kv.end() || !parse_hex_bytes(it->second, inj.bytes) || inj.bytes.empty())
            return error = "uart: hex= must hold an even number of hex digits", false;
        kv.erase(it);
    } else if (kind == "fail-alloc") {
        inj.kind = Injection::Kind::FailAlloc;
        v = 1;
        if (!number("count", v, false)) return false;
        if (v == 0 || v > 1000000) return error = "fail-alloc: count must be 1..1000000", false;
        inj.count = static_cast<unsigned>(v);
    } else if (kind == "irq-drop" || kind == "irq-dup" || kind == "spurious-irq") {
        inj.kind = kind == "irq-drop"  ? Injection::Kind::IrqDrop
                   : kind == "irq-dup" ? Injection::Kind::IrqDup
                                       : Injection::Kind::SpuriousIrq;
        if (!number("line", v, true)) return false;
        if (v >= 16) return error = fmt::format("{}: line must be 0..15", kind), false;
        inj.line = static_cast<unsigned>(v);
    } else if (kind == "uart-corrupt") {
        inj.kind = Injection::Kind::UartCorrupt;
        if (!port) return error = "uart-corrupt: say which port (com1 or com2)", false;
        inj.port = *port;
        v = 0xFF;
        if (!number("xor", v, false)) return false;
        if (v == 0 || v > 0xFF) return error = "uart-corrupt: xor must be 1..0xff", false;
        inj.xor_mask = static_cast<uint8_t>(v);
    } else if (kind == "kill-task" || kind == "fault") {
        inj.kind = kind == "kill-task" ? Injection::Kind::KillTask : Injection::Kind::Fault;
        if (!number("task", v, true)) return false;
        if (v == 0 || v > UINT32_MAX) return error = fmt::format("{}: task must be a task id (1..)", kind), false;
        inj.task = static_cast<uint32_t>(v);
        if (inj.kind == Injection::Kind::Fault) {
            auto it = kv.find("kind");
            if (it != kv.end()) {
                auto k = fault_kind_from_name(it->second);
                if (!k) return error = fmt::format("fault: unknown kind '{}' (PAGE, GENERAL_PROTECTION, ...)", it->second), false;
                inj.fault_kind = *k;
                kv.erase(it);
            }
            if (!number("addr", inj.addr, false)) return false;
        }
    } else if (kind == "preempt") {
        inj.kind = Injection::Kind::Preempt;
    } else {
        error = fmt::format("unknown injection '{}' (uart, fail-alloc, irq-drop, irq-dup, spurious-irq, "
                            "uart-corrupt, kill-task, fault, preempt)", kind);
        return false;
    }
    if (!kv.empty()) {
        error = fmt::format("{}: unknown key '{}'", kind, kv.begin()->first);
        return false;
    }
    return true;
}

}  // namespace

std::string Injection::describe() const {
    const char* port_name = port == 0 ? "com1" : "com2";
    switch (kind) {
        case Kind::UartInput: {
            std::string hex;
            for (uint8_t b : bytes) hex += fmt::format("{:02x}", b);
            return fmt::format("uart {} hex={}", port_name, hex);
        }
        case Kind::FailAlloc: return fmt::format("fail-alloc count={}", count);
        case Kind::IrqDrop:
        case Kind::IrqDup:
        case Kind::SpuriousIrq: return fmt::format("{} line={}", kind_name(kind), line);
        case Kind::UartCorrupt: return fmt::format("uart-corrupt {} xor={:#x}", port_name, xor_mask);
        case Kind::KillTask: return fmt::format("kill-task task={}", task);
        case Kind::Fault: return fmt::format("fault task={} kind={} addr={:#x}", task, fault_kind_text(fault_kind), addr);
        case Kind::Preempt: return "preempt";
    }
    return "?";
}

std::optional<Injection> parse_injection(std::string_view text, std::string& error) {
    size_t at = text.rfind('@');
    if (at == std::string_view::npos) {
        error = fmt::format("'{}': missing '@TIME' (e.g. 'irq-drop line=4 @5ms')", text);
        return std::nullopt;
    }
    Injection inj;
    std::string_view when = text.substr(at + 1);
    while (!when.empty() && when.front() == ' ') when.remove_prefix(1);
    while (!when.empty() && when.back() == ' ') when.remove_suffix(1);
    if (!parse_time(when, inj.vtime)) {
        error = fmt::format("'{}': bad time '{}' (ns, or with us/ms/s)", text, when);
        return std::nullopt;
    }
    auto words = split_words(text.substr(0, at));
    if (!parse_body(words, 0, inj, error)) return std::nullopt;
    return inj;
}

std::optional<Injection> parse_injection_line(std::string_view text, std::string& error) {
    auto words = split_words(text);
    Injection inj;
    if (words.empty() || words[0].empty() || words[0][0] != '@' || !parse_time(words[0].substr(1), inj.vtime)) {
        error = "inject: expected '@VTIME' first";
        return std::nullopt;
    }
    size_t first = 1;
    if (words.size() > 1 && words[1].size() > 1 && words[1][0] == 'b') {
        uint64_t b = 0;
        if (!parse_u64(words[1].substr(1), b)) {
            error = fmt::format("inject: bad boundary '{}'", words[1]);
            return std::nullopt;
        }
        inj.boundary = b;
        first = 2;
    }
    if (!parse_body(words, first, inj, error)) return std::nullopt;
    return inj;
}

std::string format_injection_line(const Injection& inj) {
    if (inj.boundary) return fmt::format("@{} b{} {}", inj.vtime, *inj.boundary, inj.describe());
    return fmt::format("@{} {}", inj.vtime, inj.describe());
}

}  // namespace helios::sim
