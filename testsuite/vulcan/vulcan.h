// Vulcan: the kernel test suite that runs as init. Test registration, checks and per-test resources.
#ifndef VULCAN_VULCAN_H
#define VULCAN_VULCAN_H

#include <helios/abi.h>
#include <helios/invoke.h>
#include <helios/ipc.h>
#include <helios/syscall.h>
#include <helios/threads.h>
#include <stddef.h>
#include <stdint.h>

// A test is `VULCAN_TEST(module, case) { ... }`, named "module::case". Tests
// run one at a time in declaration order (files in CMakeLists order) on the
// main thread. Each gets:
//   * ctx().mem: a fresh sub-divided Memory (kTestPages) that is destroyed
//     after the test, and with it everything the test allocated from it;
//   * ctx().va: a private 1 GiB of address space (its page tables come from
//     ctx().mem, so they go too);
// and must leave no threads, no capability slots and no memory behind (the
// runner checks, and reports a leak as a failure).
//
// A failed CHECK records the first failure (file, line, expression) and
// abandons the test: on the main thread it jumps back to the runner, on a
// thread made by vulcan::spawn it ends that thread. The runner then kills
// the test's remaining threads and runs its deferred clean-ups.
//
// A test that hangs (the main thread and all its threads blocked) is caught
// by a watchdog thread at priority 0, which runs only when nothing else can:
// it records "deadlock", kills the test's threads and destroys ctx().mem
// (waking the main thread) and sends the main thread back to the runner.
// Test threads must therefore run above priority 0.
namespace vulcan {

using helios::SysResult;

inline constexpr uint64_t kTestPages = 1024;

struct Test {
    const char* module;
    const char* name;
    void (*fn)();
    Test* next;
};

struct Registrar {
    explicit Registrar(Test* test);
};

struct Context {
    helios_caddr_t mem;  // this test's Memory
    uint64_t va;         // base of this test's private address range
    unsigned index;      // position of the test in the suite
};
Context& ctx();

// ---- failures ----
[[noreturn]] void fail(const char* file, int line, const char* expr);
[[noreturn]] void fail_values(const char* file, int line, const char* expr, uint64_t a, uint64_t b);
[[noreturn]] void fail_status(const char* file, int line, const char* expr, uint64_t status);
bool failed();
// Ends the running test (main thread only) as skipped: neither passed nor failed.
[[noreturn]] void skip(const char* why);
// True when the kernel command line has the word (or word=value).
bool cmdline_has(const char* word);
const char* error_name(uint64_t status);

// ---- resources ----
// Allocates one object of type (size: radix or pages) from ctx().mem.
helios_caddr_t alloc(uint64_t type, uint64_t size = 0);
// A Memory of pages sub-divided from ctx().mem.
helios_caddr_t alloc_memory(uint64_t pages);
// Destroys capabilities of init's cspace.
void destroy(helios_caddr_t cap);
// Memory used (pages) of a Memory capability.
uint64_t used(helios_caddr_t memory);
// A fresh page mapped at vaddr (tables from ctx().mem) with flags.
helios_caddr_t map_new_page(uint64_t vaddr, uint64_t flags = HELIOS_MAP_WRITE);
// Runs fn at the end of the test, pass or fail (last registered first).
void defer(void (*fn)(uint64_t), uint64_t arg);
// Destroys cap at the end of the test.
void defer_destroy(helios_caddr_t cap);

// ---- threads of a test (killed by the runner if the test abandons them) ----
helios::threads::Thread* spawn(helios::threads::Entry entry, uint64_t arg, uint64_t priority = HELIOS_PRIORITY_DEFAULT,
                               bool start = true);
uint64_t join_thread(helios::threads::Thread* t);  // returns the exit status
void kill_thread(helios::threads::Thread* t);      // ends it wherever it is
void forget_thread(helios::threads::Thread* t);    // after a successful detach
// Threads alive besides the runner's own (its deadlock watchdog).
unsigned live_threads();
// Task state flags of a thread (HELIOS_TASK_*).
uint64_t task_flags(helios::threads::Thread* t);
// Yields until the thread is blocked (or suspended, or exited), at most n times.
bool wait_blocked(helios::threads::Thread* t, unsigned n = 1000);

// identify(): type and rights of a capability (CHECKs the call).
inline uint64_t identify(helios_caddr_t cap) {
    helios::sys::SysResult r = helios::sys::identify(cap);
    if (!r.ok()) fail_status(__FILE__, __LINE__, "identify", r.status);
    return r.value;
}
inline unsigned type_of(helios_caddr_t cap) {
    return HELIOS_IDENTIFY_TYPE(identify(cap));
}
inline unsigned rights_of(helios_caddr_t cap) {
    return HELIOS_IDENTIFY_RIGHTS(identify(cap));
}

// A caddr of init's cspace that is empty right now.
helios_caddr_t empty_slot();

// ---- faults ----
struct Fault {
    uint64_t kind, addr, ip, access, task, cookie;
};
// Receives one message on ep, which must be a fault record.
Fault recv_fault(helios_caddr_t ep);

// ---- the COM1 UART ----
inline constexpr uint16_t kCom1 = 0x3F8;
// An IOPort for COM1's eight registers, issued once.
helios_caddr_t com1_ports();

}  // namespace vulcan

#define VULCAN_CAT_(a, b) a##b
#define VULCAN_CAT(a, b) VULCAN_CAT_(a, b)

#define VULCAN_TEST(module, name)                                                                            \
    static void vulcan_test_##module##_##name();                                                             \
    static vulcan::Test vulcan_t_##module##_##name{#module, #name, &vulcan_test_##module##_##name, nullptr}; \
    static vulcan::Registrar vulcan_r_##module##_##name{&vulcan_t_##module##_##name};                        \
    static void vulcan_test_##module##_##name()

#define CHECK(cond)                                             \
    do {                                                        \
        if (!(cond)) ::vulcan::fail(__FILE__, __LINE__, #cond); \
    } while (0)

#define CHECK_EQ(a, b)                                                                                             \
    do {                                                                                                           \
        uint64_t vulcan_a_ = static_cast<uint64_t>(a), vulcan_b_ = static_cast<uint64_t>(b);                       \
        if (vulcan_a_ != vulcan_b_) ::vulcan::fail_values(__FILE__, __LINE__, #a " == " #b, vulcan_a_, vulcan_b_); \
    } while (0)

#define CHECK_NE(a, b)                                                                                             \
    do {                                                                                                           \
        uint64_t vulcan_a_ = static_cast<uint64_t>(a), vulcan_b_ = static_cast<uint64_t>(b);                       \
        if (vulcan_a_ == vulcan_b_) ::vulcan::fail_values(__FILE__, __LINE__, #a " != " #b, vulcan_a_, vulcan_b_); \
    } while (0)

// A SysResult whose status must be NONE.
#define CHECK_OK(expr)                                                                              \
    do {                                                                                            \
        uint64_t vulcan_s_ = (expr).status;                                                         \
        if (vulcan_s_ != HELIOS_ENONE) ::vulcan::fail_status(__FILE__, __LINE__, #expr, vulcan_s_); \
    } while (0)

// A SysResult whose status must be HELIOS_E<err>.
#define CHECK_ERR(expr, err)                                                                                \
    do {                                                                                                    \
        uint64_t vulcan_s_ = (expr).status;                                                                 \
        if (vulcan_s_ != HELIOS_E##err)                                                                     \
            ::vulcan::fail_values(__FILE__, __LINE__, #expr " fails with " #err, vulcan_s_, HELIOS_E##err); \
    } while (0)

#endif
