// HuskProcess: spawning, batching address-space edits, running guest threads, reaping.
#include "sim/ptrace/husk_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/securebits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "sim/ptrace/companion_file.h"
#include "sim/ptrace/guest_regs.h"
#include "sim/ptrace/husk_filter.h"

namespace helios::sim {
namespace {

constexpr long kSeizeOptions = PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC;
constexpr uint64_t kPageMask = 0xFFF;

int ptrace_event(int status) {
    return static_cast<int>(static_cast<unsigned>(status) >> 16);
}

bool exited(int status) {
    return WIFEXITED(status) || WIFSIGNALED(status);
}

std::string describe_wait_status(int status) {
    if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
    if (WIFSTOPPED(status))
        return fmt::format("stopped by signal {} (event {})", WSTOPSIG(status), ptrace_event(status));
    return fmt::format("wait status {:#x}", status);
}

// The synchronous faults a guest instruction can raise; any other signal
// reaching a guest thread came from outside and is swallowed. SIGSYS is the
// husk's seccomp filter refusing a system call that bypassed emulation (an
// emulated vsyscall): a fault of the guest, never a swallowed signal.
bool is_fault_signal(int sig) {
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP || sig == SIGSYS;
}

std::string prot_string(uint64_t prot) {
    std::string s = "---";
    if (prot & PROT_READ) s[0] = 'r';
    if (prot & PROT_WRITE) s[1] = 'w';
    if (prot & PROT_EXEC) s[2] = 'x';
    return s;
}

std::string describe_op(const HuskOp& op) {
    switch (op.kind) {
        case HUSK_OP_MAP:
            return fmt::format("map(vaddr={:#x}, len={:#x}, prot={}, phys={:#x})", op.arg[0], op.arg[1],
                               prot_string(op.arg[2]), op.arg[3]);
        case HUSK_OP_UNMAP: return fmt::format("unmap(vaddr={:#x}, len={:#x})", op.arg[0], op.arg[1]);
        case HUSK_OP_PROTECT:
            return fmt::format("protect(vaddr={:#x}, len={:#x}, prot={})", op.arg[0], op.arg[1],
                               prot_string(op.arg[2]));
        case HUSK_OP_CLONE: return "clone()";
        case HUSK_OP_DISCARD: return fmt::format("discard(vaddr={:#x}, len={:#x})", op.arg[0], op.arg[1]);
        case HUSK_OP_SEAL: return "seal()";
    }
    return fmt::format("op {}", op.kind);
}

// Everything the forked child needs, prepared before fork: after fork only
// async-signal-safe calls are allowed (the simulator may have threads).
struct ChildPlan {
    pid_t parent;
    int go_read, go_write;  // the parent writes one byte once it has seized the child
    int err_write;          // the child reports a failed execve's errno here
    int phys_fd, mailbox_fd;
    const char* path;
    char* const* argv;
    char* const* envp;
    bool trap_tsc;
};

// Least privilege, before the exec: the husk holds no capability and can
// never gain one. Dropping the bounding set and locking SECBIT_NOROOT need
// CAP_SETPCAP, so they take effect only when the simulator runs as root; as an
// ordinary user there is nothing to drop, and no-new-privs still forbids any
// gain. Everything here is a raw, async-signal-safe system call.
void drop_privileges() {
    (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    for (int cap = 0; cap <= 63; ++cap) (void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    // Root keeps no capabilities across the exec (NOROOT), cannot get them
    // back by a uid change (NO_SETUID_FIXUP), and nothing can be unlocked.
    (void)prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                       SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                       SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
                0, 0, 0);
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    (void)::syscall(SYS_capset, &header, data);
}

[[noreturn]] void child_main(const ChildPlan& p) {
    // Die with the simulator, and do not start if it is already gone (the
    // parent may have died between fork and prctl).
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != p.parent) _exit(126);
    // rdtsc/rdtscp fault (SIGSEGV) instead of reading the host's clock, so the
    // simulator can answer them from virtual time: guests stay deterministic.
    if (p.trap_tsc) (void)prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
    // Its own process group, so the simulator can wait for any of its threads
    // at once (wait_leader) and a terminal's Ctrl-C reaches only the simulator.
    setpgid(0, 0);
    close(p.go_write);
    char go = 0;
    ssize_t got = 0;
    do got = read(p.go_read, &go, 1);
    while (got < 0 && errno == EINTR);
    if (got != 1) _exit(126);  // the parent gave up
    // Deterministic layout: no ASLR for the stack, vdso or anything else.
    if (personality(ADDR_NO_RANDOMIZE) == -1) _exit(126);
    drop_privileges();
    // Move the fds out of the way, then into their fixed numbers (dup2 clears
    // close-on-exec on the copy).
    int phys = fcntl(p.phys_fd, F_DUPFD_CLOEXEC, 16);
    int mailbox = fcntl(p.mailbox_fd, F_DUPFD_CLOEXEC, 16);
    int err = fcntl(p.err_write, F_DUPFD_CLOEXEC, 16);
    if (phys < 0 || mailbox < 0 || err < 0) _exit(126);
    if (dup2(phys, HUSK_PHYS_FD) < 0 || dup2(mailbox, HUSK_MAILBOX_FD) < 0) _exit(126);
    // Nothing else of the simulator's leaks into the husk, not even a
    // terminal on 0-2: it keeps the physical-memory fd and, until it has
    // mapped it, the mailbox's.
    close_range(0, HUSK_PHYS_FD - 1, 0);
    close_range(HUSK_MAILBOX_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(p.path, p.argv, p.envp);
    int e = errno;
    ssize_t w = write(err, &e, sizeof e);
    (void)w;
    _exit(127);
}

int wait_pid(pid_t pid, int* status) {
    for (;;) {
        int r = waitpid(pid, status, __WALL);
        if (r >= 0 || errno != EINTR) return r;
    }
}

// Kills and reaps a child that never became a HuskProcess.
void abandon_child(pid_t pid) {
    kill(pid, SIGKILL);
    int status = 0;
    while (wait_pid(pid, &status) == pid && !exited(status)) {
    }
}

// The register file for running one of the husk's own gadgets on a guest
// thread: built from nothing, never from the guest's registers.
user_regs_struct husk_gadget_regs(uint64_t rip) {
    return initial_guest_regs(rip, HUSK_CLONE_STACK_TOP);
}

// The address ranges of the husk's own Linux mappings that it never uses
// after start-up: everything but its code, its scratch page, its mailbox and
// the vsyscall page (which cannot be unmapped; the filter traps calls into
// it). In practice the vDSO, vvar and the Linux stack, whose auxiliary vector
// holds AT_RANDOM bytes and the host's hardware capabilities.
std::vector<std::pair<uint64_t, uint64_t>> discardable_mappings(pid_t pid) {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    FILE* maps = fopen(fmt::format("/proc/{}/maps", pid).c_str(), "re");
    if (!maps) return out;
    char line[512];
    while (fgets(line, sizeof line, maps)) {
        unsigned long long start = 0, end = 0;
        if (sscanf(line, "%llx-%llx", &start, &end) != 2) continue;
        const bool ours = (start >= HUSK_TEXT_ADDR && end <= HUSK_SCRATCH_ADDR + 0x1000) ||
                          (start >= HUSK_MAILBOX_ADDR && end <= HUSK_MAILBOX_ADDR + HUSK_MAILBOX_SIZE);
        const bool vsyscall = start >= 0xFFFF800000000000ull;
        if (!ours && !vsyscall) out.emplace_back(start, end - start);
    }
    fclose(maps);
    return out;
}

struct Fd {
    int fd = -1;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) close(fd);
        fd = -1;
    }
    int release() { return std::exchange(fd, -1); }
};

}  // namespace

const HostResult<std::string>& husk_binary() {
    static const HostResult<std::string> found = locate_companion_file(
        CompanionFile{"the husk binary helios-husk", "HELIOS_HUSK", {"helios-husk", "ptrace/helios-husk"}});
    return found;
}

HostResult<std::unique_ptr<HuskProcess>> HuskProcess::spawn(const PhysicalMemory& phys, const std::string& given_path,
                                                        HuskTraps traps) {
    if (given_path.empty() && !husk_binary()) return husk_binary().status();
    const std::string& husk_path = given_path.empty() ? *husk_binary() : given_path;
    if (access(husk_path.c_str(), X_OK) != 0) return errno_failure(fmt::format("husk binary {}", husk_path));

    Fd mailbox_fd;
    mailbox_fd.fd = memfd_create("helios-husk-mailbox", MFD_CLOEXEC);
    if (mailbox_fd.fd < 0) return errno_failure("memfd_create(helios-husk-mailbox)");
    if (ftruncate(mailbox_fd.fd, HUSK_MAILBOX_SIZE) != 0) return errno_failure("ftruncate(mailbox)");
    void* mailbox = mmap(nullptr, HUSK_MAILBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mailbox_fd.fd, 0);
    if (mailbox == MAP_FAILED) return errno_failure("mmap(mailbox)");
    struct Unmap {
        void* p;
        ~Unmap() {
            if (p) munmap(p, HUSK_MAILBOX_SIZE);
        }
    } mailbox_guard{mailbox};

    int go[2], err[2];
    if (pipe2(go, O_CLOEXEC) != 0) return errno_failure("pipe2");
    Fd go_read{go[0]}, go_write{go[1]};
    if (pipe2(err, O_CLOEXEC) != 0) return errno_failure("pipe2");
    Fd err_read{err[0]}, err_write{err[1]};

    std::string argv0 = "helios-husk";
    char* argv[] = {argv0.data(), nullptr};
    char* envp[] = {nullptr};
    const ChildPlan plan{getpid(), go[0], go[1], err[1], phys.fd(), mailbox_fd.fd, husk_path.c_str(), argv, envp, traps.tsc};

    pid_t pid = fork();
    if (pid < 0) return errno_failure("fork");
    if (pid == 0) child_main(plan);

    setpgid(pid, pid);  // also done by the child; whichever runs first wins the race
    go_read.reset();
    err_write.reset();
    if (ptrace(PTRACE_SEIZE, pid, 0, kSeizeOptions) != 0) {
        Status st = errno_failure("PTRACE_SEIZE(husk)");
        abandon_child(pid);
        return st;
    }
    // Only now may the child exec: the exec and everything after it is traced.
    if (write(go_write.fd, "g", 1) != 1) {
        Status st = errno_failure("write(husk go pipe)");
        abandon_child(pid);
        return st;
    }
    go_write.reset();

    // Until the exec event: swallow any stray signal-delivery stops.
    int status = 0;
    for (;;) {
        if (wait_pid(pid, &status) != pid) {
            Status st = errno_failure("waitpid(husk exec)");
            abandon_child(pid);
            return st;
        }
        if (exited(status)) {
            int e = 0;
            if (read(err_read.fd, &e, sizeof e) == static_cast<ssize_t>(sizeof e))
                return errno_failure(fmt::format("execve({})", husk_path), e);
            return Status::failure(fmt::format("husk {} {} before exec", husk_path, describe_wait_status(status)));
        }
        if (WIFSTOPPED(status) && ptrace_event(status) == PTRACE_EVENT_EXEC) break;
        if (ptrace(PTRACE_CONT, pid, 0, 0) != 0) {
            Status st = errno_failure("PTRACE_CONT(husk before exec)");
            abandon_child(pid);
            return st;
        }
    }

    // Until the loop's first int3: the husk has mapped the mailbox and is ready.
    for (;;) {
        if (ptrace(PTRACE_CONT, pid, 0, 0) != 0) {
            Status st = errno_failure("PTRACE_CONT(husk start)");
            abandon_child(pid);
            return st;
        }
        if (wait_pid(pid, &status) != pid) {
            Status st = errno_failure("waitpid(husk start)");
            abandon_child(pid);
            return st;
        }
        if (exited(status)) {
            return Status::failure(fmt::format("husk {} {} during start-up (exit 127: it could not map its mailbox)",
                                               husk_path, describe_wait_status(status)));
        }
        if (WIFSTOPPED(status) && ptrace_event(status) == 0 && WSTOPSIG(status) == SIGTRAP) break;
    }
    auto* mb = static_cast<HuskMailbox*>(mailbox);
    if (mb->magic != HUSK_MAGIC) {
        abandon_child(pid);
        return Status::failure(
            fmt::format("husk {} is not the husk this simulator was built with (magic {:#x})", husk_path, mb->magic));
    }
    mailbox_guard.p = nullptr;
    std::unique_ptr<HuskProcess> husk(new HuskProcess(pid, mailbox_fd.release(), mb, phys.size()));
    if (Status st = husk->seal(traps.cpuid); !st) return st;  // the destructor kills and reaps it
    return husk;
}

HuskProcess::~HuskProcess() {
    reap_all();
    munmap(mailbox_, HUSK_MAILBOX_SIZE);
    close(mailbox_fd_);
}

void HuskProcess::reap_all() {
    // A reaped leader's pid may already belong to someone else: never signal it.
    if (!leader_reaped_) kill(pid_, SIGKILL);
    auto reap = [this](pid_t tid) {
        if (stashed_.count(tid) && exited(stashed_[tid])) return;  // reaped already
        int status = 0;
        while (wait_pid(tid, &status) == tid && !exited(status)) {
        }
    };
    for (auto& [tid, thread] : threads_) reap(tid);
    // Threads we never heard of (there should be none) would keep the leader
    // from ever becoming reapable.
    if (!leader_reaped_) {
        if (DIR* dir = opendir(fmt::format("/proc/{}/task", pid_).c_str())) {
            while (dirent* e = readdir(dir)) {
                pid_t tid = static_cast<pid_t>(std::atoi(e->d_name));
                if (tid > 0 && tid != pid_ && !threads_.count(tid)) reap(tid);
            }
            closedir(dir);
        }
        reap(pid_);
        leader_reaped_ = true;
    }
    threads_.clear();
    stashed_.clear();
}

int HuskProcess::wait_thread(pid_t tid, int* status) {
    auto it = stashed_.find(tid);
    if (it != stashed_.end()) {
        *status = it->second;
        stashed_.erase(it);
        return tid;
    }
    return wait_pid(tid, status);
}

int HuskProcess::wait_leader(int* status) {
    // Waiting for the whole process group, not just pid_: if the husk is
    // killed, its leader only becomes reapable after every guest thread has
    // been reaped, so a plain waitpid(pid_) would wait forever. Events of
    // other threads (exits, a new thread's first stop) are kept for later.
    for (;;) {
        int st = 0;
        int r = waitpid(-pid_, &st, __WALL);
        if (r < 0) {
            if (errno == EINTR) continue;
            return r;
        }
        if (r == pid_) {
            *status = st;
            if (exited(st)) leader_reaped_ = true;
            return r;
        }
        stashed_[r] = st;
    }
}

Status HuskProcess::seal(bool trap_cpuid) {
    const auto& filter = husk_filter();
    if (!filter) return Status::failure("cannot build the husk's seccomp filter: " + filter.message());
    for (auto [start, len] : discardable_mappings(pid_))
        pending_.push_back(HuskOp{HUSK_OP_DISCARD, {start, len, 0, 0}, 0, {}});
    // The program and its sock_fprog go into the mailbox's filter area; the
    // seal passes the fprog's address as the husk sees it.
    auto* area = reinterpret_cast<uint8_t*>(mailbox_) + HUSK_MB_FILTER;
    const uint64_t insns_at = HUSK_MAILBOX_ADDR + HUSK_MB_FILTER + 16;
    const unsigned short count = static_cast<unsigned short>(filter->size());
    std::memset(area, 0, 16);
    std::memcpy(area, &count, sizeof count);
    std::memcpy(area + 8, &insns_at, sizeof insns_at);
    std::memcpy(area + 16, filter->data(), filter->size() * sizeof(sock_filter));
    mailbox_->cpuid_result = -1;
    pending_.push_back(HuskOp{HUSK_OP_SEAL, {HUSK_MAILBOX_ADDR + HUSK_MB_FILTER, trap_cpuid ? 0u : 1u, 0, 0}, 0, {}});
    if (Status st = flush(); !st) return Status::failure("cannot seal the husk (" + st.message() + ")");
    cpuid_faults_ = mailbox_->cpuid_result == 0;
    return Status::success();
}

Status HuskProcess::check_range(const char* what, uint64_t vaddr, uint64_t len) const {
    if (len == 0 || (vaddr & kPageMask) || (len & kPageMask))
        return Status::failure(fmt::format("{}(vaddr={:#x}, len={:#x}): not page-aligned or empty", what, vaddr, len));
    if (vaddr < kUserBottom || vaddr > kUserTop || len > kUserTop - vaddr) {
        return Status::failure(fmt::format("{}(vaddr={:#x}, len={:#x}): outside the user range [{:#x}, {:#x})", what,
                                           vaddr, len, kUserBottom, kUserTop));
    }
    return Status::success();
}

Status HuskProcess::map(uint64_t vaddr, uint64_t phys_offset, uint64_t len, int prot) {
    if (Status st = check_range("map", vaddr, len); !st) return st;
    if ((phys_offset & kPageMask) || phys_offset > phys_size_ || len > phys_size_ - phys_offset) {
        return Status::failure(
            fmt::format("map(vaddr={:#x}, len={:#x}): phys {:#x} not page-aligned or beyond "
                        "physical memory ({:#x} bytes)",
                        vaddr, len, phys_offset, phys_size_));
    }
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
        return Status::failure(fmt::format("map(vaddr={:#x}): bad prot {:#x}", vaddr, prot));
    pending_.push_back(HuskOp{HUSK_OP_MAP, {vaddr, len, static_cast<uint64_t>(prot), phys_offset}, 0, {}});
    return Status::success();
}

Status HuskProcess::unmap(uint64_t vaddr, uint64_t len) {
    if (Status st = check_range("unmap", vaddr, len); !st) return st;
    pending_.push_back(HuskOp{HUSK_OP_UNMAP, {vaddr, len, 0, 0}, 0, {}});
    return Status::success();
}

Status HuskProcess::protect(uint64_t vaddr, uint64_t len, int prot) {
    if (Status st = check_range("protect", vaddr, len); !st) return st;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
        return Status::failure(fmt::format("protect(vaddr={:#x}): bad prot {:#x}", vaddr, prot));
    pending_.push_back(HuskOp{HUSK_OP_PROTECT, {vaddr, len, static_cast<uint64_t>(prot), 0}, 0, {}});
    return Status::success();
}

Status HuskProcess::round_trip(std::vector<pid_t>& new_threads) {
    if (leader_reaped_) return Status::failure(fmt::format("husk {} is dead", pid_));
    if (ptrace(PTRACE_CONT, pid_, 0, 0) != 0) return errno_failure(fmt::format("PTRACE_CONT(husk {})", pid_));
    for (;;) {
        int status = 0;
        if (wait_leader(&status) < 0) return errno_failure(fmt::format("waitpid(husk {})", pid_));
        if (exited(status))
            return Status::failure(fmt::format("husk {} {} while running a batch", pid_, describe_wait_status(status)));
        if (!WIFSTOPPED(status)) continue;
        const int event = ptrace_event(status);
        if (event == PTRACE_EVENT_CLONE) {
            unsigned long tid = 0;
            if (ptrace(PTRACE_GETEVENTMSG, pid_, 0, &tid) != 0) return errno_failure("PTRACE_GETEVENTMSG(clone)");
            // Known from now on, so that the destructor reaps it whatever happens next.
            threads_[static_cast<pid_t>(tid)].order = next_order_++;
            new_threads.push_back(static_cast<pid_t>(tid));
        } else if (event == 0 && WSTOPSIG(status) == SIGTRAP) {
            break;  // the loop's int3: the batch is done (under PTRACE_CONT no syscall stops occur)
        }
        // Anything else (group-stop, a stray signal): suppress it and go on.
        if (ptrace(PTRACE_CONT, pid_, 0, 0) != 0) return errno_failure(fmt::format("PTRACE_CONT(husk {})", pid_));
    }
    ++round_trips_;
    return Status::success();
}

Status HuskProcess::adopt_new_thread(pid_t tid) {
    // With PTRACE_SEIZE + TRACECLONE a new thread starts in a ptrace stop
    // (PTRACE_EVENT_STOP) before it runs a single instruction.
    int status = 0;
    if (wait_thread(tid, &status) != tid) return errno_failure(fmt::format("waitpid(new thread {})", tid));
    if (exited(status)) {
        threads_.erase(tid);
        return Status::failure(fmt::format("new thread {} {}", tid, describe_wait_status(status)));
    }
    Thread& t = threads_[tid];
    if (ptrace(PTRACE_GETREGS, tid, 0, &t.cache) != 0) return errno_failure(fmt::format("PTRACE_GETREGS({})", tid));
    return Status::success();
}

Status HuskProcess::flush_batches(std::vector<pid_t>* clones) {
    size_t start = 0;
    Status result = Status::success();
    while (start < pending_.size() && result) {
        const size_t n = std::min<size_t>(pending_.size() - start, HUSK_MAX_OPS);
        std::memcpy(mailbox_->ops, pending_.data() + start, n * sizeof(HuskOp));
        mailbox_->done = ~0ull;
        mailbox_->count = n;

        std::vector<pid_t> new_threads;
        result = round_trip(new_threads);
        for (pid_t tid : new_threads) {
            Status st = adopt_new_thread(tid);
            if (result && !st) result = st;
        }
        if (!result) break;

        const uint64_t done = mailbox_->done;
        for (size_t i = 0; i < std::min<uint64_t>(done, n); ++i) {
            const HuskOp& op = mailbox_->ops[i];
            if (op.kind != HUSK_OP_CLONE) continue;
            const pid_t tid = static_cast<pid_t>(op.result);
            if (std::find(new_threads.begin(), new_threads.end(), tid) == new_threads.end()) {
                result = Status::failure(fmt::format("husk clone returned {} but ptrace reported no such thread", tid));
            } else if (clones) {
                clones->push_back(tid);
            }
        }
        if (!result) break;
        if (done != n) {
            if (done > n) {
                result = Status::failure(fmt::format("husk {} reported {} of {} ops done", pid_, done, n));
            } else {
                const HuskOp& op = mailbox_->ops[done];
                result = errno_failure(
                    fmt::format("flush: op {} of {}: {}", start + done + 1, pending_.size(), describe_op(op)),
                    static_cast<int>(-op.result));
            }
            break;
        }
        start += n;
    }
    pending_.clear();
    return result;
}

Status HuskProcess::flush() {
    return flush_batches(nullptr);
}

HostResult<pid_t> HuskProcess::create_thread() {
    pending_.push_back(HuskOp{HUSK_OP_CLONE, {0, 0, 0, 0}, 0, {}});
    std::vector<pid_t> clones;
    if (Status st = flush_batches(&clones); !st) return st;
    if (clones.size() != 1) return Status::failure(fmt::format("create_thread: {} threads created", clones.size()));
    return clones.front();
}

Status HuskProcess::kill_thread(pid_t tid) {
    auto it = threads_.find(tid);
    if (it == threads_.end())
        return Status::failure(fmt::format("kill_thread: {} is not a guest thread of husk {}", tid, pid_));
    // A guest thread cannot be killed alone by a signal (that ends the whole
    // group), so it is sent to a gadget that calls SYS_exit. PTRACE_CONT, not
    // SYSEMU, lets that syscall run; a SYSEMU stop's own syscall stays skipped.
    // The register file is the husk's own, built from nothing: 64-bit code
    // and stack selectors, no trap flag, the husk's scratch stack. Nothing of
    // the guest's (a 32-bit code segment, TF, a stack pointer) survives, so
    // the only instructions that run are the gadget's. If SETREGS fails the
    // thread is not resumed at all: the husk is killed instead.
    const user_regs_struct r = husk_gadget_regs(HUSK_THREAD_EXIT_ADDR);
    if (ptrace(PTRACE_SETREGS, tid, 0, &r) != 0 || ptrace(PTRACE_CONT, tid, 0, 0) != 0) {
        if (errno != ESRCH) {
            Status st = errno_failure(fmt::format("retiring thread {}: killing husk {}", tid, pid_));
            reap_all();
            return st;
        }
    }
    for (;;) {
        int status = 0;
        if (wait_thread(tid, &status) != tid) {
            Status st = errno_failure(fmt::format("waitpid(thread {})", tid));
            threads_.erase(tid);
            return st;
        }
        if (exited(status)) break;
        // Only the gadget can be running: a stop here is a stray signal.
        if (ptrace(PTRACE_CONT, tid, 0, 0) != 0 && errno != ESRCH)
            return errno_failure(fmt::format("PTRACE_CONT(thread {})", tid));
    }
    threads_.erase(tid);
    return Status::success();
}

int HuskProcess::write_back(pid_t tid, Thread& t, const user_regs_struct& regs) {
    unsigned long long want[kRegWords], have[kRegWords];
    std::memcpy(want, &regs, sizeof want);
    std::memcpy(have, &t.cache, sizeof have);
    size_t changed[2];
    size_t n = 0;
    for (size_t i = 0; i < kRegWords; ++i) {
        if (want[i] == have[i]) continue;
        if (n < 2) changed[n] = i;
        if (++n > 2) break;
    }
    if (n == 0) return 0;
    // POKEUSER costs ~0.67 us per word, SETREGS ~1.58 us for all of them.
    if (n <= 2) {
        for (size_t k = 0; k < n; ++k) {
            const size_t i = changed[k];
            if (ptrace(PTRACE_POKEUSER, tid, i * sizeof(uint64_t), want[i]) != 0) return errno;
        }
    } else if (ptrace(PTRACE_SETREGS, tid, 0, &regs) != 0) {
        return errno;
    }
    t.cache = regs;
    return 0;
}

HostResult<StopEvent> HuskProcess::run(pid_t tid, user_regs_struct& regs, bool single_step) {
    auto it = threads_.find(tid);
    if (it == threads_.end())
        return Status::failure(fmt::format("run: {} is not a guest thread of husk {}", tid, pid_));
    Thread& t = it->second;
    // ESRCH: the thread died under us (the husk was killed); the wait below reports it.
    if (int err = write_back(tid, t, regs); err == EIO) {
        // Linux refused a value (e.g. an fs_base beyond the user range that
        // the guest set itself with wrfsbase): the guest's doing, so the
        // guest's fault, a #GP before it runs, never the simulator's error.
        StopEvent gp;
        gp.kind = StopKind::Signal;
        gp.signo = SIGSEGV;
        gp.si_code = SI_KERNEL;
        regs = t.cache;  // what the thread really has
        return gp;
    } else if (err != 0 && err != ESRCH) {
        return errno_failure(fmt::format("writing the registers of thread {}", tid), err);
    }

    const auto request = single_step ? PTRACE_SYSEMU_SINGLESTEP : PTRACE_SYSEMU;
    StopEvent event;
    for (;;) {
        // ESRCH means the thread is no longer in a stop (killed): wait for its exit.
        if (!stashed_.count(tid) && ptrace(request, tid, 0, 0) != 0 && errno != ESRCH)
            return errno_failure(fmt::format("PTRACE_SYSEMU({})", tid));
        int status = 0;
        if (wait_thread(tid, &status) != tid) return errno_failure(fmt::format("waitpid(thread {})", tid));
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            threads_.erase(tid);
            event.kind = WIFEXITED(status) ? StopKind::Exited : StopKind::Killed;
            event.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
            return event;
        }
        if (!WIFSTOPPED(status)) continue;
        const int sig = WSTOPSIG(status);
        if (sig == (SIGTRAP | 0x80)) {  // PTRACE_O_TRACESYSGOOD marks syscall stops
            event.kind = StopKind::Syscall;
            break;
        }
        if (ptrace_event(status) == 0 && sig == kPreemptSignal) {  // the simulator took the CPU back
            event.kind = StopKind::Preempted;
            event.signo = sig;
            break;
        }
        if (ptrace_event(status) != 0 || !is_fault_signal(sig)) continue;  // group-stop, stray signal: swallow
        siginfo_t si;
        if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) != 0)
            return errno_failure(fmt::format("PTRACE_GETSIGINFO({})", tid));
        if (single_step && sig == SIGTRAP && si.si_code == TRAP_TRACE) {
            event.kind = StopKind::SingleStep;
        } else {
            event.kind = StopKind::Signal;
            event.fault_addr = reinterpret_cast<uint64_t>(si.si_addr);
        }
        event.signo = sig;
        event.si_code = si.si_code;
        break;
    }
    if (ptrace(PTRACE_GETREGS, tid, 0, &t.cache) != 0) return errno_failure(fmt::format("PTRACE_GETREGS({})", tid));
    regs = t.cache;
    if (event.kind == StopKind::Syscall) event.syscall_nr = regs.orig_rax;
    return event;
}

HostResult<user_regs_struct> HuskProcess::regs(pid_t tid) const {
    auto it = threads_.find(tid);
    if (it == threads_.end())
        return Status::failure(fmt::format("regs: {} is not a guest thread of husk {}", tid, pid_));
    return it->second.cache;
}

Status HuskProcess::get_fpregs(pid_t tid, user_fpregs_struct& fpregs) const {
    if (!threads_.count(tid)) return Status::failure(fmt::format("get_fpregs: {} is not a guest thread", tid));
    if (ptrace(PTRACE_GETFPREGS, tid, 0, &fpregs) != 0) return errno_failure(fmt::format("PTRACE_GETFPREGS({})", tid));
    return Status::success();
}

Status HuskProcess::set_fpregs(pid_t tid, const user_fpregs_struct& fpregs) {
    if (!threads_.count(tid)) return Status::failure(fmt::format("set_fpregs: {} is not a guest thread", tid));
    if (ptrace(PTRACE_SETFPREGS, tid, 0, &fpregs) != 0) return errno_failure(fmt::format("PTRACE_SETFPREGS({})", tid));
    return Status::success();
}

namespace {
long debugreg_offset(int index) {
    return static_cast<long>(offsetof(struct user, u_debugreg) + static_cast<size_t>(index) * sizeof(long));
}
}  // namespace

Status HuskProcess::set_debug_register(pid_t tid, int index, uint64_t value) {
    if (!threads_.count(tid)) return Status::failure(fmt::format("set_debug_register: {} is not a guest thread", tid));
    if (index < 0 || index > 7 || index == 4 || index == 5)
        return Status::failure(fmt::format("set_debug_register: no DR{}", index));
    if (ptrace(PTRACE_POKEUSER, tid, debugreg_offset(index), value) != 0)
        return errno_failure(fmt::format("PTRACE_POKEUSER(DR{}, {})", index, tid));
    return Status::success();
}

HostResult<uint64_t> HuskProcess::get_debug_register(pid_t tid, int index) const {
    if (!threads_.count(tid)) return Status::failure(fmt::format("get_debug_register: {} is not a guest thread", tid));
    if (index < 0 || index > 7 || index == 4 || index == 5)
        return Status::failure(fmt::format("get_debug_register: no DR{}", index));
    errno = 0;
    long v = ptrace(PTRACE_PEEKUSER, tid, debugreg_offset(index), 0);
    if (v == -1 && errno != 0) return errno_failure(fmt::format("PTRACE_PEEKUSER(DR{}, {})", index, tid));
    return static_cast<uint64_t>(v);
}

Status HuskProcess::set_debug_registers(pid_t tid, const uint64_t addr[4], uint64_t dr7) {
    if (Status st = set_debug_register(tid, 7, 0); !st) return st;
    for (int i = 0; i < 4; ++i)
        if (Status st = set_debug_register(tid, i, addr[i]); !st) return st;
    return dr7 ? set_debug_register(tid, 7, dr7) : Status::success();
}

bool HuskProcess::read_memory(uint64_t vaddr, void* buf, size_t len) const {
    if (len == 0) return true;
    iovec local{buf, len};
    iovec remote{reinterpret_cast<void*>(vaddr), len};  // NOLINT(performance-no-int-to-ptr): a guest address
    return process_vm_readv(pid_, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

bool HuskProcess::write_memory(uint64_t vaddr, const void* buf, size_t len) const {
    if (len == 0) return true;
    iovec local{const_cast<void*>(buf), len};
    iovec remote{reinterpret_cast<void*>(vaddr), len};  // NOLINT(performance-no-int-to-ptr): a guest address
    return process_vm_writev(pid_, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

size_t HuskProcess::read_instruction(uint64_t rip, uint8_t* buf, size_t max_len) const {
    max_len = std::min<size_t>(max_len, 15);
    if (max_len == 0) return 0;
    // process_vm_readv never splits one iovec, so one per page: a fetch that
    // crosses into an unmapped page still yields the bytes before it.
    const size_t first = std::min<size_t>(max_len, 0x1000 - (rip & kPageMask));
    iovec local{buf, max_len};
    // NOLINTNEXTLINE(performance-no-int-to-ptr): guest addresses
    iovec remote[2] = {{reinterpret_cast<void*>(rip), first}, {reinterpret_cast<void*>(rip + first), max_len - first}};
    ssize_t r = process_vm_readv(pid_, &local, 1, remote, first < max_len ? 2 : 1, 0);
    return r < 0 ? 0 : static_cast<size_t>(r);
}

std::vector<pid_t> HuskProcess::threads() const {
    std::vector<std::pair<uint64_t, pid_t>> v;
    for (auto& [tid, t] : threads_) v.emplace_back(t.order, tid);
    std::sort(v.begin(), v.end());
    std::vector<pid_t> out;
    out.reserve(v.size());
    for (auto& [order, tid] : v) out.push_back(tid);
    return out;
}

}  // namespace helios::sim
