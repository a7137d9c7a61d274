// The virtual CPU's cpuid model and the probes of what this host can trap (rdtsc, cpuid, debug registers).
#include "sim/ptrace/virtual_cpu.h"

#include "sim/ptrace/guest_regs.h"
#include "sim/ptrace/husk_process.h"
#include "sim/ptrace/physical_memory.h"

#include <asm/prctl.h>
#include <cpuid.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace helios::sim {
namespace {

constexpr uint32_t kMaxBasicLeaf = 1;
constexpr uint32_t kMaxExtendedLeaf = 0x80000001;

uint32_t chars(const char* s) {
    uint32_t v = 0;
    std::memcpy(&v, s, 4);
    return v;
}

// Runs fn in a short-lived child and returns its wait status (or -1). The
// child first restores the default SIGSEGV action with the raw system call:
// a test framework's or a sanitizer's handler must not catch the probe's fault.
template <typename Fn>
int in_child(Fn fn) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        struct {
            void* handler = nullptr;  // SIG_DFL
            unsigned long flags = 0, restorer = 0, mask = 0;
        } dfl;
        if (syscall(SYS_rt_sigaction, SIGSEGV, &dfl, nullptr, sizeof dfl.mask) != 0) _exit(125);
        fn();
        _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return status;
}

bool probe_rdtsc_traps() {
    const int status = in_child([] {
        if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV) != 0) _exit(1);
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        (void)lo, (void)hi;
    });
    return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

bool probe_cpuid_traps() {
    // Only the child's cpuid is affected, and it exits at once.
    const int status = in_child([] { _exit(syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) == 0 ? 0 : 1); });
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool probe_ia32_segment() {
    // A far return into selector 0x23 (__USER32_CS) faults where the kernel
    // runs without ia32 emulation; elsewhere the child is in compat mode and
    // ends itself with a 32-bit int $0x80 exit(0).
    const int status = in_child([] {
        static const unsigned char code32[] = {0x31, 0xDB, 0xB8, 0x01, 0x00, 0x00, 0x00, 0xCD, 0x80};  // exit(0)
        void* page = reinterpret_cast<void*>(syscall(SYS_mmap, 0x10000000, 4096, 7, 0x32 /* PRIVATE|FIXED|ANON */, -1, 0));
        if (page != reinterpret_cast<void*>(0x10000000)) _exit(2);
        std::memcpy(page, code32, sizeof code32);
        __asm__ volatile("push $0x23\n\tpush %0\n\t.byte 0x48, 0xcb" ::"r"(0x10000000ull) : "memory");
        _exit(3);
    });
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

CpuidLeaf virtual_cpuid(uint32_t leaf, uint32_t subleaf) {
    (void)subleaf;  // no leaf of the model has subleaves
    CpuidLeaf r;
    switch (leaf) {
        case 0:
            r.eax = kMaxBasicLeaf;
            r.ebx = chars("Heli"), r.edx = chars("osSi"), r.ecx = chars("mCPU");
            break;
        case 1:
            r.eax = 0x000006F1;  // family 6, model 15, stepping 1: an old, plain x86-64 part
            r.ebx = 0x00010000;  // one logical processor, APIC id 0
            r.ecx = 0;           // no SSE3+, no RDRAND (bit 30), no OSXSAVE (bit 27), no hypervisor (bit 31)
            r.edx = (1u << 0) | (1u << 4) | (1u << 8) | (1u << 15) | (1u << 23) | (1u << 24) | (1u << 25) |
                    (1u << 26);  // FPU TSC CX8 CMOV MMX FXSR SSE SSE2
            break;
        case 0x80000000: r.eax = kMaxExtendedLeaf; break;
        case 0x80000001: r.edx = (1u << 11) | (1u << 20) | (1u << 29); break;  // SYSCALL NX LM
        default: break;
    }
    return r;
}

std::string HostTraps::describe() const {
    auto trapped = [](bool t) { return t ? "trapped" : "native"; };
    auto host = [](bool present) { return present ? "host" : "absent"; };
    return fmt::format("rdtsc={} cpuid={} umip={} ia32={} rdrand={} rdseed={} rdpid={} xgetbv={}", trapped(rdtsc),
                       trapped(cpuid), umip ? "yes" : "no", ia32 ? "yes" : "no", host(rdrand), host(rdseed),
                       host(rdpid), host(xsave));
}

const HostTraps& host_traps() {
    static const HostTraps traps = [] {
        HostTraps t;
        t.rdtsc = probe_rdtsc_traps();
        t.cpuid = probe_cpuid_traps();
        t.ia32 = probe_ia32_segment();
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (__get_cpuid(1, &a, &b, &c, &d)) {
            t.rdrand = (c >> 30) & 1;
            t.xsave = (c >> 27) & 1;
        }
        if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
            t.rdseed = (b >> 18) & 1;
            t.umip = (c >> 2) & 1;
            t.rdpid = (c >> 22) & 1;
        }
        return t;
    }();
    return traps;
}

bool host_debug_registers_trap() {
    // DR0 watches writes to DATA and the code writes it, then hits int3: a
    // debug trap first means the CPU honours the debug registers.
    constexpr uint64_t kPage = 4096, kCode = 0x10000000, kData = kCode + kPage;
    auto phys = PhysicalMemory::create(2 * kPage);
    if (!phys) return false;
    const uint8_t code[] = {0xC7, 0x04, 0x25, 0x00, 0x10, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0xCC};
    std::memcpy((*phys)->base(), code, sizeof code);
    auto husk = HuskProcess::spawn(**phys);
    if (!husk) return false;
    HuskProcess& h = **husk;
    if (!h.map(kCode, 0, kPage, PROT_READ | PROT_EXEC) || !h.map(kData, kPage, kPage, PROT_READ | PROT_WRITE))
        return false;
    auto tid = h.create_thread();  // flushes the mappings too
    if (!tid) return false;
    const uint64_t addr[4] = {kData, 0, 0, 0};
    if (!h.set_debug_registers(*tid, addr, 1 | (1ull << 16) | (3ull << 18))) return false;
    user_regs_struct regs = initial_guest_regs(kCode, kData + kPage - 64);
    auto ev = h.run(*tid, regs);
    return ev && ev->kind == StopKind::Signal && ev->signo == SIGTRAP && ev->si_code == TRAP_HWBKPT;
}

}  // namespace helios::sim
