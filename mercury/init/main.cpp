// Mercury init: reads the initramfs, starts every driver in drivers/ and then sbin/usrinit, and supervises them.
#include <helios/clock.h>
#include <helios/console.h>
#include <helios/format.h>
#include <helios/invoke.h>
#include <helios/ipc.h>
#include <helios/rt.h>
#include <helios/syscall.h>

#include "init.h"
#include "lib/elf64.h"
#include "lib/string.h"
#include "lib/tar.h"

namespace mercury {

namespace lib = helios::lib;
using helios::SysResult;

namespace {

Init g_state;
Program* g_programs = nullptr;
uint32_t g_program_count = 0;

constexpr const char* kUserProgram = "sbin/usrinit";

// ---- configuration --------------------------------------------------------

bool parse_u64(const char* s, size_t n, uint64_t* out) {
    if (n == 0 || n > 19) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    *out = v;
    return true;
}

// Reads init.* settings from the kernel command line (see Config).
void configure(const helios_bootinfo& bi, Config& cfg) {
    const char* s = bi.cmdline;
    size_t len = lib::length_bounded(s, sizeof bi.cmdline);
    for (size_t i = 0; i < len;) {
        while (i < len && s[i] == ' ') ++i;
        size_t start = i;
        while (i < len && s[i] != ' ') ++i;
        const char* word = s + start;
        size_t n = i - start;
        size_t eq = 0;
        while (eq < n && word[eq] != '=') ++eq;
        if (eq == n || !lib::starts_with(word, n, "init.")) continue;
        uint64_t v = 0;
        bool ok = parse_u64(word + eq + 1, n - eq - 1, &v);
        if (ok && lib::equal(word, eq, "init.restart_max") && v <= Program::kMaxRestartLog) {
            cfg.restart_max = static_cast<unsigned>(v);
        } else if (ok &&
                   (lib::equal(word, eq, "init.restart_window_ms") ||
                    lib::equal(word, eq, "init.restart_window_mcycles")) &&
                   v < (1ull << 40)) {
            cfg.restart_window_ns = v * helios::kNsPerMs;
        } else {
            char bad[64];
            lib::copy(bad, word, n < sizeof bad ? n : sizeof bad - 1);
            bad[n < sizeof bad ? n : sizeof bad - 1] = '\0';
            helios::printf("[init] ignoring bad setting '%s' (init.restart_max=0..%u, init.restart_window_ms=N)\n",
                           bad, Program::kMaxRestartLog);
        }
    }
}

// ---- programs -------------------------------------------------------------

const char* basename(const char* path) {
    const char* last = path;
    for (const char* p = path; *p; ++p)
        if (*p == '/') last = p + 1;
    return last;
}

// Reads p's manifest (required for drivers); prints why and returns false
// when p cannot be started.
bool prepare(Program& p, bool is_driver) {
    lib::ElfImage elf;
    lib::ElfError e = elf.open(p.elf, p.elf_size);
    if (e != lib::ElfError::none) {
        helios::printf("[init] %s: not a loadable ELF executable: %s; not started\n", p.path, lib::describe(e));
        return false;
    }
    lib::ElfSection sec{};
    const char* text = "";
    size_t len = 0;
    e = elf.find_section(".manifest", &sec);
    if (e == lib::ElfError::none) {
        text = reinterpret_cast<const char*>(sec.data);
        len = sec.data ? sec.size : 0;
    } else if (e != lib::ElfError::section_not_found && e != lib::ElfError::no_section_headers) {
        helios::printf("[init] %s: cannot read its sections: %s; not started\n", p.path, lib::describe(e));
        return false;
    } else if (is_driver) {
        helios::printf("[init] %s: no .manifest section (a driver must declare its capabilities); not started\n",
                       p.path);
        return false;
    }
    p.manifest = new lib::Manifest;
    lib::ManifestError err{};
    if (!lib::parse_manifest(text, len, p.manifest, &err)) {
        if (err.line)
            helios::printf("[init] %s: .manifest line %u: %s; not started\n", p.path, err.line, err.message);
        else
            helios::printf("[init] %s: .manifest: %s; not started\n", p.path, err.message);
        return false;
    }
    lib::copy_string(p.name, sizeof p.name, p.manifest->name[0] ? p.manifest->name : basename(p.path));
    return true;
}

void retire(Program& p);

void start_program(Program& p, bool is_driver) {
    if (!prepare(p, is_driver)) {
        p.stopped_for_good = true;
        return;
    }
    if (load_program(p))
        helios::printf("[init] started %s (%s)%s%s\n", p.name, p.path, p.manifest->desc[0] ? ": " : "",
                       p.manifest->desc);
    else
        retire(p);  // a device it registered before failing must not linger
}

// ---- supervision ----------------------------------------------------------

const char* fault_kind_name(uint64_t kind) {
    const char* text = helios_fault_kind_text(kind);
    return text ? text : "unknown fault";
}

void describe_access(uint64_t kind, uint64_t access, char* out, size_t cap) {
    out[0] = '\0';
    if (kind != HELIOS_FAULT_PAGE) return;
    const char* what = (access & HELIOS_ACCESS_WRITE) ? "write" : (access & HELIOS_ACCESS_EXEC) ? "execute" : "read";
    helios::format(out, cap, " (%s, %s)", what, (access & HELIOS_ACCESS_PRESENT) ? "protection" : "not mapped");
}

// Recent restarts of p within the window ending now.
unsigned restarts_in_window(const Program& p, uint64_t now) {
    unsigned logged = p.restarts < Program::kMaxRestartLog ? p.restarts : Program::kMaxRestartLog;
    unsigned n = 0;
    for (unsigned i = 0; i < logged; ++i) {
        uint64_t t = p.restart_ns[(p.restarts - 1 - i) % Program::kMaxRestartLog];
        if (now - t <= g_state.config.restart_window_ns) ++n;
    }
    return n;
}

// p will not run again: its serial devices go too, so clients blocked on
// them learn (ABORTED) instead of waiting forever.
void retire(Program& p) {
    p.stopped_for_good = true;
    for (unsigned i = 0; i < g_state.serial_count; ++i) {
        SerialDevice& d = g_state.serial[i];
        if (d.owner != &p || d.endpoint == HELIOS_CADDR_UNDEF) continue;
        (void)helios::cspace_destroy(HELIOS_INIT_CAP_CSPACE, d.memory);  // the endpoint goes with it
        d.endpoint = d.memory = HELIOS_CADDR_UNDEF;
        helios::printf("[init] serial device %u (%s) is gone\n", i, p.name);
    }
    for (auto& ep : p.serial_endpoint) ep = HELIOS_CADDR_UNDEF;
}

void handle_fault(const uint64_t* params) {
    uint64_t kind = params[HELIOS_FAULT_P_KIND], addr = params[HELIOS_FAULT_P_ADDR], ip = params[HELIOS_FAULT_P_IP];
    uint64_t cookie = params[HELIOS_FAULT_P_COOKIE];
    uint64_t index = (cookie & 0xFFFF) - 1;
    auto generation = static_cast<uint32_t>(cookie >> 16);
    if (index >= g_program_count || g_programs[index].generation != generation || !g_programs[index].running) {
        helios::printf("[init] fault from a task that is no longer running (cookie 0x%lx); ignored\n", cookie);
        return;
    }
    Program& p = g_programs[index];
    char access[40];
    describe_access(kind, params[HELIOS_FAULT_P_ACCESS], access, sizeof access);
    helios::printf("[init] %s crashed: %s at 0x%lx ip 0x%lx%s\n", p.name, fault_kind_name(kind), addr, ip, access);
    destroy_instance(p);

    uint64_t now = helios::clock_ns();
    unsigned recent = restarts_in_window(p, now);
    const Config& cfg = g_state.config;
    if (recent >= cfg.restart_max) {
        helios::printf(
            "[init] %s: crashed again after %u restart%s within the restart window (limit %u); "
            "giving up: %s stays stopped\n",
            p.name, recent, recent == 1 ? "" : "s", cfg.restart_max, p.name);
        retire(p);
        return;
    }
    p.restart_ns[p.restarts % Program::kMaxRestartLog] = now;
    ++p.restarts;
    helios::printf("[init] %s: restarting (restart %u of at most %u within the window)\n", p.name, recent + 1,
                   cfg.restart_max);
    if (!load_program(p)) {
        helios::printf("[init] %s: restart failed; it stays stopped\n", p.name);
        retire(p);
    }
}

[[noreturn]] void supervise() {
    unsigned errors = 0;
    for (;;) {
        SysResult r = helios::sys::recv(g_state.fault_endpoint);
        if (!r.ok()) {
            if (++errors == 16) helios::printf("[init] receiving faults fails: %s\n", error_name(r.status));
            helios::sys::yield();
            continue;
        }
        errors = 0;
        if (HELIOS_TAG_LABEL(r.value) == HELIOS_LABEL_FAULT && HELIOS_TAG_NPARAMS(r.value) >= HELIOS_FAULT_NPARAMS)
            handle_fault(helios::ipcbuf()->params);
    }
}

}  // namespace

Init& state() {
    return g_state;
}

int run() {
    helios::print("[init] Hello from Mercury!\n");
    const helios_bootinfo* bi = helios::rt::bootinfo();
    if (!bi) {
        helios::print("[init] no bootinfo: not started by the kernel as init\n");
        return 1;
    }
    configure(*bi, g_state.config);

    SysResult ep = helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_ENDPOINT);
    if (!ep.ok()) {
        helios::printf("[init] cannot make the fault endpoint: %s\n", error_name(ep.status));
        return 1;
    }
    g_state.fault_endpoint = static_cast<helios_caddr_t>(ep.value);

    if (bi->module_count == 0 || bi->modules[0].vaddr == 0) {
        helios::print("[init] no initramfs (boot module 0); nothing to start\n");
        supervise();
    }
    const helios_module& mod = bi->modules[0];
    lib::TarReader tar(reinterpret_cast<const uint8_t*>(mod.vaddr), mod.length);

    // Two passes over the archive: count, then fill the program table. The
    // user program comes last, once every driver has registered its devices.
    uint32_t count = 0;
    lib::TarEntry entry{};
    lib::TarError terr;
    bool have_user = false;
    while ((terr = tar.next(&entry)) == lib::TarError::none) {
        if (entry.type != lib::TarType::regular) continue;
        char path[64];
        size_t n = entry.copy_path(path, sizeof path);
        if (n < sizeof path && lib::starts_with(path, n, "drivers/"))
            ++count;
        else if (entry.path_equals(kUserProgram))
            have_user = true;
    }
    if (terr != lib::TarError::end)
        helios::printf("[init] initramfs: %s (programs after that point are not started)\n", lib::describe(terr));
    g_programs = new Program[count + 1]();
    tar.reset();
    while (g_program_count < count && tar.next(&entry) == lib::TarError::none) {
        if (entry.type != lib::TarType::regular) continue;
        char path[64];
        size_t n = entry.copy_path(path, sizeof path);
        if (n >= sizeof path || !lib::starts_with(path, n, "drivers/")) continue;
        Program& p = g_programs[g_program_count];
        lib::copy_string(p.path, sizeof p.path, path);
        p.elf = entry.data;
        p.elf_size = entry.size;
        p.index = g_program_count++;
        for (auto& e : p.serial_endpoint) e = HELIOS_CADDR_UNDEF;
        start_program(p, true);
    }
    if (have_user && tar.find(kUserProgram, &entry) == lib::TarError::none) {
        Program& p = g_programs[g_program_count];
        lib::copy_string(p.path, sizeof p.path, kUserProgram);
        p.elf = entry.data;
        p.elf_size = entry.size;
        p.index = g_program_count++;
        for (auto& e : p.serial_endpoint) e = HELIOS_CADDR_UNDEF;
        start_program(p, false);
    } else {
        helios::printf("[init] no %s in the initramfs; supervising the drivers only\n", kUserProgram);
    }
    supervise();
}

}  // namespace mercury

int main() {
    return mercury::run();
}
