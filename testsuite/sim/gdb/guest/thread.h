// A second thread for the gdb stub's test programs: a task sharing init's cspace and vspace.
#ifndef HELIOS_TESTSUITE_SIM_GDB_GUEST_THREAD_H
#define HELIOS_TESTSUITE_SIM_GDB_GUEST_THREAD_H

#include <helios/abi.h>
#include <helios/console.h>
#include <helios/invoke.h>
#include <helios/rt.h>
#include <helios/syscall.h>
#include <stdint.h>

namespace gdbtest {

[[noreturn]] inline void fail(const char* what, uint64_t status) {
    helios::printf("gdb guest: FAIL %s: %lu\n", what, static_cast<unsigned long>(status));
    helios::rt::exit(1);
}

inline helios_caddr_t check(const char* what, helios::SysResult r) {
    if (!r.ok()) fail(what, r.status);
    return static_cast<helios_caddr_t>(r.value);
}

inline helios_caddr_t make(uint64_t type, const char* what) {
    return check(what, helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, type));
}

inline void map_new_page(uint64_t vaddr) {
    helios_caddr_t page = make(HELIOS_CT_PAGE, "allocate page");
    check("map page", helios::map_page(HELIOS_INIT_CAP_MEMORY, HELIOS_INIT_CAP_VSPACE, page, vaddr, HELIOS_MAP_WRITE));
}

// Starts entry(arg) on a new task with its IPC buffer at base and four stack
// pages above it; its faults go to fault_ep (0: none). Returns the task cap.
inline helios_caddr_t start_thread(uint64_t base, void (*entry)(uint64_t), uint64_t arg, helios_caddr_t fault_ep) {
    constexpr uint64_t kStackPages = 4;
    for (uint64_t i = 0; i <= kStackPages; ++i) map_new_page(base + i * HELIOS_PAGE_SIZE);
    helios_caddr_t task = make(HELIOS_CT_TASK, "allocate task");
    helios_regs regs{};
    regs.rip = reinterpret_cast<uint64_t>(entry);
    regs.rsp = base + (kStackPages + 1) * HELIOS_PAGE_SIZE - 8;  // as after a call
    regs.rdi = arg;
    regs.rflags = 0x202;
    check("task_write_registers", helios::task_write_registers(task, &regs));
    if (fault_ep != 0) check("task_set_fault", helios::task_set_fault(task, fault_ep, 0));
    check("task_configure", helios::task_configure(task, HELIOS_INIT_CAP_CSPACE, HELIOS_INIT_CAP_VSPACE, base));
    check("task_resume", helios::task_resume(task));
    return task;
}

}  // namespace gdbtest

#endif
