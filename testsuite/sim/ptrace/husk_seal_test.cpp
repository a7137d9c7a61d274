// Tests of the sealed husk: least privilege, the seccomp wall, and threads retired without running guest code.
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "guest_code.h"
#include "sim/ptrace/husk_filter.h"
#include "sim/ptrace/virtual_cpu.h"

using namespace helios::sim;
using namespace helios::sim::test;

namespace {

std::string status_field(pid_t pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key + ":", 0) == 0) {
            std::string v = line.substr(key.size() + 1);
            v.erase(0, v.find_first_not_of(" \t"));
            return v;
        }
    }
    return "";
}

// A private directory for a canary file that no guest may ever create.
struct CanaryDir {
    std::string dir;
    std::string canary;
    CanaryDir() {
        char tmpl[] = "/tmp/helios-canary-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        canary = dir + "/canary";
    }
    ~CanaryDir() { std::filesystem::remove_all(dir); }
    bool exists() const { return access(canary.c_str(), F_OK) == 0; }
};

void put32(std::vector<uint8_t>& v, uint32_t x) {
    for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}

// 32-bit code: creat(path, 0644) then exit(0), both as i386 Linux calls.
std::vector<uint8_t> compat_attack(uint32_t path_addr) {
    std::vector<uint8_t> c;
    c.push_back(0xB8), put32(c, 8);         // mov eax, 8 (creat)
    c.push_back(0xBB), put32(c, path_addr);  // mov ebx, path
    c.push_back(0xB9), put32(c, 0644);       // mov ecx, 0644
    c.push_back(0xCD), c.push_back(0x80);    // int $0x80
    c.push_back(0xB8), put32(c, 1);          // mov eax, 1 (exit)
    c.push_back(0x31), c.push_back(0xDB);    // xor ebx, ebx
    c.push_back(0xCD), c.push_back(0x80);    // int $0x80
    return c;
}

}  // namespace

TEST_CASE("a spawned husk is sealed: no privileges, a seccomp filter, one fd, no vDSO or stack", "[husk][seal]") {
    GuestFixture g(SNIPPET(guest_nops));
    const pid_t pid = g.husk->pid();
    CHECK(status_field(pid, "Seccomp") == "2");
    CHECK(status_field(pid, "NoNewPrivs") == "1");
    CHECK(status_field(pid, "CapEff") == "0000000000000000");
    CHECK(status_field(pid, "CapPrm") == "0000000000000000");
    CHECK(status_field(pid, "CapAmb") == "0000000000000000");
    // Only root (CAP_SETPCAP) can empty the bounding set; others have no
    // capabilities to gain from it and no-new-privs forbids gaining any.
    if (geteuid() == 0) CHECK(status_field(pid, "CapBnd") == "0000000000000000");

    std::vector<std::string> fds;
    for (auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
        fds.push_back(e.path().filename().string());
    CHECK(fds == std::vector<std::string>{std::to_string(HUSK_PHYS_FD)});

    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    while (std::getline(maps, line)) {
        INFO(line);
        CHECK(line.find("[vdso]") == std::string::npos);
        CHECK(line.find("[vvar") == std::string::npos);
        CHECK(line.find("[stack]") == std::string::npos);
    }
}

TEST_CASE("a thread retired in 32-bit compatibility mode runs none of the guest's code", "[husk][seal]") {
    CanaryDir canary;
    GuestFixture g(SNIPPET(guest_compat));
    // The attack of the containment issue: 32-bit code at 0xD0000000, and a
    // copy at 0xD0000040, where the husk's thread-exit gadget's address
    // (0x7FFFD0000040) lands once truncated to 32 bits.
    constexpr uint64_t kCompatPage = 0xD0000000, kFrame = kFreeFrames;
    const auto code = compat_attack(static_cast<uint32_t>(kCompatPage + 0x100));
    std::memcpy(g.phys->base() + kFrame, code.data(), code.size());
    std::memcpy(g.phys->base() + kFrame + 0x40, code.data(), code.size());
    std::memcpy(g.phys->base() + kFrame + 0x100, canary.canary.c_str(), canary.canary.size() + 1);
    REQUIRE(g.husk->map(kCompatPage, kFrame, kPage, PROT_READ | PROT_EXEC).ok());
    REQUIRE(g.husk->flush().ok());

    user_regs_struct regs;
    const pid_t tid = g.new_thread(regs);
    regs.rdi = kCompatPage;
    StopEvent ev = g.run(tid, regs);
    // The compat int $0x80 stopped at the system-call entry (or, on hosts
    // whose kernel refuses int $0x80 outright, faulted); Linux ran nothing.
    INFO("stop " << stop_kind_name(ev.kind) << " signal " << ev.signo);
    REQUIRE((ev.kind == StopKind::Syscall || (ev.kind == StopKind::Signal && ev.signo == SIGSEGV)));
    if (regs.cs == kUserCs) {
        // Kernels booted without ia32 emulation have no present 32-bit user
        // code segment: the far return itself faults and compat mode cannot
        // be entered on this host. The retirement below still must be clean.
        CHECK(regs.rip == kCodeVaddr + 3);  // at the retf, after the two pushes
        WARN("this host has no 32-bit user code segment (ia32 emulation off): compat mode cannot be entered here");
    } else {
        CHECK(regs.cs == 0x23);
        if (ev.kind == StopKind::Syscall) CHECK(ev.syscall_nr == 8);
    }
    CHECK_FALSE(canary.exists());

    Status st = g.husk->kill_thread(tid);
    INFO(st.message());
    CHECK(st.ok());
    CHECK_FALSE(canary.exists());
    CHECK(g.husk->threads().empty());
}

TEST_CASE("a call into the vsyscall page is a fault, never an answer from the host", "[husk][seal]") {
    GuestFixture g(SNIPPET(guest_vsyscall));
    for (uint64_t entry : {0xFFFFFFFFFF600000ull, 0xFFFFFFFFFF600400ull, 0xFFFFFFFFFF600800ull}) {
        user_regs_struct regs;
        const pid_t tid = g.new_thread(regs);
        regs.rdi = entry;
        StopEvent ev = g.run(tid, regs);
        INFO("entry " << std::hex << entry << " stop " << static_cast<int>(ev.kind) << " signal " << ev.signo);
        // SIGSYS where Linux emulates vsyscalls (the filter traps the call),
        // SIGSEGV where they are disabled; never a return to the guest.
        REQUIRE(ev.kind == StopKind::Signal);
        CHECK((ev.signo == SIGSYS || ev.signo == SIGSEGV));
        CHECK(regs.rip != kCodeVaddr + (guest_vsyscall_end - guest_vsyscall_begin));
        CHECK(g.husk->kill_thread(tid).ok());
    }
}

TEST_CASE("int $0x80 in 64-bit mode stops before Linux runs it", "[husk][seal]") {
    GuestFixture g(SNIPPET(guest_int80));
    user_regs_struct regs;
    const pid_t tid = g.new_thread(regs);
    StopEvent ev = g.run(tid, regs);
    CHECK(regs.cs == kUserCs);
    INFO("stop " << stop_kind_name(ev.kind) << " signal " << ev.signo);
    if (ev.kind == StopKind::Syscall) {
        // Where Linux has its i386 entry: a SYSEMU stop like `syscall`. The
        // bytes before rip tell them apart (what the machine checks).
        CHECK(ev.syscall_nr == 20);
        uint8_t before[2] = {};
        REQUIRE(g.husk->read_memory(regs.rip - 2, before, 2));
        CHECK(before[0] == 0xCD);
        CHECK(before[1] == 0x80);
    } else {
        // Where the host kernel refuses int $0x80 altogether: #GP.
        CHECK(ev.kind == StopKind::Signal);
        CHECK(ev.signo == SIGSEGV);
        CHECK(regs.rip == kCodeVaddr + 5);  // at the int $0x80, after mov eax, 20
    }
}

TEST_CASE("the husk filter traps calls from outside the husk's code page", "[husk][seal][filter]") {
    const auto& filter = husk_filter();
    INFO(filter.message());
    REQUIRE(filter.ok());
    // A child installs the filter and makes an allowed-looking call from its
    // own code (outside the husk page): SIGSYS, the call never runs.
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        sock_fprog prog{static_cast<unsigned short>(filter->size()), const_cast<sock_filter*>(filter->data())};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(2);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) _exit(3);
        syscall(SYS_exit, 0);  // exit(0) is allowed only from the husk's page
        _exit(4);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("status " << status);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGSYS);
}

TEST_CASE("the virtual CPU's cpuid model is fixed and hides host-reading instructions", "[husk][cpu]") {
    const CpuidLeaf l0 = virtual_cpuid(0, 0);
    char vendor[13] = {};
    std::memcpy(vendor, &l0.ebx, 4);
    std::memcpy(vendor + 4, &l0.edx, 4);
    std::memcpy(vendor + 8, &l0.ecx, 4);
    CHECK(std::string(vendor) == "HeliosSimCPU");
    const CpuidLeaf l1 = virtual_cpuid(1, 0);
    CHECK((l1.ecx & (1u << 30)) == 0);  // no RDRAND
    CHECK((l1.ecx & (1u << 27)) == 0);  // no OSXSAVE (xgetbv)
    CHECK((l1.ecx & (1u << 31)) == 0);  // no hypervisor bit
    CHECK((l1.edx & (1u << 26)) != 0);  // SSE2: the x86-64 baseline
    CHECK(virtual_cpuid(7, 0).ebx == 0);  // past the maximum leaf: no RDSEED, no extended features
    CHECK((virtual_cpuid(0x80000001, 0).edx & (1u << 29)) != 0);  // long mode
    CHECK(virtual_cpuid(0x40000000, 0).eax == 0);  // no hypervisor leaves
}

TEST_CASE("a husk faults cpuid where the host can, and the probe agrees", "[husk][cpu]") {
    GuestFixture g(SNIPPET(guest_cpuid));
    const HostTraps& traps = host_traps();
    INFO(traps.describe());
    CHECK(g.husk->cpuid_faults() == traps.cpuid);
    user_regs_struct regs;
    const pid_t tid = g.new_thread(regs);
    StopEvent ev = g.run(tid, regs);
    if (traps.cpuid) {
        // The machine answers it from virtual_cpuid (emulate_cpuid).
        CHECK(ev.kind == StopKind::Signal);
        CHECK(ev.signo == SIGSEGV);
        CHECK(regs.rip == kCodeVaddr + 2);  // at the cpuid, after xor eax, eax
    } else {
        WARN("this host cannot fault cpuid: guests read the host's cpuid (" << traps.describe() << ")");
        CHECK(ev.kind == StopKind::Syscall);
    }
}

TEST_CASE("registers Linux refuses become a general-protection stop, not an error", "[husk][seal]") {
    // A guest with FSGSBASE can put a kernel address in fs_base itself; the
    // next write-back of its register file must fault it, not fail the run.
    GuestFixture g(SNIPPET(guest_nops));
    user_regs_struct regs;
    const pid_t tid = g.new_thread(regs);
    regs.fs_base = 0xFFFF888000000000ull;
    auto ev = g.husk->run(tid, regs);
    INFO(ev.message());
    REQUIRE(ev.ok());
    CHECK(ev->kind == StopKind::Signal);
    CHECK(ev->signo == SIGSEGV);
    CHECK(ev->si_code == SI_KERNEL);
    CHECK(regs.fs_base != 0xFFFF888000000000ull);
    // With sane registers the thread runs on.
    regs = initial_guest_regs(kCodeVaddr, kStackVaddr + kPage);
    StopEvent next = g.run(tid, regs);
    CHECK(next.kind == StopKind::Syscall);
}
