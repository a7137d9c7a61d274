// Mercury manifest parser (see manifest.h for the format): freestanding, no heap.
#include "manifest_parser.h"

#include "lib/string.h"

namespace helios::lib {

namespace {

// A view of part of the manifest text.
struct Span {
    const char* p = nullptr;
    size_t n = 0;

    [[nodiscard]] bool empty() const { return n == 0; }
    [[nodiscard]] bool is(const char* z) const { return equal(p, n, z); }
};

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

Span trim(Span s) {
    while (s.n > 0 && is_blank(s.p[0])) ++s.p, --s.n;
    while (s.n > 0 && is_blank(s.p[s.n - 1])) --s.n;
    return s;
}

// Splits s at the first c: *before and *after (both trimmed). False when absent.
bool split(Span s, char c, Span* before, Span* after) {
    for (size_t i = 0; i < s.n; ++i) {
        if (s.p[i] == c) {
            *before = trim({s.p, i});
            *after = trim({s.p + i + 1, s.n - i - 1});
            return true;
        }
    }
    return false;
}

bool parse_decimal(Span s, uint64_t max, uint64_t* out) {
    if (s.empty() || s.n > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; ++i) {
        char c = s.p[i];
        if (c < '0' || c > '9') return false;
        if (mul_overflows(v, 10, &v) || add_overflows(v, static_cast<uint64_t>(c - '0'), &v)) return false;
    }
    if (v > max) return false;
    *out = v;
    return true;
}

// Hex digits, optionally after 0x; false when malformed or above 64 bits.
bool parse_hex(Span s, uint64_t* out) {
    if (s.n >= 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) s.p += 2, s.n -= 2;
    if (s.empty() || s.n > 16) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; ++i) {
        char c = s.p[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = static_cast<unsigned>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = static_cast<unsigned>(c - 'A' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

bool is_name(Span s) {
    if (s.empty()) return false;
    for (size_t i = 0; i < s.n; ++i)
        if (!is_name_char(s.p[i])) return false;
    return true;
}

void copy_span(char* dst, size_t cap, Span s) {
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    copy(dst, s.p, n);
    dst[n] = '\0';
}

// Builds the error message: a bounded, always NUL-terminated appender.
class Message {
public:
    explicit Message(ManifestError* e) : e_(e) {
        if (e_) e_->message[0] = '\0';
    }
    Message& add(const char* z) { return add({z, length(z)}); }
    Message& add(Span s) {
        if (!e_) return *this;
        for (size_t i = 0; i < s.n && n_ + 1 < sizeof e_->message; ++i) e_->message[n_++] = s.p[i];
        e_->message[n_] = '\0';
        return *this;
    }
    // A user-supplied token, quoted and cut to a readable length.
    Message& quote(Span s) {
        constexpr size_t kMax = 32;
        add("'");
        if (s.n > kMax) {
            add({s.p, kMax});
            add("...");
        } else {
            add(s);
        }
        return add("'");
    }
    Message& dec(uint64_t v) {
        char buf[24];
        size_t i = sizeof buf;
        do {
            buf[--i] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v);
        return add({buf + i, sizeof buf - i});
    }
    Message& hex(uint64_t v) {
        char buf[24];
        size_t i = sizeof buf;
        do {
            unsigned d = static_cast<unsigned>(v & 0xF);
            buf[--i] = static_cast<char>(d < 10 ? '0' + d : 'A' + d - 10);
            v >>= 4;
        } while (v);
        return add({buf + i, sizeof buf - i});
    }

private:
    ManifestError* e_;
    size_t n_ = 0;
};

enum class Section : uint8_t { none, driver, cspace, capabilities, services, count };

const char* section_name(Section s) {
    switch (s) {
        case Section::driver: return "driver";
        case Section::cspace: return "cspace";
        case Section::capabilities: return "capabilities";
        case Section::services: return "services";
        default: return "";
    }
}

constexpr const char* kTypeNames[] = {"endpoint", "note", "ioport", "irq", "cspace", "vspace", "memory", "serial"};
constexpr size_t kTypeCount = sizeof kTypeNames / sizeof kTypeNames[0];

// One `key=value` (or bare `value`) item of a capability's configuration.
struct Item {
    Span key;  // empty for a bare word
    Span value;
};

class Parser {
public:
    Parser(Manifest* m, ManifestError* e) : m_(m), e_(e) {}

    bool run(const char* text, size_t len) {
        fill(m_, 0, sizeof *m_);
        m_->radix = Manifest::kDefaultRadix;
        len = length_bounded(text, len);
        size_t pos = 0;
        uint32_t line = 0;
        while (pos < len) {
            size_t end = pos;
            while (end < len && text[end] != '\n') ++end;
            ++line;
            Span raw{text + pos, end - pos};
            if (raw.n > 0 && raw.p[raw.n - 1] == '\r') --raw.n;
            if (!parse_line(line, raw)) return false;
            pos = end + 1;
        }
        return finish();
    }

private:
    Message fail(uint32_t line) {
        if (e_) e_->line = line;
        return Message(e_);
    }

    bool parse_line(uint32_t line, Span raw) {
        for (size_t i = 0; i < raw.n; ++i) {
            auto c = static_cast<unsigned char>(raw.p[i]);
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                fail(line).add("unexpected control character (byte 0x").hex(c).add(")");
                return false;
            }
        }
        Span s = trim(raw);
        if (s.empty() || s.p[0] == '#' || s.p[0] == ';') return true;
        if (s.p[0] == '[') return parse_section(line, s);
        switch (section_) {
            case Section::none:
                fail(line).quote(s).add(
                    " is outside any section (expected [driver], [cspace], [capabilities] or [services] first)");
                return false;
            case Section::driver: return parse_driver(line, s);
            case Section::cspace: return parse_cspace(line, s);
            case Section::capabilities: return parse_capability(line, s);
            case Section::services: return parse_service(line, s);
            default: return false;
        }
    }

    bool parse_section(uint32_t line, Span s) {
        if (s.p[s.n - 1] != ']') {
            fail(line).add("section header ").quote(s).add(" is missing its closing ']'");
            return false;
        }
        Span name = trim({s.p + 1, s.n - 2});
        Section found = Section::none;
        for (auto i = static_cast<uint8_t>(Section::driver); i < static_cast<uint8_t>(Section::count); ++i)
            if (name.is(section_name(static_cast<Section>(i)))) found = static_cast<Section>(i);
        if (found == Section::none) {
            fail(line).add("unknown section [").add(name).add("] (expected driver, cspace, capabilities or services)");
            return false;
        }
        auto index = static_cast<size_t>(found);
        if (section_line_[index] != 0) {
            fail(line)
                .add("section [")
                .add(section_name(found))
                .add("] appears twice (first on line ")
                .dec(section_line_[index])
                .add(")");
            return false;
        }
        section_line_[index] = line;
        section_ = found;
        return true;
    }

    // key = value, for [driver] and [cspace].
    bool key_value(uint32_t line, Span s, Span* key, Span* value) {
        if (!split(s, '=', key, value) || key->empty()) {
            fail(line).add("expected KEY = VALUE in [").add(section_name(section_)).add("], found ").quote(s);
            return false;
        }
        return true;
    }

    bool once(uint32_t line, uint32_t* seen, const char* key) {
        if (*seen != 0) {
            fail(line).add(key).add(" is given twice (first on line ").dec(*seen).add(")");
            return false;
        }
        *seen = line;
        return true;
    }

    bool parse_driver(uint32_t line, Span s) {
        Span key, value;
        if (!key_value(line, s, &key, &value)) return false;
        if (key.is("name")) {
            if (!once(line, &m_->name_line, "name")) return false;
            if (!is_name(value)) {
                fail(line).add("name ").quote(value).add(" must be 1-31 characters of A-Z a-z 0-9 _ . -");
                return false;
            }
            if (value.n >= sizeof m_->name) {
                fail(line).add("name ").quote(value).add(" is longer than 31 characters");
                return false;
            }
            copy_span(m_->name, sizeof m_->name, value);
            return true;
        }
        if (key.is("desc")) {
            if (!once(line, &desc_line_, "desc")) return false;
            if (value.n >= sizeof m_->desc) {
                fail(line).add("desc is longer than ").dec(sizeof m_->desc - 1).add(" characters");
                return false;
            }
            copy_span(m_->desc, sizeof m_->desc, value);
            return true;
        }
        fail(line).add("unknown key ").quote(key).add(" in [driver] (expected name or desc)");
        return false;
    }

    bool parse_cspace(uint32_t line, Span s) {
        Span key, value;
        if (!key_value(line, s, &key, &value)) return false;
        if (!key.is("radix")) {
            fail(line).add("unknown key ").quote(key).add(" in [cspace] (expected radix)");
            return false;
        }
        if (!once(line, &m_->radix_line, "radix")) return false;
        uint64_t radix = 0;
        if (!parse_decimal(value, Manifest::kMaxRadix, &radix) || radix == 0) {
            fail(line).add("radix ").quote(value).add(" is not a decimal number from 1 to ").dec(Manifest::kMaxRadix);
            return false;
        }
        m_->radix = static_cast<unsigned>(radix);
        return true;
    }

    bool parse_service(uint32_t line, Span s) {
        Span key, value;
        if (!split(s, '=', &key, &value)) key = s, value = {};
        if (!is_name(key) || key.n >= sizeof m_->services[0].name) {
            fail(line).add("service name ").quote(key).add(" must be 1-15 characters of A-Z a-z 0-9 _ . -");
            return false;
        }
        if (!value.empty()) {
            fail(line)
                .add("service ")
                .add(key)
                .add(" takes no value (found ")
                .quote(value)
                .add("; services are listed as NAME =)");
            return false;
        }
        for (size_t i = 0; i < m_->service_count; ++i) {
            if (key.is(m_->services[i].name)) {
                fail(line)
                    .add("service ")
                    .add(key)
                    .add(" is listed twice (first on line ")
                    .dec(m_->services[i].line)
                    .add(")");
                return false;
            }
        }
        if (m_->service_count == Manifest::kMaxServices) {
            fail(line).add("too many services (at most ").dec(Manifest::kMaxServices).add(")");
            return false;
        }
        ManifestService& svc = m_->services[m_->service_count++];
        svc.line = line;
        copy_span(svc.name, sizeof svc.name, key);
        return true;
    }

    // Splits a configuration into items; false (error set) on an empty item.
    bool items(uint32_t line, const char* type, Span config, Item* out, size_t max, size_t* count) {
        *count = 0;
        if (config.empty()) return true;
        size_t start = 0;
        for (size_t i = 0; i <= config.n; ++i) {
            if (i < config.n && config.p[i] != ',') continue;
            Span item = trim({config.p + start, i - start});
            start = i + 1;
            if (item.empty()) {
                fail(line).add(type).add(": empty item in ").quote(config);
                return false;
            }
            if (*count == max) {
                fail(line).add(type).add(": too many items in ").quote(config);
                return false;
            }
            Item& it = out[(*count)++];
            if (!split(item, '=', &it.key, &it.value)) it.key = {}, it.value = item;
        }
        return true;
    }

    bool parse_capability(uint32_t line, Span s) {
        Span head, config;
        if (!split(s, '=', &head, &config)) head = s, config = {};
        Span addr, type_name;
        if (!split(head, ':', &addr, &type_name)) {
            fail(line).add("expected ADDR:TYPE = CONFIG (ADDR a slot number or _), found ").quote(head);
            return false;
        }
        ManifestCap cap{};
        cap.line = line;
        if (addr.is("_")) {
            cap.any_slot = true;
        } else {
            uint64_t slot = 0;
            if (!parse_decimal(addr, 0xFFFFFFFEull, &slot)) {
                fail(line).add("slot ").quote(addr).add(" is not a decimal number or _");
                return false;
            }
            cap.slot = static_cast<uint32_t>(slot);
        }
        size_t type = kTypeCount;
        for (size_t i = 0; i < kTypeCount; ++i)
            if (type_name.is(kTypeNames[i])) type = i;
        if (type == kTypeCount) {
            fail(line)
                .add("unknown capability type ")
                .quote(type_name)
                .add(" (expected cspace, endpoint, ioport, irq, memory, note, serial or vspace)");
            return false;
        }
        cap.type = static_cast<ManifestCapType>(type);
        const char* tn = kTypeNames[type];

        Item it[4];
        size_t n = 0;
        if (!items(line, tn, config, it, 4, &n)) return false;
        switch (cap.type) {
            case ManifestCapType::endpoint:
            case ManifestCapType::note:
            case ManifestCapType::serial:
                if (n != 0) {
                    fail(line).add(tn).add(" takes no configuration (found ").quote(config).add(")");
                    return false;
                }
                break;
            case ManifestCapType::cspace:
            case ManifestCapType::vspace:
                if (n != 1 || !it[0].key.empty() || !it[0].value.is("self")) {
                    fail(line).add(tn).add(": the only configuration is 'self' (found ").quote(config).add(")");
                    return false;
                }
                break;
            case ManifestCapType::ioport:
                if (!parse_ioport(line, it, n, &cap)) return false;
                break;
            case ManifestCapType::irq:
                if (!parse_irq(line, it, n, &cap)) return false;
                break;
            case ManifestCapType::memory:
                if (!parse_memory(line, it, n, &cap)) return false;
                break;
        }
        if (!cap.any_slot) {
            for (size_t i = 0; i < m_->cap_count; ++i) {
                const ManifestCap& c = m_->caps[i];
                if (!c.any_slot && c.slot == cap.slot) {
                    fail(line).add("slot ").dec(cap.slot).add(" is already used on line ").dec(c.line);
                    return false;
                }
            }
        }
        if (m_->cap_count == Manifest::kMaxCaps) {
            fail(line).add("too many capabilities (at most ").dec(Manifest::kMaxCaps).add(")");
            return false;
        }
        m_->caps[m_->cap_count++] = cap;
        return true;
    }

    // Each key of `keys` at most once, nothing else, no bare words.
    bool check_keys(uint32_t line, const char* type, const Item* it, size_t n, const char* const* keys, size_t nkeys,
                    const char* expected, const Span** found) {
        for (size_t k = 0; k < nkeys; ++k) found[k] = nullptr;
        for (size_t i = 0; i < n; ++i) {
            if (it[i].key.empty()) {
                fail(line).add(type).add(": expected KEY=VALUE, found ").quote(it[i].value);
                return false;
            }
            size_t k = 0;
            while (k < nkeys && !it[i].key.is(keys[k])) ++k;
            if (k == nkeys) {
                fail(line).add(type).add(": unknown key ").quote(it[i].key).add(" (expected ").add(expected).add(")");
                return false;
            }
            if (found[k]) {
                fail(line).add(type).add(": ").add(keys[k]).add(" is given twice");
                return false;
            }
            found[k] = &it[i].value;
        }
        for (size_t k = 0; k < nkeys; ++k) {
            if (!found[k]) {
                fail(line).add(type).add(": ").add(keys[k]).add(" is missing");
                return false;
            }
        }
        return true;
    }

    bool parse_ioport(uint32_t line, const Item* it, size_t n, ManifestCap* cap) {
        static constexpr const char* kKeys[] = {"min", "max"};
        const Span* v[2];
        if (!check_keys(line, "ioport", it, n, kKeys, 2, "min and max", v)) return false;
        uint64_t port[2];
        for (size_t k = 0; k < 2; ++k) {
            if (!parse_hex(*v[k], &port[k])) {
                fail(line).add("ioport: ").add(kKeys[k]).add(" is not a hex number (found ").quote(*v[k]).add(")");
                return false;
            }
            if (port[k] > 0xFFFF) {
                fail(line).add("ioport: ").add(kKeys[k]).add(" ").hex(port[k]).add(" is above FFFF");
                return false;
            }
        }
        if (port[0] > port[1]) {
            fail(line).add("ioport: min ").hex(port[0]).add(" is above max ").hex(port[1]);
            return false;
        }
        cap->io_min = static_cast<uint16_t>(port[0]);
        cap->io_max = static_cast<uint16_t>(port[1]);
        return true;
    }

    bool parse_irq(uint32_t line, const Item* it, size_t n, ManifestCap* cap) {
        static constexpr const char* kKeys[] = {"irq", "note"};
        const Span* v[2];
        if (!check_keys(line, "irq", it, n, kKeys, 2, "irq and note", v)) return false;
        uint64_t irq = 0, note = 0;
        if (!parse_decimal(*v[0], 15, &irq)) {
            fail(line).add("irq: irq ").quote(*v[0]).add(" is not an IRQ line (a decimal number from 0 to 15)");
            return false;
        }
        if (!parse_decimal(*v[1], 0xFFFFFFFEull, &note)) {
            fail(line).add("irq: note ").quote(*v[1]).add(" is not a decimal slot number");
            return false;
        }
        bool declared = false;
        for (size_t i = 0; i < m_->cap_count; ++i) {
            const ManifestCap& c = m_->caps[i];
            if (c.type == ManifestCapType::irq && c.irq == irq) {
                fail(line).add("irq: line ").dec(irq).add(" is already requested on line ").dec(c.line);
                return false;
            }
            if (!c.any_slot && c.slot == note && c.type == ManifestCapType::note) declared = true;
        }
        if (!declared) {
            fail(line).add("irq: note ").dec(note).add(" does not name a note declared on an earlier line");
            return false;
        }
        cap->irq = static_cast<uint8_t>(irq);
        cap->note = static_cast<uint32_t>(note);
        return true;
    }

    bool parse_memory(uint32_t line, const Item* it, size_t n, ManifestCap* cap) {
        static constexpr const char* kKeys[] = {"pages"};
        const Span* v[1];
        if (!check_keys(line, "memory", it, n, kKeys, 1, "pages", v)) return false;
        uint64_t pages = 0;
        if (!parse_decimal(*v[0], Manifest::kMaxMemoryPages, &pages) || pages == 0) {
            fail(line)
                .add("memory: pages ")
                .quote(*v[0])
                .add(" is not a decimal number from 1 to ")
                .dec(Manifest::kMaxMemoryPages);
            return false;
        }
        cap->pages = pages;
        return true;
    }

    // Whole-manifest checks: every slot fits the cspace.
    bool finish() {
        uint64_t capacity = uint64_t{1} << m_->radix;
        for (size_t i = 0; i < m_->cap_count; ++i) {
            const ManifestCap& c = m_->caps[i];
            if (!c.any_slot && c.slot >= capacity) {
                fail(c.line)
                    .add("slot ")
                    .dec(c.slot)
                    .add(" is outside the cspace (radix ")
                    .dec(m_->radix)
                    .add(": slots 0-")
                    .dec(capacity - 1)
                    .add(")");
                return false;
            }
        }
        if (m_->cap_count + m_->service_count > capacity) {
            fail(m_->radix_line)
                .dec(m_->cap_count + m_->service_count)
                .add(" capabilities and services do not fit a cspace of radix ")
                .dec(m_->radix);
            return false;
        }
        return true;
    }

    Manifest* m_;
    ManifestError* e_;
    Section section_ = Section::none;
    uint32_t section_line_[static_cast<size_t>(Section::count)] = {};
    uint32_t desc_line_ = 0;
};

}  // namespace

const char* manifest_cap_type_name(ManifestCapType type) {
    auto i = static_cast<size_t>(type);
    return i < kTypeCount ? kTypeNames[i] : "unknown";
}

bool parse_manifest(const char* text, size_t len, Manifest* out, ManifestError* error) {
    if (error) {
        error->line = 0;
        error->message[0] = '\0';
    }
    if (!out || (!text && len)) return false;
    Parser p(out, error);
    return p.run(text ? text : "", len);
}

}  // namespace helios::lib
