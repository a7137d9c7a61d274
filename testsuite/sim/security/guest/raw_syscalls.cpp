// sec_raw_syscalls: Linux system calls by number through `syscall` are Helios syscalls of that number.
//
// Each call uses the real Linux x86_64 number and argument registers and
// names a host object (the canary path, /bin/sh, helios-sim's pid): the
// simulator stops every `syscall` with PTRACE_SYSEMU, so the status is
// Helios's (0..15 are Helios syscalls, everything else INVALID_SYSCALL).
// The guest checks each status, then prints "done"; the host checks the
// canary and that helios-sim is still alive. Command line: "CANARY SIMPID".
#include "attack.h"

namespace {

constexpr const char* kProg = "sec_raw_syscalls";

uint64_t linux_syscall(uint64_t nr, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0) {
    return helios::sys::raw(nr, a1, a2, a3, a4).status;
}

char g_path[200];

}  // namespace

int main() {
    attack::canary_path(g_path, sizeof g_path);
    const uint64_t simpid = systest::cmdline_number(1, 0);
    const auto path = reinterpret_cast<uint64_t>(g_path);
    static const char sh[] = "/bin/sh";
    static const char* const argv[] = {sh, nullptr};
    constexpr uint64_t kOCreat = 0100 | 01, kAtFdcwd = static_cast<uint64_t>(-100), kSigKill = 9;
    constexpr uint64_t kPtraceTraceme = 0, kPtraceAttach = 16;

    // open = Helios identify(cap = the path's address): not a slot.
    systest::expect_eq(kProg, "open(canary, O_CREAT)", linux_syscall(2, path, kOCreat, 0644), HELIOS_EINVALID_CADDR);
    systest::expect_eq(kProg, "creat(canary)", linux_syscall(85, path, 0644), HELIOS_EINVALID_SYSCALL);
    systest::expect_eq(kProg, "openat(AT_FDCWD, canary)", linux_syscall(257, kAtFdcwd, path, kOCreat, 0644),
                       HELIOS_EINVALID_SYSCALL);
    systest::expect_eq(kProg, "execve(/bin/sh)",
                       linux_syscall(59, reinterpret_cast<uint64_t>(sh), reinterpret_cast<uint64_t>(argv), 0),
                       HELIOS_EINVALID_SYSCALL);
    systest::expect_eq(kProg, "ptrace(TRACEME)", linux_syscall(101, kPtraceTraceme), HELIOS_EINVALID_SYSCALL);
    systest::expect_eq(kProg, "ptrace(ATTACH, helios-sim)", linux_syscall(101, kPtraceAttach, simpid),
                       HELIOS_EINVALID_SYSCALL);
    systest::expect_eq(kProg, "kill(helios-sim, SIGKILL)", linux_syscall(62, simpid, kSigKill),
                       HELIOS_EINVALID_SYSCALL);
    systest::expect_eq(kProg, "kill(-1, SIGKILL)", linux_syscall(62, static_cast<uint64_t>(-1), kSigKill),
                       HELIOS_EINVALID_SYSCALL);
    // The same numbers with high bits set: a decoder that truncates to 32
    // bits, as Linux's x32 check does, must not turn them into Linux calls.
    systest::expect_eq(kProg, "creat | x32 bit", linux_syscall(0x40000000 | 85, path, 0644), HELIOS_EINVALID_SYSCALL);
    systest::expect_eq(kProg, "creat | bit 32", linux_syscall(0x100000000 | 85, path, 0644), HELIOS_EINVALID_SYSCALL);
    systest::expect_eq(kProg, "exit_group(9)", linux_syscall(231, 9), HELIOS_EINVALID_SYSCALL);
    helios::printf("%s: done, every Linux number had its Helios meaning\n", kProg);
    return 0;
}
