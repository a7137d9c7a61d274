// The husk's seccomp program: libseccomp's rules behind an instruction-pointer prologue.
#include "sim/ptrace/husk_filter.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "sim/ptrace/husk/husk_abi.h"

namespace helios::sim {
namespace {

// The husk's code is one page; every syscall instruction in it lies there.
constexpr uint64_t kHuskCodeStart = HUSK_TEXT_ADDR;
constexpr uint64_t kHuskCodeEnd = HUSK_TEXT_ADDR + 0x1000;
static_assert((kHuskCodeStart >> 32) == ((kHuskCodeEnd - 1) >> 32), "the prologue compares one high word");

// seccomp_data.instruction_pointer as two 32-bit loads (little-endian).
constexpr uint32_t kIpLow = offsetof(seccomp_data, instruction_pointer);
constexpr uint32_t kIpHigh = kIpLow + 4;

std::vector<sock_filter> prologue() {
    const auto lo = static_cast<uint32_t>(kHuskCodeStart);
    const auto hi = static_cast<uint32_t>(kHuskCodeStart >> 32);
    const auto lo_end = static_cast<uint32_t>(kHuskCodeEnd);
    // Jump offsets count from the next instruction; index 5 is the trap,
    // index 6 the first instruction of libseccomp's program.
    return {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpHigh),         // 0
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 3),       // 1: other high word -> trap
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpLow),          // 2
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 1),       // 3: below the page -> trap
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo_end, 0, 1),   // 4: past the page -> trap, else -> 6
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),         // 5
    };
}

Status add_rule(scmp_filter_ctx ctx, int nr, const char* name, std::initializer_list<scmp_arg_cmp> args) {
    int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, static_cast<unsigned>(args.size()), args.begin());
    if (rc < 0) return errno_failure(fmt::format("seccomp_rule_add({})", name), -rc);
    return Status::success();
}

HostResult<std::vector<sock_filter>> compile_rules() {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) return Status::failure("seccomp_init failed");
    struct Release {
        scmp_filter_ctx ctx;
        ~Release() { seccomp_release(ctx); }
    } release{ctx};
    // A foreign architecture's entry (i386 via int $0x80, x32) never matches a rule.
    if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc < 0)
        return errno_failure("seccomp_attr_set(ACT_BADARCH)", -rc);
    // The husk sets no-new-privs itself; libseccomp only compiles here.
    if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); rc < 0)
        return errno_failure("seccomp_attr_set(CTL_NNP)", -rc);

    const uint64_t rwx = PROT_READ | PROT_WRITE | PROT_EXEC;
    Status st = add_rule(ctx, SCMP_SYS(mmap), "mmap",
                         {SCMP_A0(SCMP_CMP_LT, HUSK_USER_TOP), SCMP_A2(SCMP_CMP_MASKED_EQ, ~rwx, 0),
                          SCMP_A3(SCMP_CMP_EQ, MAP_SHARED | MAP_FIXED), SCMP_A4(SCMP_CMP_EQ, HUSK_PHYS_FD)});
    if (st) st = add_rule(ctx, SCMP_SYS(munmap), "munmap", {SCMP_A0(SCMP_CMP_LT, HUSK_USER_TOP)});
    if (st)
        st = add_rule(ctx, SCMP_SYS(mprotect), "mprotect",
                      {SCMP_A0(SCMP_CMP_LT, HUSK_USER_TOP), SCMP_A2(SCMP_CMP_MASKED_EQ, ~rwx, 0)});
    if (st)
        st = add_rule(ctx, SCMP_SYS(clone), "clone",
                      {SCMP_A0(SCMP_CMP_EQ, HUSK_CLONE_FLAGS), SCMP_A1(SCMP_CMP_EQ, HUSK_CLONE_STACK_TOP)});
    if (st) st = add_rule(ctx, SCMP_SYS(exit), "exit", {SCMP_A0(SCMP_CMP_EQ, 0)});
    if (!st) return st;

    // libseccomp 2.5 exports to a file descriptor only.
    int fd = memfd_create("helios-husk-filter", MFD_CLOEXEC);
    if (fd < 0) return errno_failure("memfd_create(helios-husk-filter)");
    struct Close {
        int fd;
        ~Close() { close(fd); }
    } close_fd{fd};
    if (int rc = seccomp_export_bpf(ctx, fd); rc < 0) return errno_failure("seccomp_export_bpf", -rc);
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0)
        return Status::failure(fmt::format("seccomp_export_bpf wrote {} bytes, not whole instructions", size));
    std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
    if (pread(fd, program.data(), static_cast<size_t>(size), 0) != size) return errno_failure("reading the filter");
    return program;
}

}  // namespace

const HostResult<std::vector<sock_filter>>& husk_filter() {
    static const HostResult<std::vector<sock_filter>> filter = []() -> HostResult<std::vector<sock_filter>> {
        auto rules = compile_rules();
        if (!rules) return rules.status();
        std::vector<sock_filter> program = prologue();
        program.insert(program.end(), rules->begin(), rules->end());
        const size_t bytes = program.size() * sizeof(sock_filter);
        if (program.size() > BPF_MAXINSNS || bytes > HUSK_MB_FILTER_MAX)
            return Status::failure(fmt::format("the husk filter has {} instructions: too long", program.size()));
        return program;
    }();
    return filter;
}

}  // namespace helios::sim
