// helios-abi-doc: writes the tables of docs/abi.md from the X-macro tables of abi.h.
//
//   helios-abi-doc --print             every generated section, to stdout
//   helios-abi-doc --check FILE.md     exit 1 (naming the stale sections, with
//                                      the expected text) when FILE.md differs
//   helios-abi-doc --update FILE.md    rewrite the generated sections in place
//
// A generated section sits between `<!-- generated from abi.h: NAME -->` and
// `<!-- end generated -->`; the prose around it is the author's. NAMEs:
// errors, syscalls, invocations, faults, ctypes. scripts/update-abi-doc.sh
// runs --update; a CTest runs --check, so docs/abi.md cannot drift from the
// header the kernel, the stubs and the trace are generated from.
#include <helios/abi.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

// (a, b, c) -> "a, b, c"; () -> "-".
std::string tuple_text(const char* stringized) {
    std::string s(stringized);
    if (s.size() >= 2 && s.front() == '(' && s.back() == ')') s = s.substr(1, s.size() - 2);
    return s.empty() ? "-" : s;
}

// HELIOS_RIGHT_SEND | HELIOS_RIGHT_GRANT -> "SEND|GRANT"; 0 -> "-".
std::string rights_text(unsigned rights) {
    std::string out;
    const std::pair<unsigned, const char*> names[] = {{HELIOS_RIGHT_SEND, "SEND"},
                                                      {HELIOS_RIGHT_RECV, "RECV"},
                                                      {HELIOS_RIGHT_GRANT, "GRANT"},
                                                      {HELIOS_RIGHT_WRITE, "WRITE"}};
    for (auto [bit, name] : names)
        if (rights & bit) out += (out.empty() ? "" : "|") + std::string(name);
    return out.empty() ? "-" : out;
}

const char* ctype_text(unsigned type) {
    switch (type) {
#define HELIOS_X_CASE(num, name, text) \
    case num: return text;
        HELIOS_CTYPES(HELIOS_X_CASE)
#undef HELIOS_X_CASE
    }
    return "?";
}

// A table cell: a '|' inside would end the cell.
std::string cell(std::string s) {
    for (size_t at = 0; (at = s.find('|', at)) != std::string::npos; at += 2) s.replace(at, 1, "\\|");
    return s;
}

std::string errors_table() {
    std::ostringstream out;
    out << "| # | name | meaning |\n|---|---|---|\n";
#define HELIOS_X_ROW(num, name, text) out << "| " << num << " | " #name " | " << cell(text) << " |\n";
    HELIOS_ERRORS(HELIOS_X_ROW)
#undef HELIOS_X_ROW
    return out.str();
}

std::string syscalls_table() {
    std::ostringstream out;
    out << "| # | name | args | what it does |\n|---|---|---|---|\n";
#define HELIOS_X_ROW(num, name, nargs, args, doc) \
    out << "| " << num << " | " #name " | " << cell(tuple_text(#args)) << " | " << cell(doc) << " |\n";
    HELIOS_SYSCALLS(HELIOS_X_ROW)
#undef HELIOS_X_ROW
    return out.str();
}

// One invocation row's caps column, each entry "name: KIND [type] [rights]".
struct CapText {
    std::vector<std::string> entries;
};

std::string invocations_table() {
    std::ostringstream out;
    out << "| object | label | operation | params | capability arguments (kind, type, rights) | what it does |\n"
           "|---|---|---|---|---|---|\n";
#define HELIOS_CAP(name, kind, ctype, rights)                                                          \
    caps.entries.push_back(std::string(#name ": " #kind) +                                            \
                           (HELIOS_CT_##ctype == HELIOS_CT_NULL_CAP ? std::string()                   \
                                                                    : std::string(" ") + ctype_text(HELIOS_CT_##ctype)) + \
                           (rights ? " " + rights_text(rights) : std::string()))
// The caps column is a comma-separated list of HELIOS_CAP(...): expanded
// in order as one expression statement (comma operator).
#define HELIOS_X_ROW(type, label, name, params, caps_column, doc)                                     \
    {                                                                                                  \
        CapText caps;                                                                                  \
        HELIOS_PP_UNPAREN_ caps_column;                                                                \
        std::string caps_text;                                                                         \
        for (const auto& e : caps.entries) caps_text += (caps_text.empty() ? "" : ", ") + e;           \
        out << "| " << ctype_text(HELIOS_CT_##type) << " | " << label << " | " #name " | "             \
            << cell(tuple_text(#params)) << " | " << (caps_text.empty() ? "-" : cell(caps_text)) << " | " \
            << cell(doc) << " |\n";                                                                    \
    }
#define HELIOS_PP_UNPAREN_(...) __VA_ARGS__;
    HELIOS_INVOCATIONS(HELIOS_X_ROW)
#undef HELIOS_PP_UNPAREN_
#undef HELIOS_X_ROW
#undef HELIOS_CAP
    return out.str();
}

std::string faults_table() {
    std::ostringstream out;
    out << "| # | kind | meaning |\n|---|---|---|\n";
#define HELIOS_X_ROW(num, name, text) out << "| " << num << " | " #name " | " << cell(text) << " |\n";
    HELIOS_FAULT_KINDS(HELIOS_X_ROW)
#undef HELIOS_X_ROW
    return out.str();
}

std::string ctypes_table() {
    std::ostringstream out;
    out << "| # | type | invocations |\n|---|---|---|\n";
    std::map<unsigned, std::string> ops;
#define HELIOS_X_OP(type, label, name, params, caps, doc) \
    ops[HELIOS_CT_##type] += (ops[HELIOS_CT_##type].empty() ? "" : ", ") + std::string(#name);
    HELIOS_INVOCATIONS(HELIOS_X_OP)
#undef HELIOS_X_OP
#define HELIOS_X_ROW(num, name, text) \
    out << "| " << num << " | " << text << " | " << (ops[num].empty() ? "-" : ops[num]) << " |\n";
    HELIOS_CTYPES(HELIOS_X_ROW)
#undef HELIOS_X_ROW
    return out.str();
}

const std::vector<std::pair<std::string, std::string>>& sections() {
    static const std::vector<std::pair<std::string, std::string>> all = {
        {"errors", errors_table()},   {"syscalls", syscalls_table()}, {"invocations", invocations_table()},
        {"faults", faults_table()},   {"ctypes", ctypes_table()},
    };
    return all;
}

constexpr const char* kBegin = "<!-- generated from abi.h: ";
constexpr const char* kEnd = "<!-- end generated -->";

// Replaces every generated section of `doc` with the current text; fills
// `stale` with the names that changed and `problem` when the markers are
// broken (a begin without an end, an unknown name, a section missing).
std::string regenerate(const std::string& doc, std::vector<std::string>& stale, std::string& problem) {
    std::string out;
    size_t at = 0;
    std::map<std::string, bool> seen;
    while (true) {
        size_t begin = doc.find(kBegin, at);
        if (begin == std::string::npos) break;
        size_t name_end = doc.find(" -->\n", begin);
        if (name_end == std::string::npos) {
            problem = "a '" + std::string(kBegin) + "' marker does not end with ' -->' and a newline";
            return doc;
        }
        std::string name = doc.substr(begin + std::strlen(kBegin), name_end - begin - std::strlen(kBegin));
        size_t body = name_end + 5;
        size_t end = doc.find(kEnd, body);
        if (end == std::string::npos) {
            problem = "generated section '" + name + "' has no '" + kEnd + "'";
            return doc;
        }
        const std::string* fresh = nullptr;
        for (const auto& [n, text] : sections())
            if (n == name) fresh = &text;
        if (!fresh) {
            problem = "unknown generated section '" + name + "'";
            return doc;
        }
        seen[name] = true;
        if (doc.compare(body, end - body, *fresh) != 0) stale.push_back(name);
        out += doc.substr(at, body - at);
        out += *fresh;
        at = end;
    }
    out += doc.substr(at);
    for (const auto& [n, text] : sections())
        if (!seen[n]) problem += (problem.empty() ? "" : "; ") + ("section '" + n + "' is missing its markers");
    return out;
}

bool read_file(const char* path, std::string& text) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
    return true;
}

int usage() {
    std::fprintf(stderr, "usage: helios-abi-doc --print | --check FILE.md | --update FILE.md\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "--print") == 0) {
        for (const auto& [name, text] : sections()) std::printf("%s%s -->\n%s%s\n\n", kBegin, name.c_str(), text.c_str(), kEnd);
        return 0;
    }
    if (argc != 3 || (std::strcmp(argv[1], "--check") != 0 && std::strcmp(argv[1], "--update") != 0)) return usage();
    const char* path = argv[2];
    std::string doc;
    if (!read_file(path, doc)) {
        std::fprintf(stderr, "helios-abi-doc: cannot read %s\n", path);
        return 2;
    }
    std::vector<std::string> stale;
    std::string problem;
    std::string fresh = regenerate(doc, stale, problem);
    if (!problem.empty()) {
        std::fprintf(stderr, "helios-abi-doc: %s: %s\n", path, problem.c_str());
        return 1;
    }
    if (std::strcmp(argv[1], "--update") == 0) {
        if (stale.empty()) return 0;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << fresh;
        if (!out) {
            std::fprintf(stderr, "helios-abi-doc: cannot write %s\n", path);
            return 2;
        }
        for (const auto& name : stale) std::printf("helios-abi-doc: updated section '%s' of %s\n", name.c_str(), path);
        return 0;
    }
    if (stale.empty()) {
        std::printf("helios-abi-doc: %s is current with abi.h (%zu generated sections)\n", path, sections().size());
        return 0;
    }
    for (const auto& name : stale) {
        std::fprintf(stderr, "helios-abi-doc: %s: section '%s' differs from abi.h; expected:\n", path, name.c_str());
        for (const auto& [n, text] : sections())
            if (n == name) std::fprintf(stderr, "%s", text.c_str());
    }
    std::fprintf(stderr, "helios-abi-doc: run scripts/update-abi-doc.sh and review the diff\n");
    return 1;
}
