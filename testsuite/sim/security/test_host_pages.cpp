// The guest touches host pages: the vsyscall page, the husk's vDSO, vvar and stack, the husk's own code and mailbox.
#include <elf.h>
#include <signal.h>
#include <sys/auxv.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>

#include "attack_run.h"
#include "proc_probe.h"

using namespace sectest;

namespace {

// Where the kernel's own pages ([vdso], [vvar], [vvar_vclock], [stack]) are
// in a process; empty names when it has none.
struct KernelPages {
    Mapping vdso, vvar, stack;
};

KernelPages kernel_pages(const std::vector<Mapping>& maps) {
    KernelPages k;
    for (const Mapping& m : maps) {
        if (m.name == "[vdso]") k.vdso = m;
        if (m.name == "[vvar]" || (m.name == "[vvar_vclock]" && k.vvar.name.empty())) k.vvar = m;
        if (m.name == "[stack]") k.stack = m;
    }
    return k;
}

// The husk layout under `setarch -R`: a spinning guest's husk, read from /proc.
KernelPages husk_layout_without_aslr() {
    std::vector<std::string> args = {"x86_64", "-R",    systest::sim_path(), "run", "--image", SEC_IMG_SPIN,
                                     "--com1", "stdio", "--timeout",         "20"};
    systest::Child sim("/usr/bin/setarch", args);
    KernelPages k;
    if (sim.wait_for_stdout("sys_spin: spinning\n", 10)) {
        for (const systest::ProcId& husk : systest::children_of(sim.pid())) {
            k = kernel_pages(maps_of(husk.pid));
            std::printf("[husk layout] pid %d: vdso %lx vvar %lx stack %lx\n", husk.pid,
                        static_cast<unsigned long>(k.vdso.start), static_cast<unsigned long>(k.vvar.start),
                        static_cast<unsigned long>(k.stack.start));
            break;
        }
    }
    sim.signal(SIGKILL);
    (void)sim.wait(5);
    return k;
}

// Where the same pages are in an ordinary process without ASLR: a stand-in
// for a husk that no longer maps them (the addresses where they were).
KernelPages plain_layout_without_aslr() {
    systest::Child cat("/usr/bin/setarch", {"x86_64", "-R", "/bin/cat", "/proc/self/maps"});
    systest::RunResult r = cat.wait(5);
    std::vector<Mapping> maps;
    std::istringstream in(r.out);
    // maps_of() reads /proc; parse the same format from cat's output here.
    for (std::string line; std::getline(in, line);) {
        Mapping m;
        unsigned long s = 0, e = 0;
        char name[256] = "";
        if (std::sscanf(line.c_str(), "%lx-%lx %*s %*s %*s %*s %255s", &s, &e, name) < 2) continue;
        m.start = s;
        m.end = e;
        m.name = name;
        maps.push_back(m);
    }
    return kernel_pages(maps);
}

// The offset of the vDSO function `name` in the vDSO image (the same kernel
// image in every process), from this process's own vDSO; 0 if not found.
uint64_t vdso_offset(const char* name) {
    auto base = reinterpret_cast<const uint8_t*>(getauxval(AT_SYSINFO_EHDR));
    if (!base) return 0;
    auto eh = reinterpret_cast<const Elf64_Ehdr*>(base);
    auto sh = reinterpret_cast<const Elf64_Shdr*>(base + eh->e_shoff);
    uint64_t load = 0;
    auto ph = reinterpret_cast<const Elf64_Phdr*>(base + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; ++i)
        if (ph[i].p_type == PT_LOAD) {
            load = ph[i].p_vaddr;
            break;
        }
    for (int i = 0; i < eh->e_shnum; ++i) {
        if (sh[i].sh_type != SHT_DYNSYM) continue;
        auto syms = reinterpret_cast<const Elf64_Sym*>(base + sh[i].sh_offset);
        auto strs = reinterpret_cast<const char*>(base + sh[sh[i].sh_link].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); ++k)
            if (std::strcmp(strs + syms[k].st_name, name) == 0) return syms[k].st_value - load;
    }
    return 0;
}

std::string hex(uint64_t v) {
    char b[32];
    std::snprintf(b, sizeof b, "%lx", static_cast<unsigned long>(v));
    return b;
}

}  // namespace

TEST_CASE("host pages: the vsyscall page and the husk's vDSO/vvar/stack/code/scratch/mailbox", "[security][pages]") {
    KernelPages k = husk_layout_without_aslr();
    const bool from_husk = !k.vdso.name.empty() || !k.vvar.name.empty() || !k.stack.name.empty();
    if (!from_husk) {
        // A sealed husk maps none of them: probe where they sit in a plain process.
        k = plain_layout_without_aslr();
        std::printf("[husk layout] the husk maps no vDSO, vvar or stack; probing a plain process's addresses\n");
    }
    std::string probes;
    if (k.vvar.start) probes += " r:" + hex(k.vvar.start);
    if (k.vdso.start) {
        probes += " r:" + hex(k.vdso.start);
        if (uint64_t t = vdso_offset("__vdso_time")) probes += " x:" + hex(k.vdso.start + t);
    }
    if (k.stack.end) probes += " r:" + hex(k.stack.end - 8) + " w:" + hex(k.stack.end - 16);

    Canary canary;
    Launch launch{SEC_IMG_HOST_PAGES, {"--com1", "stdio", "--timeout", "20", "--cmdline", canary.path() + probes}, 40};
    launch.no_aslr = true;  // the same husk layout as the run above
    WatchedRun run = run_attack(launch, canary);
    INFO(run.result.describe());
    std::printf("[sec_host_pages] probes:%s; exit %d\n", probes.c_str(), run.result.exit_code);
    for (const std::string& l : lines_with(run.result.out, " -> ")) std::printf("  %s\n", l.c_str());
    CHECK(contains(run.result.out, "sec_host_pages: done"));
    CHECK(!contains(run.result.out, "FAIL"));
    // Host time, the host CPU and the husk's own code are out of reach. The
    // scratch page and mailbox may be writable, but writing them changes
    // nothing: the run went on to "done" with fresh mappings working.
    for (const char* what :
         {"call vsyscall gettimeofday", "call vsyscall time", "call vsyscall getcpu", "write husk code"}) {
        INFO(what);
        CHECK(contains(run.result.out, std::string("sec_host_pages: ") + what + " -> fault"));
    }
    // Every probe of the vDSO, vvar and stack addresses faults.
    for (const std::string& l : lines_with(run.result.out, " -> ")) {
        if (!contains(l, "sec_host_pages: read ") && !contains(l, "sec_host_pages: write ") &&
            !contains(l, "sec_host_pages: call "))
            continue;
        if (contains(l, " husk ")) continue;  // checked above
        INFO(l);
        CHECK(contains(l, "-> fault"));
    }
}
