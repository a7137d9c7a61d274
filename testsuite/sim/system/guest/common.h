// Helpers shared by the whole-system test programs: checks that fail loudly, threads, command-line words.
#ifndef HELIOS_SYSTEM_GUEST_COMMON_H
#define HELIOS_SYSTEM_GUEST_COMMON_H

#include <helios/abi.h>
#include <helios/console.h>
#include <helios/invoke.h>
#include <helios/rt.h>
#include <helios/syscall.h>
#include <stddef.h>
#include <stdint.h>

namespace systest {

// Prints "<prog>: FAIL <what>" with the values and exits with status 1: the
// host test sees both the exit status and the reason.
[[noreturn]] inline void fail(const char* prog, const char* what, uint64_t got, uint64_t want) {
    helios::printf("%s: FAIL %s: got 0x%lx, want 0x%lx\n", prog, what, static_cast<unsigned long>(got),
                   static_cast<unsigned long>(want));
    helios::rt::exit(1);
}

inline void expect_eq(const char* prog, const char* what, uint64_t got, uint64_t want) {
    if (got != want) fail(prog, what, got, want);
}

// A result that must be NONE.
inline uint64_t expect_ok(const char* prog, const char* what, helios::SysResult r) {
    if (!r.ok()) fail(prog, what, r.status, HELIOS_ENONE);
    return r.value;
}

// Allocates a page and maps it writable at vaddr in our own vspace (page
// tables allocated as needed). Returns the page capability.
inline helios_caddr_t map_new_page(const char* prog, uint64_t vaddr) {
    auto page = static_cast<helios_caddr_t>(
        expect_ok(prog, "allocate page", helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_PAGE)));
    expect_ok(prog, "map page",
              helios::map_page(HELIOS_INIT_CAP_MEMORY, HELIOS_INIT_CAP_VSPACE, page, vaddr, HELIOS_MAP_WRITE));
    return page;
}

// A second thread of this program: a task sharing our cspace and vspace,
// with its own IPC buffer page at `base` and a stack of kStackPages above it.
struct Thread {
    static constexpr uint64_t kStackPages = 4;
    helios_caddr_t task = 0;
    uint64_t ipcbuf = 0;
    uint64_t stack_top = 0;
};

// Creates and starts a thread running entry(arg). fault_ep (0: none) gets
// its faults with cookie. The new task runs at `priority`.
inline Thread start_thread(const char* prog, uint64_t base, void (*entry)(uint64_t), uint64_t arg,
                           helios_caddr_t fault_ep, uint64_t cookie, uint64_t priority = HELIOS_PRIORITY_DEFAULT) {
    Thread t;
    t.ipcbuf = base;
    map_new_page(prog, base);
    for (uint64_t i = 1; i <= Thread::kStackPages; ++i) map_new_page(prog, base + i * HELIOS_PAGE_SIZE);
    t.stack_top = base + (Thread::kStackPages + 1) * HELIOS_PAGE_SIZE;
    t.task = static_cast<helios_caddr_t>(
        expect_ok(prog, "allocate task", helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_TASK)));
    helios_regs regs{};
    regs.rip = reinterpret_cast<uint64_t>(entry);
    regs.rsp = t.stack_top - 8;  // as after a call: rsp % 16 == 8 at entry
    regs.rdi = arg;
    regs.rflags = 0x202;
    expect_ok(prog, "task_write_registers", helios::task_write_registers(t.task, &regs));
    if (fault_ep != 0) expect_ok(prog, "task_set_fault", helios::task_set_fault(t.task, fault_ep, cookie));
    expect_ok(prog, "task_set_priority", helios::task_set_priority(t.task, priority));
    expect_ok(prog, "task_configure",
              helios::task_configure(t.task, HELIOS_INIT_CAP_CSPACE, HELIOS_INIT_CAP_VSPACE, t.ipcbuf));
    expect_ok(prog, "task_resume", helios::task_resume(t.task));
    return t;
}

// Allocates one kernel object of type; returns its caddr.
inline helios_caddr_t make(const char* prog, uint64_t type, const char* what) {
    return static_cast<helios_caddr_t>(
        expect_ok(prog, what, helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, type)));
}

// The i-th blank-separated word of init's command line (bootinfo.cmdline)
// copied into out; false when there is no such word.
inline bool cmdline_word(unsigned index, char* out, size_t cap) {
    const helios_bootinfo* info = helios::rt::bootinfo();
    if (info == nullptr || cap == 0) return false;
    const char* p = info->cmdline;
    const char* end = info->cmdline + sizeof info->cmdline;
    for (unsigned i = 0;; ++i) {
        while (p < end && *p == ' ') ++p;
        if (p >= end || *p == '\0') return false;
        const char* word = p;
        while (p < end && *p != ' ' && *p != '\0') ++p;
        if (i == index) {
            size_t n = static_cast<size_t>(p - word);
            if (n >= cap) n = cap - 1;
            for (size_t k = 0; k < n; ++k) out[k] = word[k];
            out[n] = '\0';
            return true;
        }
    }
}

// The i-th word of the command line as a decimal number, or fallback.
inline uint64_t cmdline_number(unsigned index, uint64_t fallback) {
    char word[32];
    if (!cmdline_word(index, word, sizeof word) || word[0] == '\0') return fallback;
    uint64_t v = 0;
    for (const char* p = word; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9') return fallback;
        v = v * 10 + static_cast<uint64_t>(*p - '0');
    }
    return v;
}

inline bool str_eq(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) ++a, ++b;
    return *a == *b;
}

}  // namespace systest

#endif
