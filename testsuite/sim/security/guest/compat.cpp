// sec_compat: a thread leaves 64-bit mode and is then retired; the husk must never run its code.
//
// The attack of issue 11. A worker in its own vspace and cspace far-returns
// into the 32-bit user code segment (cs 0x23). In compat mode the CPU uses
// only the low 32 bits of rip, so a husk path that resumes the thread at
// HUSK_THREAD_EXIT_ADDR (0x7FFFD0000040) with the guest's cs runs guest
// code at 0xD0000040 instead: there we put i386 `int $0x80` calls, creat
// of the canary then exit, which are real Linux system calls whenever the
// thread runs without syscall emulation. The same page holds the compat
// code of each mode and the canary path. Command line: "CANARY MODE":
//
//   exit     compat `int $0x80` with eax = Helios exit
//   syscall  compat `syscall` with eax = Helios exit (#UD on Intel, a syscall on AMD)
//   yield    compat `int $0x80` with eax = Helios yield, then Helios exit the same way
//   destroy  compat `hlt` (a fault); the supervisor then destroys the task
//   kill     compat `hlt`; the task stays suspended until `--inject kill-task`
//   linux    compat `int $0x80`, `syscall` and `sysenter` with i386 creat (8) of the canary; then hlt
//
// The supervisor (init) polls the worker's fault endpoint between yields
// for kRounds rounds, reports what it saw, and exits 0. Expected once the
// husk is sealed: a GENERAL_PROTECTION fault at the worker's first stop in
// compat mode, and the canary never exists.
#include "attack.h"

namespace {

constexpr const char* kProg = "sec_compat";
constexpr uint64_t kCodePage = 0xD0000000;
constexpr uint64_t kIpcPage = 0xD0001000;
constexpr uint32_t kPayload = 0xD0000040;  // HUSK_THREAD_EXIT_ADDR truncated to 32 bits
constexpr uint32_t kCompatCode = 0xD0000100;
constexpr uint32_t kPathAddr = 0xD0000800;
constexpr uint64_t kStackTop = 0xD0000F00;
constexpr uint64_t kFarReturnIp = kCodePage + 8;  // the lretq of Code::far_return64 at the entry
constexpr uint8_t kUser32Cs = 0x23;
constexpr uint32_t kI386Creat = 8, kI386Exit = 1, kMode0644 = 0644;
constexpr uint64_t kRounds = 3000;  // about 3 ms of virtual time (1 us per kernel entry)

enum class Mode { Exit, Syscall, Yield, Destroy, Kill, Linux };

bool parse_mode(const char* word, Mode& mode) {
    struct {
        const char* name;
        Mode mode;
    } const table[] = {{"exit", Mode::Exit},       {"syscall", Mode::Syscall}, {"yield", Mode::Yield},
                       {"destroy", Mode::Destroy}, {"kill", Mode::Kill},       {"linux", Mode::Linux}};
    for (const auto& e : table)
        if (systest::str_eq(word, e.name)) {
            mode = e.mode;
            return true;
        }
    return false;
}

// Fills the worker's only code page: 64-bit entry at +0, the escape payload
// at +0x40, the mode's compat code at +0x100, the canary path at +0x800.
void write_code_page(uint8_t* page, Mode mode, const char* path) {
    attack::Code(page).far_return64(kUser32Cs, kCompatCode);
    attack::Code(page + (kPayload - kCodePage))
        .mov_eax(kI386Creat)
        .mov_ebx(kPathAddr)
        .mov_ecx(kMode0644)
        .int80()
        .mov_eax(kI386Exit)
        .mov_ebx(0)
        .int80()
        .spin();
    attack::Code c(page + (kCompatCode - kCodePage));
    switch (mode) {
        case Mode::Exit: c.mov_eax(HELIOS_SYS_exit).mov_edi(0).int80().hlt().spin(); break;
        case Mode::Syscall: c.mov_eax(HELIOS_SYS_exit).mov_edi(0).syscall().hlt().spin(); break;
        case Mode::Yield:
            c.mov_eax(HELIOS_SYS_yield).int80().mov_eax(HELIOS_SYS_exit).mov_edi(0).int80().hlt().spin();
            break;
        case Mode::Destroy:
        case Mode::Kill: c.hlt().spin(); break;
        case Mode::Linux:
            c.mov_eax(kI386Creat).mov_ebx(kPathAddr).mov_ecx(kMode0644).int80();
            c.mov_eax(kI386Creat).mov_ebx(kPathAddr).mov_ecx(kMode0644).syscall();
            c.mov_eax(kI386Creat).mov_ebx(kPathAddr).mov_ecx(kMode0644).sysenter();
            c.hlt().spin();
            break;
    }
    size_t i = 0;
    for (; path[i] != '\0' && i < 0x400; ++i) page[(kPathAddr - kCodePage) + i] = static_cast<uint8_t>(path[i]);
    page[(kPathAddr - kCodePage) + i] = 0;
}

}  // namespace

int main() {
    char path[200];
    attack::canary_path(path, sizeof path);
    char word[16] = "";
    Mode mode = Mode::Exit;
    if (!systest::cmdline_word(1, word, sizeof word) || !parse_mode(word, mode)) {
        helios::printf("%s: FAIL unknown mode '%s'\n", kProg, word);
        return 1;
    }

    // The worker lives in its own vspace and cspace, as a driver would: a
    // kill-task injection then takes only the worker's process.
    helios_caddr_t vs = systest::make(kProg, HELIOS_CT_VSPACE, "allocate vspace");
    auto cs = static_cast<helios_caddr_t>(systest::expect_ok(
        kProg, "allocate cspace", helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_CSPACE, 2)));
    helios_caddr_t ep = systest::make(kProg, HELIOS_CT_ENDPOINT, "allocate endpoint");
    (void)attack::place_page(kProg, vs, kCodePage, HELIOS_MAP_WRITE | HELIOS_MAP_EXEC,
                             [&](uint8_t* p) { write_code_page(p, mode, path); });
    (void)attack::place_page(kProg, vs, kIpcPage, HELIOS_MAP_WRITE, [](uint8_t*) {});

    helios_caddr_t task = systest::make(kProg, HELIOS_CT_TASK, "allocate task");
    helios_regs regs{};
    regs.rip = kCodePage;
    regs.rsp = kStackTop;
    regs.rflags = 0x202;
    systest::expect_ok(kProg, "task_write_registers", helios::task_write_registers(task, &regs));
    systest::expect_ok(kProg, "task_set_fault", helios::task_set_fault(task, ep, 0xC0));
    systest::expect_ok(kProg, "task_configure", helios::task_configure(task, cs, vs, kIpcPage));
    uint64_t id = systest::expect_ok(kProg, "task_info", helios::task_info(task));
    helios::printf("%s: mode %s, worker task %lu\n", kProg, word, static_cast<unsigned long>(id));
    systest::expect_ok(kProg, "task_resume", helios::task_resume(task));

    bool destroyed = false;
    uint64_t faults = 0;
    for (uint64_t round = 0; round < kRounds; ++round) {
        helios::sys::SysResult got = helios::sys::nbrecv(ep);
        if (got.ok() && HELIOS_TAG_LABEL(got.value) == HELIOS_LABEL_FAULT) {
            const uint64_t* p = helios::ipcbuf()->params;
            ++faults;
            helios::printf("%s: worker fault %s ip 0x%lx addr 0x%lx\n", kProg,
                           attack::fault_name(p[HELIOS_FAULT_P_KIND]), static_cast<unsigned long>(p[HELIOS_FAULT_P_IP]),
                           static_cast<unsigned long>(p[HELIOS_FAULT_P_ADDR]));
            // The far return itself faulting means the host refuses cs 0x23
            // (no usable 32-bit code segment): compat mode is out of reach.
            if (faults == 1 && p[HELIOS_FAULT_P_IP] == kFarReturnIp)
                helios::printf("%s: the far return to cs 0x23 faulted: compat mode is not reachable here\n", kProg);
            // Every mode but kill and linux retires the faulted worker here:
            // that is the supervisor's destroy path.
            if (mode != Mode::Kill && mode != Mode::Linux && !destroyed) {
                systest::expect_ok(kProg, "destroy the worker", helios::cspace_destroy(HELIOS_INIT_CAP_CSPACE, task));
                destroyed = true;
                helios::printf("%s: worker destroyed by its supervisor\n", kProg);
            }
        }
        (void)helios::sys::yield();
    }
    // A kill-task injection destroys the worker and revokes our capability to it.
    if (mode == Mode::Kill)
        helios::printf("%s: worker %s\n", kProg,
                       helios::task_info(task).ok() ? "still exists" : "gone after kill-task");
    helios::printf("%s: done after %lu rounds, %lu worker faults\n", kProg, static_cast<unsigned long>(kRounds),
                   static_cast<unsigned long>(faults));
    return 0;
}
