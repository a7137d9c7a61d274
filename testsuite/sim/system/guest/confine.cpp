// sys_confine: Linux system calls issued by a guest have no Linux effect.
//
// Each call below uses the real Linux x86_64 number and argument registers.
// The simulator catches every `syscall` with PTRACE_SYSEMU, so Linux never
// runs it: the number means the Helios syscall of that number (1 = yield,
// 2 = identify, 9 = signal, 10 = wait) or INVALID_SYSCALL. Command line:
// "PATH SIMPID": a file the host checks is never created, and helios-sim's
// own pid, which a real kill() would end.
#include "common.h"

namespace {

constexpr const char* kProg = "sys_confine";

struct Raw {
    uint64_t rax, rdx;
};

// A raw `syscall` with Linux's register convention (rdi, rsi, rdx, r10, r8, r9).
Raw linux_syscall(uint64_t nr, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0,
                  uint64_t a6 = 0) {
    uint64_t rax = nr, rdx = a3;
    register uint64_t r10 asm("r10") = a4;
    register uint64_t r8 asm("r8") = a5;
    register uint64_t r9 asm("r9") = a6;
    asm volatile("syscall"
                 : "+a"(rax), "+d"(rdx)
                 : "D"(a1), "S"(a2), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    return {rax, rdx};
}

void expect_status(const char* what, Raw r, uint64_t want) {
    systest::expect_eq(kProg, what, r.rax, want);
}

constexpr uint64_t kSigKill = 9;
constexpr uint64_t kThreadBase = 0x10000000;
constexpr uint64_t kLabelReturned = 0x80;

helios_caddr_t g_ep = 0;
volatile uint64_t g_int80_rax = ~0ull;

// The legacy i386 gate: `int $0x80` with eax = 1 (i386 exit), ebx = 9. It is
// a fault on Helios hardware (no such gate for users); under ptrace Linux
// reports it as a (compat) syscall stop. Either way it must not reach Linux.
extern "C" [[noreturn]] void int80_worker(uint64_t) {
    uint64_t rax = 1;
    asm volatile("int $0x80" : "+a"(rax) : "b"(9ull) : "rcx", "r11", "memory");
    g_int80_rax = rax;
    (void)helios::sys::send(g_ep, HELIOS_TAG(kLabelReturned, 0, 0));
    for (;;) (void)helios::sys::yield();
}
constexpr uint64_t kOCreatWronly = 0100 | 01;
constexpr uint64_t kAtFdcwd = static_cast<uint64_t>(-100);

}  // namespace

int main() {
    char path[200] = "/tmp/helios-sys-confine-probe";
    (void)systest::cmdline_word(0, path, sizeof path);
    uint64_t simpid = systest::cmdline_number(1, 0);
    static const char leak[] = "LEAKED: Linux write ran\n";

    // write(1, leak, n) is Helios yield: success, nothing printed.
    expect_status("write(1) = yield", linux_syscall(1, 1, reinterpret_cast<uint64_t>(leak), sizeof leak - 1),
                  HELIOS_ENONE);
    expect_status("write(2) = yield", linux_syscall(1, 2, reinterpret_cast<uint64_t>(leak), sizeof leak - 1),
                  HELIOS_ENONE);
    // open(path, O_CREAT|O_WRONLY) is identify(cap = the path's address): no such slot.
    expect_status("open = identify", linux_syscall(2, reinterpret_cast<uint64_t>(path), kOCreatWronly, 0644),
                  HELIOS_EINVALID_CADDR);
    expect_status("creat", linux_syscall(85, reinterpret_cast<uint64_t>(path), 0644), HELIOS_EINVALID_SYSCALL);
    expect_status("openat", linux_syscall(257, kAtFdcwd, reinterpret_cast<uint64_t>(path), kOCreatWronly, 0644),
                  HELIOS_EINVALID_SYSCALL);
    // mmap(0x30000000, 4096, RW, PRIVATE|ANON|FIXED, -1, 0) is signal(cap = 0x30000000).
    expect_status("mmap = signal", linux_syscall(9, 0x30000000, 4096, 3, 0x32, static_cast<uint64_t>(-1), 0),
                  HELIOS_EINVALID_CADDR);
    systest::expect_eq(kProg, "nothing mapped at the mmap address",
                       helios::vspace_lookup(HELIOS_INIT_CAP_VSPACE, 0x30000000).ok(), 0);
    // mprotect is wait(cap = address): no such slot, and it does not block.
    expect_status("mprotect = wait", linux_syscall(10, 0x400000, 4096, 7), HELIOS_EINVALID_CADDR);
    expect_status("getpid", linux_syscall(39), HELIOS_EINVALID_SYSCALL);
    expect_status("clone", linux_syscall(56, 17 /* SIGCHLD */, 0, 0, 0, 0), HELIOS_EINVALID_SYSCALL);
    expect_status("fork", linux_syscall(57), HELIOS_EINVALID_SYSCALL);
    expect_status("vfork", linux_syscall(58), HELIOS_EINVALID_SYSCALL);
    static const char sh[] = "/bin/sh";
    expect_status("execve", linux_syscall(59, reinterpret_cast<uint64_t>(sh), 0, 0), HELIOS_EINVALID_SYSCALL);
    expect_status("mkdir", linux_syscall(83, reinterpret_cast<uint64_t>(path), 0755), HELIOS_EINVALID_SYSCALL);
    if (simpid != 0) {
        expect_status("kill(helios-sim, SIGKILL)", linux_syscall(62, simpid, kSigKill), HELIOS_EINVALID_SYSCALL);
        expect_status("tgkill(helios-sim, SIGKILL)", linux_syscall(234, simpid, simpid, kSigKill),
                      HELIOS_EINVALID_SYSCALL);
    }
    expect_status("kill(0, SIGKILL)", linux_syscall(62, 0, kSigKill), HELIOS_EINVALID_SYSCALL);
    expect_status("exit(9)", linux_syscall(60, 9), HELIOS_EINVALID_SYSCALL);
    expect_status("exit_group(9)", linux_syscall(231, 9), HELIOS_EINVALID_SYSCALL);
    expect_status("a number above every table", linux_syscall(0x40000000 | 1), HELIOS_EINVALID_SYSCALL);

    // int $0x80, in a supervised worker: it either faults or comes back.
    g_ep = systest::make(kProg, HELIOS_CT_ENDPOINT, "allocate endpoint");
    (void)systest::start_thread(kProg, kThreadBase, int80_worker, 0, g_ep, 0);
    helios::SysResult got = helios::sys::recv(g_ep);
    systest::expect_ok(kProg, "recv from the int 0x80 worker", got);
    if (HELIOS_TAG_LABEL(got.value) == HELIOS_LABEL_FAULT)
        helios::printf("sys_confine: int 0x80 -> fault kind %lu\n",
                       static_cast<unsigned long>(helios::ipcbuf()->params[HELIOS_FAULT_P_KIND]));
    else
        helios::printf("sys_confine: int 0x80 -> returned status %lu\n", static_cast<unsigned long>(g_int80_rax));

    helios::print("sys_confine: still running after exit_group; all Linux calls had Helios semantics\n");
    return 0;
}
