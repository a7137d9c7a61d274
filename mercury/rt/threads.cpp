// Threads: create, start, join, detach, exit, suspend, resume, set_fault, kill.
#include <helios/invoke.h>
#include <helios/ipc.h>
#include <helios/syscall.h>
#include <helios/threads.h>
#include <helios/tls.h>

#include "lib/string.h"

namespace helios::threads {

namespace {

constexpr uint64_t kPage = HELIOS_PAGE_SIZE;
constexpr unsigned kWindowPages = static_cast<unsigned>(kRegionSize / kPage);  // 64
// Window layout, in pages: 0 guard, [1, 49) stack area (used from the top),
// 49 guard, 50 IPC buffer, [51, 64) thread record and TLS block.
constexpr unsigned kStackAreaEnd = 49;
constexpr unsigned kMaxStackPages = kStackAreaEnd - 1;
constexpr unsigned kIpcPage = 50;
constexpr unsigned kTlsPage = 51;
constexpr unsigned kMaxTlsPages = kWindowPages - kTlsPage;

// Thread states, changed atomically: who frees a thread depends on whether
// it ended before or after being detached.
constexpr uint32_t kRunning = 0;
constexpr uint32_t kExited = 1;    // ended; waits for join (or a late detach)
constexpr uint32_t kDetached = 2;  // frees itself when it ends

Config g_config;
uint64_t g_windows[kMaxThreads / 64];  // bit set: window in use
unsigned g_live;

int alloc_window() {
    for (unsigned w = 0; w < kMaxThreads / 64; ++w) {
        uint64_t bits = __atomic_load_n(&g_windows[w], __ATOMIC_RELAXED);
        while (bits != ~0ull) {
            unsigned bit = static_cast<unsigned>(__builtin_ctzll(~bits));
            uint64_t want = bits | (1ull << bit);
            if (__atomic_compare_exchange_n(&g_windows[w], &bits, want, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
                return static_cast<int>(w * 64 + bit);
        }
    }
    return -1;
}

void free_window(unsigned n) {
    __atomic_and_fetch(&g_windows[n / 64], ~(1ull << (n % 64)), __ATOMIC_ACQ_REL);
}

uint64_t window_base(unsigned n) {
    return kRegionBase + n * kRegionSize;
}

size_t round_up(size_t v, size_t a) {
    return (v + a - 1) / a * a;
}

}  // namespace

// The thread's record: in its own memory, at the start of its TLS pages, so
// it goes with the thread.
struct Thread {
    Entry entry;
    uint64_t arg;
    helios_caddr_t memory;  // sub-divided Memory holding everything below
    helios_caddr_t task;
    helios_caddr_t done;  // notification signalled when the thread ends
    unsigned window;
    uint32_t state;
    uint64_t status;
    uint64_t stack_low, stack_high;
    helios_ipcbuf* ipcbuf;
};

namespace {

// Frees everything the thread owned. Called by a joiner, a killer, or the
// detached thread itself (then it never returns: its own task goes too).
SysResult release(Thread* t) {
    helios_caddr_t memory = t->memory;
    unsigned window = t->window;
    __atomic_sub_fetch(&g_live, 1, __ATOMIC_ACQ_REL);
    // The window is free for reuse only once its pages are gone, except for
    // a thread freeing itself, which cannot act afterwards: it frees the
    // window first (a creator racing into the window before the destroy
    // would see BUSY and try another window).
    bool self_release = self() == t;
    if (self_release) free_window(window);
    SysResult r = cspace_destroy(g_config.cspace, memory);
    if (!self_release) free_window(window);
    return r;
}

[[noreturn]] void trampoline(Thread* t) {
    set_ipcbuf(t->ipcbuf);
    t->entry(t->arg);
    exit(0);
}

}  // namespace

SysResult configure(const Config& cfg) {
    g_config = cfg;
    return tls::setup_main(cfg.self_task);
}

Thread* create(Entry entry, uint64_t arg, uint64_t* status, const Options& options) {
    auto fail = [status](uint64_t e) -> Thread* {
        if (status) *status = e;
        return nullptr;
    };
    if (!entry || options.stack_pages == 0 || options.stack_pages > kMaxStackPages ||
        options.priority > HELIOS_PRIORITY_MAX)
        return fail(HELIOS_EINVALID_PARAM);
    if (!tls::active()) {
        SysResult r = tls::setup_main(g_config.self_task);
        if (!r.ok()) return fail(r.status);
    }
    size_t tls_bytes = round_up(sizeof(Thread), 64) + tls::block_size();
    size_t tls_pages = round_up(tls_bytes, kPage) / kPage;
    if (tls_pages > kMaxTlsPages) return fail(HELIOS_ENOMEM);
    size_t stack_pages = options.stack_pages;
    size_t npages = stack_pages + 1 + tls_pages;

    int window = alloc_window();
    if (window < 0) return fail(HELIOS_ENOMEM);
    uint64_t base = window_base(static_cast<unsigned>(window));

    // Everything the thread owns comes from one sub-divided Memory.
    SysResult mem = memory_allocate_one(g_config.memory, HELIOS_CT_MEMORY, npages + 2);
    if (!mem.ok()) {
        free_window(static_cast<unsigned>(window));
        return fail(mem.status);
    }
    auto memory = static_cast<helios_caddr_t>(mem.value);
    auto undo = [&](uint64_t e) -> Thread* {
        (void)cspace_destroy(g_config.cspace, memory);
        free_window(static_cast<unsigned>(window));
        return fail(e);
    };
    SysResult task = memory_allocate_one(memory, HELIOS_CT_TASK);
    if (!task.ok()) return undo(task.status);
    SysResult done = memory_allocate_one(memory, HELIOS_CT_NOTIFICATION);
    if (!done.ok()) return undo(done.status);

    // Pages: the stack (top of the stack area), the IPC buffer, the TLS pages.
    size_t mapped = 0;
    while (mapped < npages) {
        helios_caddr_t caps[HELIOS_MAX_CAPS];
        size_t batch = npages - mapped < HELIOS_MAX_CAPS ? npages - mapped : HELIOS_MAX_CAPS;
        for (size_t i = 0; i < batch; ++i) caps[i] = HELIOS_CADDR_UNDEF;
        SysResult r = memory_allocate(memory, HELIOS_CT_PAGE, 0, caps, batch);
        if (!r.ok()) return undo(r.status);
        for (size_t i = 0; i < batch; ++i, ++mapped) {
            uint64_t page = mapped < stack_pages    ? kStackAreaEnd - stack_pages + mapped
                            : mapped == stack_pages ? kIpcPage
                                                    : kTlsPage + (mapped - stack_pages - 1);
            SysResult m = map_page(g_config.memory, g_config.vspace, caps[i], base + page * kPage, HELIOS_MAP_WRITE);
            if (!m.ok()) return undo(m.status);
        }
    }

    auto* t = reinterpret_cast<Thread*>(base + kTlsPage * kPage);
    t->entry = entry;
    t->arg = arg;
    t->memory = memory;
    t->task = static_cast<helios_caddr_t>(task.value);
    t->done = static_cast<helios_caddr_t>(done.value);
    t->window = static_cast<unsigned>(window);
    t->state = kRunning;
    t->status = 0;
    t->stack_low = base + (kStackAreaEnd - stack_pages) * kPage;
    t->stack_high = base + kStackAreaEnd * kPage;
    t->ipcbuf = reinterpret_cast<helios_ipcbuf*>(base + kIpcPage * kPage);
    size_t record = round_up(sizeof(Thread), 64);
    uintptr_t tp = tls::init_block(reinterpret_cast<unsigned char*>(t) + record, tls_pages * kPage - record, t);
    if (tp == 0) return undo(HELIOS_ENOMEM);

    SysResult r = task_configure(t->task, g_config.cspace, g_config.vspace, base + kIpcPage * kPage);
    if (!r.ok()) return undo(r.status);
    // Enter trampoline(t) as if called: rsp % 16 == 8, a zero return address.
    helios_regs regs{};
    regs.rip = reinterpret_cast<uint64_t>(&trampoline);
    regs.rsp = t->stack_high - 8;
    regs.rdi = reinterpret_cast<uint64_t>(t);
    regs.rflags = 0x202;
    regs.fs_base = tp;
    r = task_write_registers(t->task, &regs);
    if (!r.ok()) return undo(r.status);
    r = task_write_tls_base(t->task, tp);
    if (!r.ok()) return undo(r.status);
    if (options.priority != HELIOS_PRIORITY_DEFAULT) {
        r = task_set_priority(t->task, options.priority);
        if (!r.ok()) return undo(r.status);
    }
    __atomic_add_fetch(&g_live, 1, __ATOMIC_ACQ_REL);
    if (status) *status = HELIOS_ENONE;
    return t;
}

Thread* spawn(Entry entry, uint64_t arg, uint64_t* status, const Options& options) {
    Thread* t = create(entry, arg, status, options);
    if (!t) return nullptr;
    SysResult r = start(t);
    if (!r.ok()) {
        (void)kill(t);
        if (status) *status = r.status;
        return nullptr;
    }
    return t;
}

SysResult start(Thread* t) {
    return task_resume(t->task);
}

SysResult join(Thread* t, uint64_t* status) {
    if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == kDetached) return {HELIOS_EINVALID_PARAM, 0};
    while (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != kExited) {
        SysResult r = sys::wait(t->done);
        if (!r.ok()) return r;
    }
    if (status) *status = t->status;
    return release(t);
}

SysResult detach(Thread* t) {
    uint32_t expected = kRunning;
    if (__atomic_compare_exchange_n(&t->state, &expected, kDetached, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return {HELIOS_ENONE, 0};
    if (expected == kExited) return release(t);
    return {HELIOS_EINVALID_PARAM, 0};
}

void exit(uint64_t status) {
    Thread* t = self();
    if (t) {
        t->status = status;
        uint32_t expected = kRunning;
        if (__atomic_compare_exchange_n(&t->state, &expected, kExited, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            (void)sys::signal(t->done);
        } else if (expected == kDetached) {
            (void)release(t);  // destroys this task: does not return
        }
    }
    sys::exit(status);
    for (;;) (void)sys::yield();
}

SysResult suspend(Thread* t) {
    return task_suspend(t->task);
}
SysResult resume(Thread* t) {
    return task_resume(t->task);
}

SysResult set_fault(Thread* t, helios_caddr_t endpoint, uint64_t cookie) {
    return task_set_fault(t->task, endpoint, cookie);
}

SysResult kill(Thread* t) {
    return release(t);
}

helios_caddr_t task(const Thread* t) {
    return t->task;
}

Thread* self() {
    if (!tls::active()) return nullptr;
    return static_cast<Thread*>(tls::tcb()->thread);
}

void stack_bounds(const Thread* t, uint64_t* low, uint64_t* high) {
    *low = t->stack_low;
    *high = t->stack_high;
}

unsigned live() {
    return __atomic_load_n(&g_live, __ATOMIC_ACQUIRE);
}

}  // namespace helios::threads
