// Threads: Tasks sharing the caller's cspace and vspace (the Vulcan "threads" module, spec 3.3).
#ifndef HELIOS_RT_THREADS_H
#define HELIOS_RT_THREADS_H

#include <helios/abi.h>
#include <helios/ipc.h>
#include <stddef.h>
#include <stdint.h>

// A thread is a Task configured with the creating program's cspace and
// vspace, with its own stack, IPC buffer page and TLS block. Everything a
// thread owns (task, join notification, pages) is allocated from a Memory
// sub-divided for it, so destroying that one capability frees it all and
// returns every page. The capabilities sit in automatically chosen slots of
// the shared cspace.
//
// Each thread gets a fixed 256 KiB window of address space at
// kRegionBase + n * kRegionSize: [guard][stack][guard][IPC buffer][TLS and
// control block]. Page tables for the windows come from the configured
// Memory and stay.
//
// Lifecycle: create() (suspended) -> start() -> the entry returns or calls
// exit() -> join() (or detach() beforehand: the thread then frees itself
// when it ends). kill() ends a thread at any point (e.g. one stopped by a
// fault) and frees it. Single-threaded callers and threads alike may use
// every function; a Thread* is valid until join/kill or, for a detached
// thread, until it ends.
namespace helios::threads {

inline constexpr uint64_t kRegionBase = 0x0000700000000000ull;
inline constexpr uint64_t kRegionSize = 0x40000;  // 256 KiB per thread
inline constexpr unsigned kMaxThreads = 256;

using Entry = void (*)(uint64_t arg);

struct Thread;

// The capabilities the library works with. The defaults are init's.
struct Config {
    helios_caddr_t cspace = HELIOS_INIT_CAP_CSPACE;   // the caller's own cspace
    helios_caddr_t vspace = HELIOS_INIT_CAP_VSPACE;   // the caller's own vspace
    helios_caddr_t memory = HELIOS_INIT_CAP_MEMORY;   // where threads and page tables come from
    helios_caddr_t self_task = HELIOS_INIT_CAP_TASK;  // the main thread's task (for its TLS)
};

// Replaces the configuration (programs other than init call this first).
// Sets up the main thread's TLS through cfg.self_task if not done yet.
SysResult configure(const Config& cfg);

struct Options {
    size_t stack_pages = 4;  // 16 KiB by default (at most 48)
    uint64_t priority = HELIOS_PRIORITY_DEFAULT;
};

// Creates a thread that will run entry(arg), suspended: start() runs it.
// Returns null on failure, with the error in *status when given (NOMEM when
// out of memory or of thread windows, INVALID_PARAM for bad options).
Thread* create(Entry entry, uint64_t arg, uint64_t* status = nullptr, const Options& options = {});

// Creates and starts a thread in one step.
Thread* spawn(Entry entry, uint64_t arg, uint64_t* status = nullptr, const Options& options = {});

// Lets a created thread run (Task RESUME).
SysResult start(Thread* thread);

// Waits until the thread has ended, stores its exit status in *status and
// frees everything it owned. INVALID_PARAM for a detached thread.
SysResult join(Thread* thread, uint64_t* status = nullptr);

// The thread frees itself when it ends (or now, if it has ended already).
// The handle must not be used afterwards.
SysResult detach(Thread* thread);

// Ends the calling thread with status: wakes its joiner, or frees it when
// detached. From the main thread (not made by create) it ends that task only.
[[noreturn]] void exit(uint64_t status = 0);

// Stops and restarts a thread (Task SUSPEND / RESUME).
SysResult suspend(Thread* thread);
SysResult resume(Thread* thread);

// Routes the thread's faults to endpoint with cookie (Task SET_FAULT).
SysResult set_fault(Thread* thread, helios_caddr_t endpoint, uint64_t cookie = 0);

// Ends the thread wherever it is (running, blocked or stopped by a fault)
// and frees everything it owned. Not for the calling thread (use exit).
SysResult kill(Thread* thread);

// The thread's Task capability (for task_* invocations), and the calling
// thread's own handle (null in the main thread).
[[nodiscard]] helios_caddr_t task(const Thread* thread);
[[nodiscard]] Thread* self();

// The caller's stack region [*low, *high) of a thread (for tests).
void stack_bounds(const Thread* thread, uint64_t* low, uint64_t* high);

// Number of threads alive (created and not yet freed).
[[nodiscard]] unsigned live();

}  // namespace helios::threads

#endif
