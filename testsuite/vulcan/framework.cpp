// Vulcan's runner: test selection from the kernel command line, per-test resources, leak checks, reporting.
#include <helios/console.h>
#include <helios/format.h>
#include <helios/portio.h>
#include <helios/rt.h>
#include <helios/tls.h>

#include "lib/string.h"
#include "vulcan.h"

namespace vulcan {

namespace {

using helios::threads::Thread;

constexpr uint64_t kThreadsPages = 4096;
constexpr uint64_t kVaBase = 0x0000500000000000ull;
constexpr uint64_t kVaStride = 0x40000000ull;  // 1 GiB per test
constexpr uint64_t kThreadFailStatus = 0xFA11;
constexpr unsigned kMaxDefers = 16;
constexpr unsigned kMaxThreads = 32;

Test* g_first = nullptr;
Test* g_last = nullptr;
Context g_ctx;

// The first failure of the running test.
struct FailureRecord {
    bool failed;
    const char* file;
    int line;
    char text[160];
};
FailureRecord g_failure;
const char* g_skipped = nullptr;  // why the running test skipped itself
const char* g_cmdline = "";
void* g_jump[5];  // __builtin_setjmp buffer of the running test
bool g_in_test = false;

struct Deferred {
    void (*fn)(uint64_t);
    uint64_t arg;
};
Deferred g_defers[kMaxDefers];
unsigned g_ndefers = 0;

Thread* g_threads[kMaxThreads];
helios_caddr_t g_threads_mem = HELIOS_CADDR_UNDEF;
unsigned g_runner_threads = 0;  // the watchdog
constexpr unsigned kDeadlockTurns = 2000;
helios_caddr_t g_com1 = HELIOS_CADDR_UNDEF;
bool g_mirror_com1 = false;

// Devices some tests need besides COM1, probed once at start. A listed test
// whose device this machine lacks is reported SKIP with the reason instead
// of failing (helios-sim and scripts/run-qemu.sh both give COM2 by default;
// a machine without it, e.g. QEMU given other arguments, skips).
constexpr uint16_t kCom2 = 0x2F8;
bool g_com2 = false;
struct DeviceNeed {
    const char* module;
    const char* name;
    const bool* present;
    const char* why;
};
const DeviceNeed kDeviceNeeds[] = {
    {"ioport", "out_of_range", &g_com2, "needs a COM2 UART at 0x2F8: this machine has none"},
};

// A 16550 at kCom2: its scratch register keeps what is written and its line
// status is not 0xFF (what a port with no device reads).
bool probe_com2() {
    SysResult io = helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, kCom2, kCom2 + 7);
    if (!io.ok()) return false;
    namespace port = helios::port;
    uint8_t old = port::inb(kCom2 + 7);
    port::outb(kCom2 + 7, 0xA5);
    bool present = port::inb(kCom2 + 7) == 0xA5;
    port::outb(kCom2 + 7, 0x5A);
    present = present && port::inb(kCom2 + 7) == 0x5A && port::inb(kCom2 + 5) != 0xFF;
    port::outb(kCom2 + 7, old);
    (void)helios::cspace_destroy(HELIOS_INIT_CAP_CSPACE, static_cast<helios_caddr_t>(io.value));
    return present;
}

// Why `t` cannot run on this machine, or nullptr.
const char* missing_device(const Test* t) {
    for (const DeviceNeed& need : kDeviceNeeds)
        if (!*need.present && helios::lib::equal(t->module, need.module) && helios::lib::equal(t->name, need.name))
            return need.why;
    return nullptr;
}

const char* basename(const char* path) {
    const char* b = path;
    for (const char* p = path; *p; ++p)
        if (*p == '/') b = p + 1;
    return b;
}

void com1_put(const char* text, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        while ((helios::port::inb(kCom1 + 5) & 0x20) == 0) {
        }
        helios::port::outb(kCom1, static_cast<uint8_t>(text[i]));
    }
}

// One line of the report, on the kernel console and (cmdline `com1`) COM1.
__attribute__((format(printf, 1, 2))) void report(const char* fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    size_t n = helios::vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n >= sizeof line) n = sizeof line - 1;
    helios::write_console(line, n);
    if (g_mirror_com1 && g_com1 != HELIOS_CADDR_UNDEF) com1_put(line, n);
}

void record(const char* file, int line, const char* text) {
    if (g_failure.failed) return;
    g_failure.failed = true;
    g_failure.file = file;
    g_failure.line = line;
    helios::lib::copy_string(g_failure.text, sizeof g_failure.text, text);
}

[[noreturn]] void abandon() {
    if (helios::threads::self() != nullptr) helios::threads::exit(kThreadFailStatus);
    if (g_in_test) __builtin_longjmp(g_jump, 1);
    report("vulcan: check failed outside a test: %s:%d: %s\n", basename(g_failure.file), g_failure.line,
           g_failure.text);
    helios::rt::exit(3);
}

// Where the watchdog sends a deadlocked main thread: back to the runner.
[[noreturn]] void recover_from_deadlock() {
    __builtin_longjmp(g_jump, 1);
}

// Ends the running test from the watchdog: the main thread and every test
// thread are blocked. Suspends the main thread, points it at
// recover_from_deadlock, then removes what it can be waiting for (the test's
// threads, which hold the join notifications and pending replies, and the
// test's memory with every endpoint and notification) and resumes it.
void rescue_main() {
    constexpr helios_caddr_t kMain = HELIOS_INIT_CAP_TASK;
    if (!helios::task_suspend(kMain).ok()) return;
    helios_regs regs;
    if (helios::task_read_registers(kMain, &regs).ok()) {
        regs.rsp = ((regs.rsp - 512) & ~15ull) - 8;  // as if called
        regs.rip = reinterpret_cast<uint64_t>(&recover_from_deadlock);
        (void)helios::task_write_registers(kMain, &regs);
    }
    for (Thread*& t : g_threads) {
        if (t) (void)helios::threads::kill(t);
        t = nullptr;
    }
    if (g_ctx.mem != HELIOS_CADDR_UNDEF) (void)helios::cspace_destroy(HELIOS_INIT_CAP_CSPACE, g_ctx.mem);
    g_ctx.mem = HELIOS_CADDR_UNDEF;
    (void)helios::task_resume(kMain);
}

// Runs at priority 0: it gets the processor only when every other task is
// blocked. During a test that means the test hangs, once it has lasted
// kDeadlockTurns turns in a row (a device interrupt may be on its way).
void watchdog(uint64_t) {
    unsigned turns = 0;
    for (;;) {
        (void)helios::sys::yield();
        bool main_blocked =
            helios::task_info(HELIOS_INIT_CAP_TASK).ok() && (helios::ipcbuf()->params[0] & HELIOS_TASK_BLOCKED);
        if (!g_in_test || !main_blocked) {
            turns = 0;
            continue;
        }
        if (++turns < kDeadlockTurns) continue;
        turns = 0;
        record(__FILE__, __LINE__, "deadlock: the test and all its threads are blocked");
        rescue_main();
    }
}

// The lowest free slot of init's cspace: a leak of slots moves it up.
helios_caddr_t lowest_free_slot() {
    SysResult r = helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_NOTIFICATION);
    if (!r.ok()) return HELIOS_CADDR_UNDEF;
    (void)helios::cspace_destroy(HELIOS_INIT_CAP_CSPACE, static_cast<helios_caddr_t>(r.value));
    return static_cast<helios_caddr_t>(r.value);
}

__attribute__((noinline)) void run_guarded(Test* t) {
    if (__builtin_setjmp(g_jump) == 0) {
        g_in_test = true;
        t->fn();
    }
    g_in_test = false;
}

void cleanup_test() {
    for (unsigned i = 0; i < kMaxThreads; ++i) {
        if (g_threads[i]) {
            (void)helios::threads::kill(g_threads[i]);
            g_threads[i] = nullptr;
        }
    }
    while (g_ndefers > 0) {
        Deferred d = g_defers[--g_ndefers];
        d.fn(d.arg);
    }
}

enum class Outcome { Passed, Failed, Skipped };

// Runs one test.
Outcome run_one(Test* t, unsigned index) {
    g_failure = {};
    g_skipped = nullptr;
    if (const char* why = missing_device(t)) {
        report("%s::%s SKIP (%s)\n", t->module, t->name, why);
        return Outcome::Skipped;
    }
    uint64_t mem_before = used(HELIOS_INIT_CAP_MEMORY);
    helios_caddr_t slot_before = lowest_free_slot();
    SysResult m = helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_MEMORY, kTestPages);
    if (!m.ok()) {
        report("%s::%s FAIL (vulcan: no memory for the test: %s)\n", t->module, t->name, error_name(m.status));
        return Outcome::Failed;
    }
    g_ctx.mem = static_cast<helios_caddr_t>(m.value);
    g_ctx.va = kVaBase + index * kVaStride;
    g_ctx.index = index;
    run_guarded(t);
    bool had_threads = false;
    for (Thread* th : g_threads) had_threads |= th != nullptr;
    cleanup_test();
    if (g_ctx.mem != HELIOS_CADDR_UNDEF) (void)helios::cspace_destroy(HELIOS_INIT_CAP_CSPACE, g_ctx.mem);
    g_ctx.mem = HELIOS_CADDR_UNDEF;
    if (!g_failure.failed) {
        // Leaks: threads the test did not join, memory, capability slots.
        unsigned live = live_threads();
        uint64_t mem_after = used(HELIOS_INIT_CAP_MEMORY);
        helios_caddr_t slot_after = lowest_free_slot();
        char text[96];
        if (had_threads || live != 0) {
            helios::format(text, sizeof text, "leaked threads (%u alive)", live);
            record(__FILE__, __LINE__, text);
        } else if (mem_after != mem_before) {
            helios::format(text, sizeof text, "leaked memory: %lu pages used, %lu before",
                           static_cast<unsigned long>(mem_after), static_cast<unsigned long>(mem_before));
            record(__FILE__, __LINE__, text);
        } else if (slot_after != slot_before) {
            helios::format(text, sizeof text, "leaked capability slots: lowest free %u, %u before", slot_after,
                           slot_before);
            record(__FILE__, __LINE__, text);
        }
    }
    if (g_failure.failed) {
        report("%s::%s FAIL (%s:%d: %s)\n", t->module, t->name, basename(g_failure.file), g_failure.line,
               g_failure.text);
        return Outcome::Failed;
    }
    if (g_skipped) {
        report("%s::%s SKIP (%s)\n", t->module, t->name, g_skipped);
        return Outcome::Skipped;
    }
    report("%s::%s PASS\n", t->module, t->name);
    return Outcome::Passed;
}

// A filter selects "module::case" exactly, or a whole module ("module" or "module::").
bool selected(const Test* t, const char* filter, size_t n) {
    if (n == 0) return true;
    size_t ml = helios::lib::length(t->module);
    if (n < ml || helios::lib::compare(filter, t->module, ml) != 0) return false;
    if (n == ml) return true;
    if (n < ml + 2 || filter[ml] != ':' || filter[ml + 1] != ':') return false;
    if (n == ml + 2) return true;
    return helios::lib::equal(filter + ml + 2, n - ml - 2, t->name);
}

struct Token {
    const char* text;
    size_t len;
};

// The value of `key=` in the command line, or the bare word `key`.
bool find_token(const char* cmdline, const char* key, Token* value) {
    size_t klen = helios::lib::length(key);
    const char* p = cmdline;
    while (*p) {
        while (*p == ' ') ++p;
        const char* start = p;
        while (*p && *p != ' ') ++p;
        size_t n = static_cast<size_t>(p - start);
        if (n >= klen && helios::lib::compare(start, key, klen) == 0) {
            if (n == klen) {
                *value = {start + n, 0};
                return true;
            }
            if (start[klen] == '=') {
                *value = {start + klen + 1, n - klen - 1};
                return true;
            }
        }
    }
    return false;
}

}  // namespace

Registrar::Registrar(Test* test) {
    if (g_last)
        g_last->next = test;
    else
        g_first = test;
    g_last = test;
}

Context& ctx() {
    return g_ctx;
}

void fail(const char* file, int line, const char* expr) {
    record(file, line, expr);
    abandon();
}

void fail_values(const char* file, int line, const char* expr, uint64_t a, uint64_t b) {
    char text[160];
    helios::format(text, sizeof text, "%s [0x%lx vs 0x%lx]", expr, static_cast<unsigned long>(a),
                   static_cast<unsigned long>(b));
    record(file, line, text);
    abandon();
}

void fail_status(const char* file, int line, const char* expr, uint64_t status) {
    char text[160];
    helios::format(text, sizeof text, "%s -> %s", expr, error_name(status));
    record(file, line, text);
    abandon();
}

bool failed() {
    return g_failure.failed;
}

void skip(const char* why) {
    g_skipped = why;
    abandon();
}

bool cmdline_has(const char* word) {
    Token tok{};
    return find_token(g_cmdline, word, &tok);
}

const char* error_name(uint64_t status) {
    const char* name = helios_error_name(status);
    return name ? name : "UNKNOWN";
}

helios_caddr_t alloc(uint64_t type, uint64_t size) {
    SysResult r = helios::memory_allocate_one(g_ctx.mem, type, size);
    CHECK_OK(r);
    return static_cast<helios_caddr_t>(r.value);
}

helios_caddr_t empty_slot() {
    helios_caddr_t slot = alloc(HELIOS_CT_NOTIFICATION);
    destroy(slot);
    return slot;
}

helios_caddr_t alloc_memory(uint64_t pages) {
    return alloc(HELIOS_CT_MEMORY, pages);
}

void destroy(helios_caddr_t cap) {
    CHECK_OK(helios::cspace_destroy(HELIOS_INIT_CAP_CSPACE, cap));
}

uint64_t used(helios_caddr_t memory) {
    SysResult r = helios::memory_info(memory);
    CHECK_OK(r);
    return helios::ipcbuf()->params[1];
}

helios_caddr_t map_new_page(uint64_t vaddr, uint64_t flags) {
    helios_caddr_t page = alloc(HELIOS_CT_PAGE);
    CHECK_OK(helios::map_page(g_ctx.mem, HELIOS_INIT_CAP_VSPACE, page, vaddr, flags));
    return page;
}

void defer(void (*fn)(uint64_t), uint64_t arg) {
    CHECK(g_ndefers < kMaxDefers);
    g_defers[g_ndefers++] = {fn, arg};
}

void defer_destroy(helios_caddr_t cap) {
    defer([](uint64_t c) { (void)helios::cspace_destroy(HELIOS_INIT_CAP_CSPACE, static_cast<helios_caddr_t>(c)); },
          cap);
}

Thread* spawn(helios::threads::Entry entry, uint64_t arg, uint64_t priority, bool start) {
    unsigned i = 0;
    while (i < kMaxThreads && g_threads[i]) ++i;
    CHECK(i < kMaxThreads);
    uint64_t status = 0;
    helios::threads::Options options;
    options.priority = priority;
    Thread* t = helios::threads::create(entry, arg, &status, options);
    if (!t) fail_status(__FILE__, __LINE__, "threads::create", status);
    g_threads[i] = t;
    if (start) CHECK_OK(helios::threads::start(t));
    return t;
}

static void unregister(Thread* t) {
    for (Thread*& slot : g_threads)
        if (slot == t) slot = nullptr;
}

uint64_t join_thread(Thread* t) {
    uint64_t status = 0;
    SysResult r = helios::threads::join(t, &status);
    unregister(t);
    CHECK_OK(r);
    if (status == kThreadFailStatus && g_failure.failed) abandon();
    return status;
}

void kill_thread(Thread* t) {
    unregister(t);
    CHECK_OK(helios::threads::kill(t));
}

void forget_thread(Thread* t) {
    unregister(t);
}

unsigned live_threads() {
    return helios::threads::live() - g_runner_threads;
}

uint64_t task_flags(Thread* t) {
    CHECK_OK(helios::task_info(helios::threads::task(t)));
    return helios::ipcbuf()->params[0];
}

bool wait_blocked(Thread* t, unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
        if (task_flags(t) & (HELIOS_TASK_BLOCKED | HELIOS_TASK_SUSPENDED | HELIOS_TASK_EXITED)) return true;
        (void)helios::sys::yield();
    }
    return false;
}

Fault recv_fault(helios_caddr_t ep) {
    helios::sys::SysResult r = helios::sys::recv(ep);
    CHECK_OK(r);
    CHECK_EQ(HELIOS_TAG_LABEL(r.value), HELIOS_LABEL_FAULT);
    CHECK_EQ(HELIOS_TAG_NPARAMS(r.value), HELIOS_FAULT_NPARAMS);
    const uint64_t* p = helios::ipcbuf()->params;
    return {p[HELIOS_FAULT_P_KIND],   p[HELIOS_FAULT_P_ADDR], p[HELIOS_FAULT_P_IP],
            p[HELIOS_FAULT_P_ACCESS], p[HELIOS_FAULT_P_TASK], p[HELIOS_FAULT_P_COOKIE]};
}

helios_caddr_t com1_ports() {
    return g_com1;
}

}  // namespace vulcan

using namespace vulcan;

int main() {
    const helios_bootinfo* info = helios::rt::bootinfo();
    const char* cmdline = info ? info->cmdline : "";
    g_cmdline = cmdline;
    if (!helios::tls::active()) {
        helios::print("vulcan: no TLS for the main thread\n");
        return 3;
    }
    // Threads (and the page tables of their windows) come from their own
    // Memory, so the per-test leak check of init's Memory ignores them.
    SysResult m = helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_MEMORY, kThreadsPages);
    if (!m.ok()) {
        helios::printf("vulcan: cannot set up thread memory: %s\n", error_name(m.status));
        return 3;
    }
    g_threads_mem = static_cast<helios_caddr_t>(m.value);
    helios::threads::Config config;
    config.memory = g_threads_mem;
    SysResult c = helios::threads::configure(config);
    if (!c.ok()) {
        helios::printf("vulcan: threads::configure: %s\n", error_name(c.status));
        return 3;
    }
    // One thread made and joined up front installs the page tables of the
    // first thread windows, which then stay.
    helios::threads::Thread* warm = helios::threads::spawn([](uint64_t) {}, 0);
    if (!warm || !helios::threads::join(warm).ok()) {
        helios::print("vulcan: cannot run a thread\n");
        return 3;
    }
    helios::threads::Options low;
    low.priority = 0;
    if (!helios::threads::spawn(watchdog, 0, nullptr, low)) {
        helios::print("vulcan: cannot start the watchdog\n");
        return 3;
    }
    g_runner_threads = 1;
    SysResult io = helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, kCom1, kCom1 + 7);
    if (io.ok()) g_com1 = static_cast<helios_caddr_t>(io.value);
    Token tok{};
    g_mirror_com1 = find_token(cmdline, "com1", &tok);
    g_com2 = probe_com2();

    Token filter{"", 0};
    (void)find_token(cmdline, "filter", &filter);
    if (find_token(cmdline, "list", &tok)) {
        for (Test* t = g_first; t; t = t->next)
            if (selected(t, filter.text, filter.len)) report("%s::%s\n", t->module, t->name);
        return 0;
    }

    unsigned passed = 0, failed_count = 0, skipped = 0, index = 0;
    for (Test* t = g_first; t; t = t->next, ++index) {
        if (!selected(t, filter.text, filter.len)) continue;
        Outcome o = run_one(t, index);
        if (o == Outcome::Passed)
            ++passed;
        else if (o == Outcome::Failed)
            ++failed_count;
        else
            ++skipped;
    }
    if (passed + failed_count + skipped == 0) {
        report("vulcan: no test matches the filter\n");
        return 2;
    }
    report("%u passed, %u failed, %u skipped\n", passed, failed_count, skipped);
    return failed_count == 0 ? 0 : 1;
}
