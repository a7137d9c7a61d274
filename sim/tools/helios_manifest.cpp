// helios-manifest: prints and validates the Mercury manifest (.manifest section) of Helios user programs.
//
//   helios-manifest [--raw] [--quiet] FILE.elf...
//
// Reads each file with libelf, finds its .manifest section, parses it with
// the parser init uses (mercury/manifest/manifest_parser.cpp) and prints what init
// would grant. Also checks that init's loader (kernel_core/lib/elf64.cpp)
// accepts the ELF. Exit status: 0 when every file is valid, 1 when one is
// not (its problems are printed as FILE: .manifest line N: PROBLEM), 2 on
// usage errors or unreadable files.
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "lib/elf64.h"
#include "manifest_parser.h"

namespace {

namespace lib = helios::lib;

constexpr int kInvalid = 1;
constexpr int kUsage = 2;

struct Options {
    bool raw = false;
    bool quiet = false;
    std::vector<std::string> files;
};

void usage(FILE* out) {
    std::fprintf(out,
                 "usage: helios-manifest [--raw] [--quiet] FILE.elf...\n"
                 "Prints and validates the Mercury manifest (.manifest section) of Helios programs.\n"
                 "  --raw    also print the manifest text as stored\n"
                 "  --quiet  print only problems\n"
                 "Exit status: 0 all valid, 1 a manifest or ELF is invalid, 2 usage or I/O error.\n");
}

// The file's bytes (for init's own ELF reader) and its .manifest text.
struct Loaded {
    std::vector<uint8_t> bytes;
    bool has_manifest = false;
    std::string manifest;
};

// Reads path; on failure prints why and returns the exit status to use.
int load(const std::string& path, Loaded& out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        std::fprintf(stderr, "%s: cannot open: %s\n", path.c_str(), std::strerror(errno));
        return kUsage;
    }
    int status = 0;
    Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
    size_t shstrndx = 0;
    if (!elf || elf_kind(elf) != ELF_K_ELF) {
        std::fprintf(stderr, "%s: not an ELF file%s%s\n", path.c_str(), elf ? "" : ": ", elf ? "" : elf_errmsg(-1));
        status = kInvalid;
    } else if (elf_getshdrstrndx(elf, &shstrndx) != 0) {
        std::fprintf(stderr, "%s: cannot read the section name table: %s\n", path.c_str(), elf_errmsg(-1));
        status = kInvalid;
    } else {
        for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh)) continue;
            const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
            if (!name || std::strcmp(name, ".manifest") != 0) continue;
            out.has_manifest = true;
            if (Elf_Data* d = elf_getdata(scn, nullptr); d && d->d_buf && sh.sh_type != SHT_NOBITS) {
                const char* text = static_cast<const char*>(d->d_buf);
                out.manifest.assign(text, strnlen(text, d->d_size));
            }
            break;
        }
    }
    if (elf) elf_end(elf);
    if (status == 0) {
        // The whole file, for the loader's checks.
        off_t size = ::lseek(fd, 0, SEEK_END);
        out.bytes.resize(size > 0 ? static_cast<size_t>(size) : 0);
        if (size < 0 || ::pread(fd, out.bytes.data(), out.bytes.size(), 0) != size) {
            std::fprintf(stderr, "%s: cannot read: %s\n", path.c_str(), std::strerror(errno));
            status = kUsage;
        }
    }
    ::close(fd);
    return status;
}

void print_manifest(const lib::Manifest& m) {
    std::printf("[driver]\n");
    std::printf("  name   %s\n", m.name[0] ? m.name : "(not given: init uses the file name)");
    if (m.desc[0]) std::printf("  desc   %s\n", m.desc);
    std::printf("[cspace]\n  radix  %u (%llu slots)%s\n", m.radix, 1ull << m.radix,
                m.radix_line ? "" : ", the default");
    std::printf("[capabilities]%s\n", m.cap_count ? "" : "\n  (none)");
    for (size_t i = 0; i < m.cap_count; ++i) {
        const lib::ManifestCap& c = m.caps[i];
        char slot[16];
        if (c.any_slot)
            std::snprintf(slot, sizeof slot, "any");
        else
            std::snprintf(slot, sizeof slot, "%u", c.slot);
        std::printf("  slot %-4s %-9s ", slot, lib::manifest_cap_type_name(c.type));
        switch (c.type) {
            case lib::ManifestCapType::endpoint: std::printf("a fresh endpoint"); break;
            case lib::ManifestCapType::note: std::printf("a fresh notification"); break;
            case lib::ManifestCapType::serial:
                std::printf("an endpoint registered with init as a serial device (receive right)");
                break;
            case lib::ManifestCapType::ioport:
                std::printf("I/O ports 0x%X-0x%X (%u ports)", c.io_min, c.io_max, c.io_max - c.io_min + 1u);
                break;
            case lib::ManifestCapType::irq:
                std::printf("IRQ %u, signalling the notification at slot %u", c.irq, c.note);
                break;
            case lib::ManifestCapType::cspace: std::printf("its own cspace"); break;
            case lib::ManifestCapType::vspace: std::printf("its own vspace"); break;
            case lib::ManifestCapType::memory:
                std::printf("a memory of %llu pages (%llu KiB)", static_cast<unsigned long long>(c.pages),
                            static_cast<unsigned long long>(c.pages * 4));
                break;
        }
        std::printf("%s   (line %u)\n", c.any_slot ? ", slot reported in the aux vector" : "", c.line);
    }
    std::printf("[services]%s\n", m.service_count ? "" : "\n  (none)");
    for (size_t i = 0; i < m.service_count; ++i)
        std::printf("  %-10s an endpoint to the service, reported in the aux vector   (line %u)\n", m.services[i].name,
                    m.services[i].line);
}

int check(const std::string& path, const Options& opt) {
    Loaded file;
    if (int st = load(path, file)) return st;
    int status = 0;
    lib::ElfImage image;
    lib::ElfError e = image.open(file.bytes.data(), file.bytes.size());
    if (e != lib::ElfError::none) {
        std::fprintf(stderr, "%s: init's loader would refuse this ELF: %s\n", path.c_str(), lib::describe(e));
        status = kInvalid;
    }
    if (!file.has_manifest) {
        std::fprintf(stderr,
                     "%s: no .manifest section (a driver declares its capabilities there; see HELIOS_MANIFEST)\n",
                     path.c_str());
        return kInvalid;
    }
    if (opt.raw && !opt.quiet) {
        std::printf("%s: .manifest text:\n", path.c_str());
        unsigned line = 0;
        size_t pos = 0;
        while (pos < file.manifest.size()) {
            size_t end = file.manifest.find('\n', pos);
            if (end == std::string::npos) end = file.manifest.size();
            std::printf("%4u | %s\n", ++line, file.manifest.substr(pos, end - pos).c_str());
            pos = end + 1;
        }
    }
    lib::Manifest m;
    lib::ManifestError err;
    if (!lib::parse_manifest(file.manifest.data(), file.manifest.size(), &m, &err)) {
        if (err.line)
            std::fprintf(stderr, "%s: .manifest line %u: %s\n", path.c_str(), err.line, err.message);
        else
            std::fprintf(stderr, "%s: .manifest: %s\n", path.c_str(), err.message);
        return kInvalid;
    }
    if (!opt.quiet) {
        std::printf("%s: manifest is valid\n", path.c_str());
        print_manifest(m);
    }
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--raw")
            opt.raw = true;
        else if (a == "--quiet" || a == "-q")
            opt.quiet = true;
        else if (a == "--help" || a == "-h") {
            usage(stdout);
            return 0;
        } else if (a.size() > 1 && a[0] == '-') {
            std::fprintf(stderr, "helios-manifest: unknown option '%s'\n", a.c_str());
            usage(stderr);
            return kUsage;
        } else {
            opt.files.push_back(a);
        }
    }
    if (opt.files.empty()) {
        usage(stderr);
        return kUsage;
    }
    if (elf_version(EV_CURRENT) == EV_NONE) {
        std::fprintf(stderr, "helios-manifest: libelf is too old: %s\n", elf_errmsg(-1));
        return kUsage;
    }
    int worst = 0;
    for (const std::string& f : opt.files) {
        int st = check(f, opt);
        if (st > worst) worst = st;
    }
    return worst;
}
