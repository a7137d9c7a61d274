// ptrace-floor-bench: median round trips of HuskProcess's trap paths against raw ptrace on a bare child.
//
// Pinned to CPU 0 (tracer and tracees together, see trap-floor.md). Each
// figure is the median interval between consecutive stops of the same kind,
// taken right after the stop is seen: tracer work, resume, guest run, trap,
// wake-up. The floor runs the same guest loops in a plain traced child with
// the fewest raw ptrace calls (the mechanisms of trap-floor.md rows 1b, 2, 3).
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sim/ptrace/cpu_pin.h"
#include "sim/ptrace/guest_regs.h"
#include "sim/ptrace/husk_process.h"
#include "sim/ptrace/insn_decode.h"
#include "sim/ptrace/physical_memory.h"

// The guest loops: position-independent, run in place by the floor child and
// copied into physical memory for the husk.
asm(R"(
        .pushsection .text.bench_guest, "ax", @progbits
        .intel_syntax noprefix
        .globl bench_syscall_loop, bench_syscall_loop_end
bench_syscall_loop:
        mov     eax, 500
        syscall
        jmp     bench_syscall_loop
bench_syscall_loop_end:
        .globl bench_out_loop, bench_out_loop_end
bench_out_loop:
        mov     edx, 0x80
1:      out     dx, al
        jmp     1b
bench_out_loop_end:
        .globl bench_fault_loop, bench_fault_loop_end
bench_fault_loop:
        mov     rbx, rdi
1:      mov     byte ptr [rbx], 1
        add     rbx, 4096
        jmp     1b
bench_fault_loop_end:
        .globl bench_mmap_gadget
bench_mmap_gadget:
        syscall
        int3
        .att_syntax prefix
        .popsection
)");

extern "C" {
extern const uint8_t bench_syscall_loop[], bench_syscall_loop_end[];
extern const uint8_t bench_out_loop[], bench_out_loop_end[];
extern const uint8_t bench_fault_loop[], bench_fault_loop_end[];
extern const uint8_t bench_mmap_gadget[];
}

namespace {

using namespace helios::sim;

constexpr int kWarmup = 1000;
constexpr int kIters = 20000;
constexpr uint64_t kPage = 0x1000;
constexpr uint64_t kCodeVaddr = 0x400000;
constexpr uint64_t kFaultRegion = 0x10000000;
constexpr uint64_t kFaultFrames = 1 << 20;  // physical offset of the first fault frame

double now_us() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Collects intervals between consecutive calls of tick(), skipping the warm-up.
struct Sampler {
    std::vector<double> samples;
    double last = 0;
    int ticks = 0;
    void tick() {
        const double t = now_us();
        if (ticks++ > kWarmup) samples.push_back(t - last);
        last = t;
    }
    bool done() const { return ticks > kWarmup + kIters; }
    double median() {
        std::sort(samples.begin(), samples.end());
        return samples.empty() ? 0 : samples[samples.size() / 2];
    }
};

[[noreturn]] void die(const std::string& what) {
    fmt::print(stderr, "ptrace-floor-bench: {}\n", what);
    std::exit(1);
}

void check(const Status& st, const char* what) {
    if (!st.ok()) die(fmt::format("{}: {}", what, st.message()));
}

void sys(long r, const char* what) {
    if (r < 0) die(fmt::format("{}: {}", what, std::strerror(errno)));
}

// ---- The simulator's paths, through HuskProcess. ----

struct HuskBench {
    PhysicalMemory& phys;
    std::unique_ptr<HuskProcess> husk;
    pid_t tid = 0;
    user_regs_struct regs{};

    HuskBench(PhysicalMemory& p, const uint8_t* begin, const uint8_t* end) : phys(p) {
        std::memset(phys.base(), 0, kPage);
        std::memcpy(phys.base(), begin, static_cast<size_t>(end - begin));
        auto h = HuskProcess::spawn(phys);
        check(h.status(), "spawn");
        husk = std::move(*h);
        check(husk->map(kCodeVaddr, 0, kPage, PROT_READ | PROT_EXEC), "map code");
        auto t = husk->create_thread();
        check(t.status(), "create_thread");
        tid = *t;
        regs = initial_guest_regs(kCodeVaddr, 0);
    }
    StopEvent run() {
        auto e = husk->run(tid, regs);
        check(e.status(), "run");
        return *e;
    }
};

double husk_syscall(PhysicalMemory& phys) {
    HuskBench b(phys, bench_syscall_loop, bench_syscall_loop_end);
    Sampler s;
    while (!s.done()) {
        StopEvent e = b.run();
        s.tick();
        if (e.kind != StopKind::Syscall || e.syscall_nr != 500) die("syscall: unexpected " + describe(e));
        b.regs.rax = 0;  // the only change: one POKEUSER
    }
    return s.median();
}

double husk_out(PhysicalMemory& phys) {
    HuskBench b(phys, bench_out_loop, bench_out_loop_end);
    Sampler s;
    while (!s.done()) {
        StopEvent e = b.run();
        s.tick();
        if (e.kind != StopKind::Signal || e.signo != SIGSEGV) die("out: unexpected " + describe(e));
        // The simulator knows the code frame: decode through the direct map.
        const uint64_t off = b.regs.rip - kCodeVaddr;
        auto io = decode_port_io(phys.base() + off, std::min<uint64_t>(15, kPage - off));
        if (!io || io->is_in || io->width != 1) die("out: decode failed");
        b.regs.rip += io->length;
    }
    return s.median();
}

double husk_fault(PhysicalMemory& phys) {
    HuskBench b(phys, bench_fault_loop, bench_fault_loop_end);
    b.regs.rdi = kFaultRegion;
    Sampler s;
    uint64_t page = 0;
    while (!s.done()) {
        StopEvent e = b.run();
        s.tick();
        if (e.kind != StopKind::Signal || e.signo != SIGSEGV) die("fault: unexpected " + describe(e));
        const uint64_t off = b.regs.rip - kCodeVaddr;
        if (classify_access(phys.base() + off, kPage - off, e.fault_addr, b.regs.rip, &b.regs) != MemAccess::Write)
            die("fault: not a write");
        const uint64_t vaddr = e.fault_addr & ~(kPage - 1);
        if (vaddr != kFaultRegion + page * kPage) die("fault: unexpected address");
        check(b.husk->map(vaddr, kFaultFrames + page * kPage, kPage, PROT_READ | PROT_WRITE), "map");
        check(b.husk->flush(), "flush");
        ++page;
    }
    return s.median();
}

double husk_batch256(PhysicalMemory& phys) {
    HuskBench b(phys, bench_syscall_loop, bench_syscall_loop_end);
    std::vector<double> samples;
    for (int i = 0; i < 200; ++i) {
        for (uint64_t p = 0; p < 256; ++p)
            check(b.husk->map(kFaultRegion + p * kPage, kFaultFrames + (255 - p) * kPage, kPage, PROT_READ), "map");
        const double t = now_us();
        check(b.husk->flush(), "flush");
        samples.push_back(now_us() - t);
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

// ---- The floor: a bare traced child, raw ptrace. ----

struct FloorChild {
    pid_t pid = -1;
    FloorChild(const uint8_t* loop, uint64_t arg) {
        pid = fork();
        sys(pid, "fork");
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            ptrace(PTRACE_TRACEME, 0, 0, 0);
            raise(SIGSTOP);
            reinterpret_cast<void (*)(uint64_t)>(const_cast<uint8_t*>(loop))(arg);
            _exit(0);
        }
        int st = 0;
        sys(waitpid(pid, &st, 0), "waitpid");
        if (!WIFSTOPPED(st)) die("floor child did not stop");
        sys(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD), "SETOPTIONS");
    }
    ~FloorChild() {
        kill(pid, SIGKILL);
        int st = 0;
        waitpid(pid, &st, 0);
    }
    int wait() {
        int st = 0;
        sys(waitpid(pid, &st, 0), "waitpid");
        if (!WIFSTOPPED(st)) die("floor child ended");
        return st;
    }
};

double floor_syscall() {
    FloorChild c(bench_syscall_loop, 0);
    Sampler s;
    user_regs_struct r;
    sys(ptrace(PTRACE_SYSEMU, c.pid, 0, 0), "SYSEMU");
    while (!s.done()) {
        const int st = c.wait();
        s.tick();
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) continue;  // the first stop may be the SIGSTOP's
        sys(ptrace(PTRACE_GETREGS, c.pid, 0, &r), "GETREGS");
        sys(ptrace(PTRACE_POKEUSER, c.pid, offsetof(user_regs_struct, rax), 0), "POKEUSER");
        sys(ptrace(PTRACE_SYSEMU, c.pid, 0, 0), "SYSEMU");
    }
    return s.median();
}

double floor_out() {
    FloorChild c(bench_out_loop, 0);
    Sampler s;
    user_regs_struct r;
    sys(ptrace(PTRACE_CONT, c.pid, 0, 0), "CONT");
    while (!s.done()) {
        const int st = c.wait();
        s.tick();
        if (WSTOPSIG(st) != SIGSEGV) die("floor out: not SIGSEGV");
        sys(ptrace(PTRACE_GETREGS, c.pid, 0, &r), "GETREGS");
        r.rip += 1;
        sys(ptrace(PTRACE_SETREGS, c.pid, 0, &r), "SETREGS");
        sys(ptrace(PTRACE_CONT, c.pid, 0, 0), "CONT");
    }
    return s.median();
}

double floor_fault(const PhysicalMemory& phys) {
    FloorChild c(bench_fault_loop, kFaultRegion);
    Sampler s;
    user_regs_struct saved, r;
    siginfo_t si;
    uint64_t page = 0;
    sys(ptrace(PTRACE_CONT, c.pid, 0, 0), "CONT");
    while (!s.done()) {
        int st = c.wait();
        s.tick();
        if (WSTOPSIG(st) != SIGSEGV) die("floor fault: not SIGSEGV");
        // Inject mmap through a `syscall; int3` gadget, as trap-floor.md row 3.
        sys(ptrace(PTRACE_GETSIGINFO, c.pid, 0, &si), "GETSIGINFO");
        sys(ptrace(PTRACE_GETREGS, c.pid, 0, &saved), "GETREGS");
        r = saved;
        r.rip = reinterpret_cast<uint64_t>(bench_mmap_gadget);
        r.rax = 9;
        r.rdi = reinterpret_cast<uint64_t>(si.si_addr) & ~(kPage - 1);
        r.rsi = kPage;
        r.rdx = PROT_READ | PROT_WRITE;
        r.r10 = MAP_SHARED | MAP_FIXED;
        r.r8 = static_cast<uint64_t>(phys.fd());
        r.r9 = kFaultFrames + page++ * kPage;
        sys(ptrace(PTRACE_SETREGS, c.pid, 0, &r), "SETREGS");
        sys(ptrace(PTRACE_CONT, c.pid, 0, 0), "CONT");
        st = c.wait();
        if (WSTOPSIG(st) != SIGTRAP) die("floor fault: gadget did not trap");
        sys(ptrace(PTRACE_GETREGS, c.pid, 0, &r), "GETREGS");
        if (r.rax != (reinterpret_cast<uint64_t>(si.si_addr) & ~(kPage - 1))) die("floor fault: mmap failed");
        sys(ptrace(PTRACE_SETREGS, c.pid, 0, &saved), "SETREGS");
        sys(ptrace(PTRACE_CONT, c.pid, 0, 0), "CONT");
    }
    return s.median();
}

}  // namespace

int main() {
    check(pin_to_cpu(0), "pin_to_cpu(0)");
    auto phys = PhysicalMemory::create();
    check(phys.status(), "physical memory");

    struct Row {
        const char* name;
        double median, floor;
    };
    std::vector<Row> rows;
    rows.push_back({"syscall(sysemu,rax)", husk_syscall(**phys), floor_syscall()});
    rows.push_back({"out+rip", husk_out(**phys), floor_out()});
    // Fresh frames for each fault run: the memfd's pages are allocated on first touch.
    const double fault_floor = floor_fault(**phys);
    fallocate((*phys)->fd(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(kFaultFrames),
              static_cast<off_t>((*phys)->size() - kFaultFrames));
    rows.push_back({"pagefault+map+retry", husk_fault(**phys), fault_floor});

    fmt::print("{:<22} {:>10} {:>9} {:>6}\n", "name", "median_us", "floor_us", "ratio");
    for (const Row& r : rows)
        fmt::print("{:<22} {:>10.2f} {:>9.2f} {:>6.2f}\n", r.name, r.median, r.floor, r.median / r.floor);
    fmt::print("{:<22} {:>10.2f} {:>9} {:>6}\n", "flush(256 maps)", husk_batch256(**phys), "-", "-");
    return 0;
}
