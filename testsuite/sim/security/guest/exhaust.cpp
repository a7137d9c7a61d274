// sec_exhaust: a guest that creates host resources until it gets an error (or reaches its cap).
//
// Every address space is a husk process and (until tasks are made cheap)
// every task a Linux thread, every separate mapping a Linux mapping: a
// hostile guest with enough memory quota can ask for more than the host
// gives. The simulator must answer with an error (NOMEM) instead of ending
// the run. Command line: "MODE CAP":
//
//   spaces    address spaces, each with one task running (blocked in wait)
//   tasks     tasks in our own vspace, each resumed and blocked in wait
//   mappings  separate page mappings (one page, then a one-page hole)
//
// The created capabilities are moved into storage cspaces (init's own has
// 4096 slots). Output: progress lines, then one of
//   "sec_exhaust: MODE stopped at N by STATUS (free pages F)"
//   "sec_exhaust: MODE reached N without an error (free pages F)"
// and exit 0; another error than NOMEM exits 1. F, the memory quota left,
// shows whether the quota or a host limit stopped it.
#include "attack.h"

namespace {

constexpr const char* kProg = "sec_exhaust";
constexpr unsigned kStorageRadix = 16;
constexpr uint64_t kStorageSlots = uint64_t{1} << kStorageRadix;
constexpr unsigned kStorageCspaces = 3;
constexpr uint64_t kSpaceCodeAddr = 0x1000000;  // code and IPC buffer of each space's task
constexpr uint64_t kMappingBase = 0x100000000;  // 4 GiB: far from our image and stacks
constexpr uint64_t kTaskIpcbuf = 0x20000000;

helios_caddr_t g_storage[kStorageCspaces];
uint64_t g_stored = 0;
helios_caddr_t g_note = 0;  // nobody signals it: every blocker waits forever

// The blocker of the tasks mode: wait(rdi) in a loop, no stack needed.
extern "C" void blocker();
asm(R"(
        .text
        .globl blocker
blocker:
        mov $10, %eax
        syscall
        jmp blocker
)");

// A failed step: NOMEM (or a reached cap) ends the run cleanly, anything else is a failure.
struct Stop {
    bool stopped = false;
    uint64_t status = HELIOS_ENONE;
    const char* step = "";
};

bool failed(helios::SysResult r, const char* step, Stop& stop) {
    if (r.ok()) return false;
    stop = {true, r.status, step};
    return true;
}

// Moves cap out of our cspace into the next storage slot.
bool store(helios_caddr_t cap, Stop& stop) {
    if (g_stored >= kStorageCspaces * kStorageSlots) return !failed({HELIOS_ENOMEM, 0}, "storage full", stop);
    helios_caddr_t target = g_storage[g_stored / kStorageSlots];
    auto dest = static_cast<helios_caddr_t>(g_stored % kStorageSlots);
    if (failed(helios::cspace_move_to(HELIOS_INIT_CAP_CSPACE, target, dest, cap), "move to storage", stop))
        return false;
    ++g_stored;
    return true;
}

bool alloc(uint64_t type, helios_caddr_t& out, const char* step, Stop& stop) {
    helios::SysResult r = helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, type);
    if (failed(r, step, stop)) return false;
    out = static_cast<helios_caddr_t>(r.value);
    return true;
}

// Configures task (already allocated) to run rip with rdi = the notification, and resumes it.
bool start_blocker(helios_caddr_t task, helios_caddr_t vspace, uint64_t rip, uint64_t ipcbuf, Stop& stop) {
    helios_regs regs{};
    regs.rip = rip;
    regs.rdi = g_note;
    regs.rflags = 0x202;
    return !failed(helios::task_write_registers(task, &regs), "task_write_registers", stop) &&
           !failed(helios::task_configure(task, HELIOS_INIT_CAP_CSPACE, vspace, ipcbuf), "task_configure", stop) &&
           !failed(helios::task_resume(task), "task_resume", stop);
}

// One address space: vspace, its three tables, one page (code and IPC
// buffer) and a task that runs once and blocks.
bool one_space(Stop& stop) {
    helios_caddr_t vs, pdpt, pd, pt, task;
    if (!alloc(HELIOS_CT_VSPACE, vs, "allocate vspace", stop) || !alloc(HELIOS_CT_PDPT, pdpt, "allocate pdpt", stop) ||
        !alloc(HELIOS_CT_PD, pd, "allocate pd", stop) || !alloc(HELIOS_CT_PT, pt, "allocate pt", stop))
        return false;
    if (failed(helios::pdpt_map(pdpt, vs, kSpaceCodeAddr), "pdpt_map", stop) ||
        failed(helios::pd_map(pd, vs, kSpaceCodeAddr), "pd_map", stop) ||
        failed(helios::pt_map(pt, vs, kSpaceCodeAddr), "pt_map", stop))
        return false;
    helios::SysResult page = helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_PAGE);
    if (failed(page, "allocate page", stop)) return false;
    auto pg = static_cast<helios_caddr_t>(page.value);
    if (failed(helios::map_page(HELIOS_INIT_CAP_MEMORY, HELIOS_INIT_CAP_VSPACE, pg, attack::kStagingAddr,
                                HELIOS_MAP_WRITE),
               "stage page", stop))
        return false;
    // mov edi, note; mov eax, 10 (wait); syscall; jmp back to the start.
    attack::Code(reinterpret_cast<uint8_t*>(attack::kStagingAddr))
        .mov_edi(static_cast<uint32_t>(g_note))
        .mov_eax(HELIOS_SYS_wait)
        .syscall()
        .byte(0xEB)
        .byte(0xF2);
    if (failed(helios::page_unmap(pg), "unmap staged page", stop) ||
        failed(helios::page_map(pg, vs, kSpaceCodeAddr, HELIOS_MAP_WRITE | HELIOS_MAP_EXEC), "map page", stop))
        return false;
    if (!alloc(HELIOS_CT_TASK, task, "allocate task", stop) ||
        !start_blocker(task, vs, kSpaceCodeAddr, kSpaceCodeAddr, stop))
        return false;
    // Let it run once (its husk and thread come to life) before the next.
    (void)helios::sys::yield();
    for (helios_caddr_t cap : {vs, pdpt, pd, pt, pg, task})
        if (!store(cap, stop)) return false;
    return true;
}

bool one_task(Stop& stop) {
    helios_caddr_t task;
    if (!alloc(HELIOS_CT_TASK, task, "allocate task", stop) ||
        !start_blocker(task, HELIOS_INIT_CAP_VSPACE, reinterpret_cast<uint64_t>(&blocker), kTaskIpcbuf, stop))
        return false;
    (void)helios::sys::yield();
    return store(task, stop);
}

bool one_mapping(uint64_t i, Stop& stop) {
    helios::SysResult page = helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_PAGE);
    if (failed(page, "allocate page", stop)) return false;
    auto pg = static_cast<helios_caddr_t>(page.value);
    // Every other page, so that no two mappings can merge into one.
    if (failed(helios::map_page(HELIOS_INIT_CAP_MEMORY, HELIOS_INIT_CAP_VSPACE, pg,
                                kMappingBase + i * 2 * HELIOS_PAGE_SIZE, HELIOS_MAP_WRITE),
               "map page", stop))
        return false;
    return store(pg, stop);
}

uint64_t free_pages() {
    helios::SysResult r = helios::memory_info(HELIOS_INIT_CAP_MEMORY);
    return r.ok() ? r.value : 0;
}

}  // namespace

int main() {
    char mode[16] = "";
    (void)systest::cmdline_word(0, mode, sizeof mode);
    const uint64_t cap = systest::cmdline_number(1, 10000);
    const bool spaces = systest::str_eq(mode, "spaces"), tasks = systest::str_eq(mode, "tasks"),
               mappings = systest::str_eq(mode, "mappings");
    if (!spaces && !tasks && !mappings) {
        helios::printf("%s: FAIL unknown mode '%s'\n", kProg, mode);
        return 1;
    }
    for (helios_caddr_t& cs : g_storage)
        cs = static_cast<helios_caddr_t>(
            systest::expect_ok(kProg, "allocate a storage cspace",
                               helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_CSPACE, kStorageRadix)));
    g_note = systest::make(kProg, HELIOS_CT_NOTIFICATION, "allocate notification");
    if (tasks) systest::map_new_page(kProg, kTaskIpcbuf);
    helios::printf("%s: %s up to %lu, free pages %lu\n", kProg, mode, static_cast<unsigned long>(cap),
                   static_cast<unsigned long>(free_pages()));

    Stop stop;
    uint64_t made = 0;
    for (; made < cap; ++made) {
        bool ok = spaces ? one_space(stop) : tasks ? one_task(stop) : one_mapping(made, stop);
        if (!ok) break;
        if ((made + 1) % 1000 == 0) helios::printf("%s: %s %lu\n", kProg, mode, static_cast<unsigned long>(made + 1));
    }
    if (!stop.stopped) {
        helios::printf("%s: %s reached %lu without an error (free pages %lu)\n", kProg, mode,
                       static_cast<unsigned long>(made), static_cast<unsigned long>(free_pages()));
        return 0;
    }
    helios::printf("%s: %s stopped at %lu by status %lu at %s (free pages %lu)\n", kProg, mode,
                   static_cast<unsigned long>(made), static_cast<unsigned long>(stop.status), stop.step,
                   static_cast<unsigned long>(free_pages()));
    return stop.status == HELIOS_ENOMEM ? 0 : 1;
}
