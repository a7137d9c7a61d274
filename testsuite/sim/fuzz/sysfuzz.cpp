// sysfuzz: the whole-system fuzzer. Booted as init, it starts worker processes that make hostile syscalls.
//
// One ELF, two roles (docs/fuzzing.md, "Whole-system fuzzing"):
//
//   conductor  init of the image. Reads `seed=N workers=N threads=N calls=N`
//              from the kernel command line, makes the objects the workers
//              share (two endpoints with GRANT, two notifications, a Memory,
//              a page), and starts each worker with Mercury init's own
//              loader (mercury/init/loader.cpp) from this same ELF: its own
//              cspace, vspace and memory arena, supervised through a fault
//              endpoint. A worker that crashes is rebuilt (at most
//              kMaxRestarts times) with a new seed; a worker that reports
//              its calls done is destroyed whole (its arena, hence every
//              thread and object it made). When every worker is done the
//              conductor prints the totals and exits 0, ending the run.
//   worker     started by the conductor (it has a procinfo page). Waits for
//              its "go" (seed, call budget, thread count), starts its
//              threads, then makes its budget of calls: the main thread only
//              calls that cannot block (so it always finishes), the threads
//              any call, blocking ones included (so tasks block, wake, pass
//              capabilities between address spaces, get killed blocked).
//
// The seed decides every choice; the simulator's virtual time makes the run
// a function of the image and the command line alone. Run it with
// `helios-sim run --check-invariants` to have the kernel checked after
// every entry, and `--seed-range A..B` to run many seeds.
//
// Hostility is bounded on purpose in two ways only: a worker's calls avoid
// the capabilities its own runtime lives on (its memory, cspace, vspace) so
// that it gets deep instead of crashing at once, except for a rare reckless
// call that may hit them; and the main thread never blocks. Everything else
// (capability addresses, object types, labels, parameter values, pointers
// into and out of mapped memory, kernel addresses, wrap-arounds) is random.
#include <helios/console.h>
#include <helios/format.h>
#include <helios/invoke.h>
#include <helios/ipc.h>
#include <helios/manifest.h>
#include <helios/portio.h>
#include <helios/procinfo.h>
#include <helios/rt.h>
#include <helios/syscall.h>
#include <helios/threads.h>
#include <helios/vm.h>

#include "init.h"
#include "lib/elf64.h"
#include "lib/string.h"
#include "lib/tar.h"

namespace lib = helios::lib;
using helios::SysResult;

// The worker's capabilities. The conductor finds the control endpoint at
// kSlotControl and places the shared objects from kSlotShared on.
HELIOS_MANIFEST(
    "[driver]\n"
    "name = sysfuzz\n"
    "desc = whole-system fuzzer worker\n"
    "[cspace]\n"
    "radix = 8\n"
    "[capabilities]\n"
    "1:endpoint\n"
    "_:memory = pages=384\n"
    "_:cspace = self\n"
    "_:vspace = self\n");

namespace {

constexpr helios_caddr_t kUndef = HELIOS_CADDR_UNDEF;
constexpr helios_caddr_t kSlotControl = 1;  // the worker's own endpoint: the conductor's "go"
constexpr helios_caddr_t kSlotShared = 16;  // shared objects, kSharedCount of them
// Shared: endpoint x2, notification x2, memory, page (made by the
// conductor), then COM2's ports, its IRQ (line 3, signalling the second
// notification) and the machine's device memory.
constexpr unsigned kSharedMade = 6;
constexpr unsigned kSharedCount = 9;
constexpr unsigned kSharedIoPort = 6, kSharedIrq = 7, kSharedDevMem = 8;
constexpr uint16_t kCom2 = 0x2F8;
constexpr unsigned kCom2Irq = 3;
constexpr helios_caddr_t kSlotReport = 28;  // badged SEND copy of the conductor's endpoint
constexpr helios_caddr_t kSlotSelfTask = 29;
constexpr unsigned kWorkerRadix = 8;
constexpr uint64_t kLabelGo = 0x600;
constexpr uint64_t kLabelDone = 0x601;
// A worker's main thread ends by touching this (never mapped) address: the
// page fault reaches the conductor through the fault endpoint the loader set,
// which no call of the worker can take away (its capabilities, the report
// endpoint included, may all be gone by then).
constexpr uint64_t kDoneAddress = 0x000050000000D0E0ull;
constexpr unsigned kMaxWorkers = 8;
constexpr unsigned kMaxThreads = 8;
constexpr unsigned kMaxRestarts = 3;

// ---- randomness: xorshift64*, one stream per task ----------------------------

struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {
        if (s == 0) s = 1;
    }
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1Dull;
    }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }
    bool chance(uint64_t one_in) { return below(one_in) == 0; }
};

uint64_t mix(uint64_t a, uint64_t b) {
    Rng r(a ^ (b * 0xD6E8FEB86659FD93ull));
    return r.next();
}

// ---- the worker ------------------------------------------------------------------

// Addresses the worker maps fuzzed pages at: one page table's span, plus
// now and then far away (new page-table levels).
constexpr uint64_t kFuzzWindow = 0x0000400000000000ull;
constexpr uint64_t kFuzzWindowPages = 512;

// What every task of a worker shares. Single CPU, one task at a time: plain
// fields suffice (the counts are advisory).
struct WorkerState {
    helios_caddr_t memory = kUndef;      // the runtime's Memory (protected)
    helios_caddr_t cspace = kUndef;      // own cspace (protected)
    helios_caddr_t vspace = kUndef;      // own vspace (protected)
    helios_caddr_t playground = kUndef;  // a Memory of the worker's own to fuzz with
    bool protected_slot[1u << kWorkerRadix] = {};
    helios_caddr_t made[64] = {};  // slots recent calls filled (ring)
    unsigned made_count = 0;
    uint64_t thread_calls = 0;
};
WorkerState g_worker;

// Buffers pointers may land in: the scratch the kernel may write (registers,
// poll arrays), with a page of slack each side.
alignas(4096) uint8_t g_scratch[3 * 4096];

void remember(helios_caddr_t slot) {
    if (slot >= (1u << kWorkerRadix)) return;
    g_worker.made[g_worker.made_count++ % 64] = slot;
}

// A capability address: mostly one that holds something, sometimes any
// slot, an empty one or garbage. Protected slots are skipped unless reckless.
helios_caddr_t pick_cap(Rng& r, bool reckless) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        uint64_t k = r.below(100);
        helios_caddr_t c;
        if (k < 45 && g_worker.made_count)
            c = g_worker.made[r.below(g_worker.made_count < 64 ? g_worker.made_count : 64)];
        else if (k < 70)
            c = static_cast<helios_caddr_t>(kSlotShared + r.below(kSharedCount + 1));
        else if (k < 92)
            c = static_cast<helios_caddr_t>(r.below(1u << kWorkerRadix));
        else {
            const helios_caddr_t garbage[] = {kUndef, 1u << kWorkerRadix, 0x7FFFFFFF, 0xFFFFFFFE, 4096};
            return garbage[r.below(sizeof garbage / sizeof garbage[0])];
        }
        if (reckless || c >= (1u << kWorkerRadix) || !g_worker.protected_slot[c]) return c;
    }
    return kUndef;
}

// A user pointer: into the scratch, straddling its ends, unmapped, read-only
// text, the kernel half, near zero, or wrapping around.
uint64_t pick_pointer(Rng& r) {
    auto scratch = reinterpret_cast<uint64_t>(g_scratch) + 4096;
    switch (r.below(10)) {
        case 0: return kFuzzWindow + r.below(kFuzzWindowPages) * 4096 + r.below(4096);
        case 1: return reinterpret_cast<uint64_t>(&pick_pointer);  // text: read-only
        case 2: return 0xFFFF800000000000ull + r.below(1u << 20) * 8;
        case 3: return r.below(0x2000);
        case 4: return ~0ull - r.below(0x1000);
        case 5: return scratch + 4096 - r.below(64);  // runs into the slack page
        case 6: return r.next();
        default: return scratch + (r.below(4096) & ~7ull);
    }
}

// A parameter: small numbers, object types and sizes, addresses, flags,
// extremes.
uint64_t pick_param(Rng& r) {
    switch (r.below(8)) {
        case 0: return r.below(HELIOS_CTYPE_COUNT + 2);
        case 1: return r.below(16);
        case 2: return r.below(64);
        case 3: return kFuzzWindow + r.below(kFuzzWindowPages) * 4096;
        case 4: return pick_pointer(r);
        case 5: return ~0ull - r.below(4);
        case 6: return 1ull << r.below(64);
        default: return r.next();
    }
}

void fill_message(Rng& r, unsigned nparams, unsigned ncaps, bool reckless) {
    helios_ipcbuf* b = helios::ipcbuf();
    for (unsigned i = 0; i < nparams && i < HELIOS_MAX_PARAMS; ++i) b->params[i] = pick_param(r);
    for (unsigned i = 0; i < ncaps && i < HELIOS_MAX_CAPS; ++i) b->caps[i] = pick_cap(r, reckless);
}

uint64_t random_tag(Rng& r, bool reckless) {
    unsigned nparams = static_cast<unsigned>(r.chance(8) ? r.below(70) : r.below(6));
    unsigned ncaps = static_cast<unsigned>(r.chance(8) ? r.below(10) : r.below(4));
    fill_message(r, nparams, ncaps, reckless);
    uint64_t label = r.chance(6) ? r.next() & 0xFFFF : r.below(13);
    return HELIOS_TAG(label, ncaps, nparams);
}

// Receive destinations: empty slots chosen by the kernel, or random ones.
void prepare_receive(Rng& r) {
    helios_ipcbuf* b = helios::ipcbuf();
    for (unsigned i = 0; i < HELIOS_MAX_CAPS; ++i) b->caps[i] = r.chance(3) ? pick_cap(r, false) : kUndef;
}

void remember_received(const SysResult& res) {
    if (!res.ok()) return;
    unsigned n = HELIOS_TAG_NCAPS(res.value);
    for (unsigned i = 0; i < n && i < HELIOS_MAX_CAPS; ++i) remember(helios::ipcbuf()->caps[i]);
}

// Invoking an endpoint is sending it a message, which blocks until someone
// receives: for the main thread, an endpoint becomes an address holding
// nothing (the call then fails at once).
helios_caddr_t never_endpoint(helios_caddr_t cap) {
    SysResult id = helios::sys::identify(cap);
    return id.ok() && HELIOS_IDENTIFY_TYPE(id.value) == HELIOS_CT_ENDPOINT ? kUndef : cap;
}

// One call that never blocks (the main thread's diet).
void nonblocking_call(Rng& r) {
    bool reckless = r.chance(500);
    helios_caddr_t raw_cap = pick_cap(r, reckless);
    helios_caddr_t cap = never_endpoint(raw_cap);  // what is invoked
    WorkerState& w = g_worker;
    // Its own cspace too: a reckless call may have destroyed that capability
    // and a later one filled the slot with an endpoint.
    const helios_caddr_t cs = never_endpoint(w.cspace);
    switch (r.below(23)) {
        case 0: (void)helios::sys::identify(cap); break;
        case 1: (void)helios::sys::nbsend(raw_cap, random_tag(r, reckless)); break;  // any invocation of anything
        case 2: {
            prepare_receive(r);
            remember_received(helios::sys::nbrecv(raw_cap));
            break;
        }
        case 3: (void)helios::sys::signal(cap); break;
        case 4: (void)helios::sys::nbwait(cap); break;
        case 5: {  // make objects, from the playground, a shared Memory or anything
            // (Fixed slots too: the fuzzing may have put an endpoint there.)
            helios_caddr_t mem = never_endpoint(r.below(3) == 0 ? pick_cap(r, reckless)
                                                                : (r.below(2) ? w.playground : kSlotShared + 4));
            uint64_t type = r.below(HELIOS_CTYPE_COUNT + 1);
            uint64_t size = type == HELIOS_CT_CSPACE ? 1 + r.below(8) : (r.chance(4) ? r.below(64) : r.below(4));
            helios_caddr_t out[4] = {kUndef, kUndef, kUndef, kUndef};
            size_t count = 1 + r.below(4);
            if (r.chance(10)) out[0] = pick_cap(r, false);
            if (helios::memory_allocate(mem, type, size, out, count).ok())
                for (size_t i = 0; i < count; ++i) remember(out[i]);
            break;
        }
        case 6: {
            SysResult res = helios::cspace_copy(cs, r.chance(4) ? pick_cap(r, false) : kUndef, cap,
                                                r.below(16));
            if (res.ok()) remember(static_cast<helios_caddr_t>(res.value));
            break;
        }
        case 7: {
            SysResult res = helios::cspace_mint(cs, kUndef, cap, r.below(16), r.next());
            if (res.ok()) remember(static_cast<helios_caddr_t>(res.value));
            break;
        }
        case 8: {
            SysResult res = helios::cspace_move(cs, r.chance(4) ? pick_cap(r, false) : kUndef, cap);
            if (res.ok()) remember(static_cast<helios_caddr_t>(res.value));
            break;
        }
        case 9: (void)helios::cspace_destroy(cs, cap); break;
        case 10: {  // map a page where the fuzzed pages live (page tables from the playground)
            uint64_t va = kFuzzWindow + r.below(kFuzzWindowPages) * 4096;
            if (r.chance(8)) va = (r.below(1u << 15) << 30) & (HELIOS_USER_TOP - 1) & ~0xFFFull;
            uint64_t flags = r.below(8) & (HELIOS_MAP_WRITE | HELIOS_MAP_EXEC);
            (void)helios::vm::map_page(never_endpoint(w.playground), r.chance(6) ? pick_cap(r, reckless) : w.vspace,
                                       cap, va, flags);
            break;
        }
        case 11: (void)helios::page_unmap(cap); break;
        case 12: (void)helios::page_protect(cap, r.below(8)); break;
        case 13: {  // a task: configured anywhere, registers from random memory, started
            helios_regs* regs = reinterpret_cast<helios_regs*>(g_scratch + 4096);
            for (uint64_t* p = &regs->rax; p <= &regs->gs_base; ++p) *p = pick_param(r);
            regs->rip = r.chance(2) ? reinterpret_cast<uint64_t>(&pick_param) : pick_pointer(r);
            switch (r.below(8)) {
                case 0: (void)helios::task_configure(cap, pick_cap(r, false), pick_cap(r, false), pick_pointer(r)); break;
                case 1: (void)helios::task_configure(cap, w.cspace, w.vspace, pick_pointer(r) & ~0xFFFull); break;
                case 2: (void)helios::task_write_registers(cap, r.chance(3) ? reinterpret_cast<helios_regs*>(pick_pointer(r)) : regs); break;
                case 3: (void)helios::inv::task_read_registers(cap, pick_pointer(r)); break;
                case 4: (void)helios::task_resume(cap); break;
                case 5: (void)helios::task_suspend(cap); break;
                case 6: (void)helios::inv::task_set_priority(cap, r.below(40)); break;
                default: (void)helios::inv::task_set_fault(cap, r.next(), {pick_cap(r, false)}); break;
            }
            break;
        }
        case 14: {  // maps of page tables themselves
            uint64_t va = kFuzzWindow + (r.below(64) << 21);
            switch (r.below(3)) {
                case 0: (void)helios::inv::pt_map(cap, va, {w.vspace}); break;
                case 1: (void)helios::inv::pd_map(cap, va & ~((1ull << 30) - 1), {w.vspace}); break;
                default: (void)helios::inv::pdpt_map(cap, va & ~((1ull << 39) - 1), {pick_cap(r, false)}); break;
            }
            break;
        }
        case 15: (void)helios::sys::clock(); break;
        case 16: (void)helios::sys::store_reply(pick_cap(r, false)); break;
        case 17: {  // a raw syscall: any number the main thread may make, random arguments
            uint64_t n = r.below(HELIOS_SYSCALL_COUNT + 8);
            if (n == HELIOS_SYS_send || n == HELIOS_SYS_recv || n == HELIOS_SYS_call || n == HELIOS_SYS_wait ||
                n == HELIOS_SYS_poll || n == HELIOS_SYS_replyrecv || n == HELIOS_SYS_exit)
                n = HELIOS_SYS_identify;
            if (n == HELIOS_SYS_writecons) {  // keep the console readable: short, mostly refused
                (void)helios::sys::writecons(pick_pointer(r), r.below(4));
                break;
            }
            (void)helios::sys::raw(n, pick_param(r), pick_param(r), pick_param(r), pick_param(r), pick_param(r),
                                   pick_param(r));
            break;
        }
        case 18: (void)helios::sys::yield(); break;
        case 19: {  // ports through the IOPort capability: COM2's, its neighbours, any width
            uint64_t port = r.chance(8) ? r.below(0x10000) : kCom2 - 2 + r.below(12);
            const uint64_t widths[] = {1, 2, 4, 1, 3, 8, 0};
            uint64_t width = widths[r.below(7)];
            helios_caddr_t io = r.chance(3) ? cap : never_endpoint(kSlotShared + kSharedIoPort);
            if (r.chance(2)) (void)helios::inv::ioport_in(io, port, width);
            else (void)helios::inv::ioport_out(io, port, width, r.next());
            break;
        }
        case 20: {  // in/out instructions on COM2's ports (granted: no kernel entry on
                    // hardware; the simulator checks them); now and then a port outside,
                    // which faults and costs this worker its life
            uint16_t port = static_cast<uint16_t>(r.chance(300) ? r.below(0x10000) : kCom2 + r.below(8));
            // COM2's ports only while the IOPort capability is still there (the
            // fuzzing moves and destroys it too).
            SysResult id = helios::sys::identify(kSlotShared + kSharedIoPort);
            if (port >= kCom2 && port < kCom2 + 8 && !(id.ok() && HELIOS_IDENTIFY_TYPE(id.value) == HELIOS_CT_IOPORT))
                break;
            switch (r.below(4)) {
                case 0: (void)helios::port::inb(port); break;
                case 1: helios::port::outb(port, static_cast<uint8_t>(r.next())); break;
                case 2: (void)helios::port::inw(static_cast<uint16_t>(port & ~1u)); break;
                default: helios::port::outb(port, static_cast<uint8_t>(r.below(16))); break;
            }
            break;
        }
        case 21: {  // the IRQ and the device memory
            if (r.chance(2)) {
                (void)helios::inv::irq_ack(r.chance(3) ? cap : never_endpoint(kSlotShared + kSharedIrq));
            } else {
                helios_caddr_t out[2] = {kUndef, kUndef};
                uint64_t type = r.chance(3) ? r.below(HELIOS_CTYPE_COUNT + 1) : uint64_t{r.chance(2) ? HELIOS_CT_PAGE : HELIOS_CT_DEVMEM};
                uint64_t count = 1 + r.below(2);
                helios_caddr_t dm = r.chance(3) ? cap : never_endpoint(kSlotShared + kSharedDevMem);
                if (helios::inv::devmem_allocate(dm, type, r.below(6), count, helios::Caps(out, count)).ok())
                    for (uint64_t i = 0; i < count; ++i) remember(out[i]);
            }
            break;
        }
        default: {
            (void)helios::memory_info(cap);
            (void)helios::inv::cspace_radix(cap);
            break;
        }
    }
}

// One call of any kind (the threads' diet): blocking ones too.
void any_call(Rng& r) {
    bool reckless = r.chance(500);
    helios_caddr_t cap = pick_cap(r, reckless);
    switch (r.below(12)) {
        case 0: {
            prepare_receive(r);
            remember_received(helios::sys::recv(cap));
            break;
        }
        case 1: (void)helios::sys::send(cap, random_tag(r, reckless)); break;
        case 2: {
            uint64_t tag = random_tag(r, reckless);
            remember_received(helios::sys::call(cap, tag));
            break;
        }
        case 3: (void)helios::sys::wait(cap); break;
        case 4: {  // poll a few random capabilities, from a random (often valid) array
            auto* entries = reinterpret_cast<uint64_t*>(g_scratch + 4096 + 2048);
            for (unsigned i = 0; i < 8; ++i) entries[i] = r.chance(4) ? r.next() : pick_cap(r, false);
            uint64_t where = r.chance(4) ? pick_pointer(r) : reinterpret_cast<uint64_t>(entries);
            (void)helios::sys::poll(where, r.chance(8) ? r.below(64) : 1 + r.below(4));
            break;
        }
        case 5: {
            prepare_receive(r);
            remember_received(helios::sys::replyrecv(random_tag(r, reckless), cap));
            break;
        }
        case 6: (void)helios::sys::reply(random_tag(r, reckless)); break;
        case 7: {
            SysResult s = helios::sys::store_reply(r.chance(2) ? kUndef : pick_cap(r, false));
            if (s.ok()) remember(static_cast<helios_caddr_t>(s.value));
            break;
        }
        default: nonblocking_call(r); break;
    }
}

struct ThreadArg {
    uint64_t seed;
    uint64_t calls;
};
ThreadArg g_thread_args[kMaxThreads];

void thread_main(uint64_t index) {
    Rng r(g_thread_args[index].seed);
    for (uint64_t i = 0; i < g_thread_args[index].calls; ++i) {
        any_call(r);
        ++g_worker.thread_calls;
        if (r.chance(4000)) helios::threads::exit(i);  // threads end early now and then
    }
}

// Marks every slot holding something now (the runtime's own capabilities)
// as protected, except the shared objects.
void protect_runtime_slots() {
    for (helios_caddr_t c = 0; c < (1u << kWorkerRadix); ++c) {
        bool shared = c >= kSlotShared && c < kSlotShared + kSharedCount;
        g_worker.protected_slot[c] = !shared && helios::sys::identify(c).ok();
    }
}

int worker_main() {
    WorkerState& w = g_worker;
    w.memory = helios::rt::find_aux_cap("memory");
    w.cspace = helios::rt::find_aux_cap("cspace");
    w.vspace = helios::rt::find_aux_cap("vspace");
    if (w.memory == kUndef || w.cspace == kUndef || w.vspace == kUndef) {
        helios::print("[sysfuzz] worker: its manifest capabilities are missing\n");
        return 1;
    }
    SysResult go = helios::sys::recv(kSlotControl);
    if (!go.ok() || HELIOS_TAG_LABEL(go.value) != kLabelGo || HELIOS_TAG_NPARAMS(go.value) < 5) {
        helios::print("[sysfuzz] worker: no go message\n");
        return 1;
    }
    const uint64_t* p = helios::ipcbuf()->params;
    uint64_t seed = p[0], calls = p[1], threads = p[2] < kMaxThreads ? p[2] : kMaxThreads, nonce = p[3],
             index = p[4];

    helios::threads::Config cfg;
    cfg.cspace = w.cspace;
    cfg.vspace = w.vspace;
    cfg.memory = w.memory;
    cfg.self_task = kSlotSelfTask;
    if (!helios::threads::configure(cfg).ok()) {
        helios::print("[sysfuzz] worker: cannot set up threads\n");
        return 1;
    }
    // The main thread's task capability served its purpose (TLS): without it
    // no call of this worker can suspend or kill the main thread.
    (void)helios::cspace_destroy(w.cspace, kSlotSelfTask);
    SysResult pg = helios::memory_allocate_one(w.memory, HELIOS_CT_MEMORY, 96);
    if (!pg.ok()) {
        helios::print("[sysfuzz] worker: no playground memory\n");
        return 1;
    }
    w.playground = static_cast<helios_caddr_t>(pg.value);
    Rng r(seed);
    helios::threads::Thread* started[kMaxThreads] = {};
    for (uint64_t i = 0; i < threads; ++i) {
        g_thread_args[i] = {mix(seed, i + 1), calls / 2};
        helios::threads::Options opt;
        // Around the main thread's priority: above it they run first (they block
        // often), below it they run when it yields or between its ticks.
        opt.priority = HELIOS_PRIORITY_DEFAULT - 1 + r.below(3);
        started[i] = helios::threads::create(&thread_main, i, nullptr, opt);
    }
    protect_runtime_slots();
    w.protected_slot[w.playground] = false;  // fair game
    remember(w.playground);
    for (uint64_t i = 0; i < threads; ++i)
        if (started[i]) (void)helios::threads::start(started[i]);

    for (uint64_t i = 0; i < calls; ++i) nonblocking_call(r);

    // The counts, best effort: only to an endpoint (the slot may hold
    // anything by now), without blocking (a worker thread could be the one
    // receiving on whatever endpoint is there), a few tries while the
    // conductor is busy.
    SysResult id = helios::sys::identify(kSlotReport);
    for (int attempt = 0; attempt < 64 && id.ok() && HELIOS_IDENTIFY_TYPE(id.value) == HELIOS_CT_ENDPOINT; ++attempt) {
        helios_ipcbuf* b = helios::ipcbuf();
        b->params[0] = nonce;
        b->params[1] = calls;
        b->params[2] = w.thread_calls;
        b->params[3] = index;
        if (helios::sys::nbsend(kSlotReport, HELIOS_TAG(kLabelDone, 0, 4)).status != HELIOS_EWOULD_BLOCK) break;
        (void)helios::sys::yield();
    }
    for (;;) *reinterpret_cast<volatile uint64_t*>(kDoneAddress) = nonce;  // "done", as a fault
}

// ---- the conductor ---------------------------------------------------------------

constexpr helios_caddr_t kCs = HELIOS_INIT_CAP_CSPACE;

struct Settings {
    uint64_t seed = 1;
    uint64_t workers = 3;
    uint64_t threads = 3;
    uint64_t calls = 3000;
};

bool parse_u64(const char* s, size_t n, uint64_t* out) {
    if (n == 0 || n > 19) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    *out = v;
    return true;
}

bool configure(const char* s, size_t len, Settings& cfg) {
    bool ok = true;
    for (size_t i = 0; i < len;) {
        while (i < len && s[i] == ' ') ++i;
        size_t start = i;
        while (i < len && s[i] != ' ') ++i;
        const char* word = s + start;
        size_t n = i - start, eq = 0;
        while (eq < n && word[eq] != '=') ++eq;
        if (eq == n) continue;
        uint64_t v = 0;
        bool num = parse_u64(word + eq + 1, n - eq - 1, &v);
        if (lib::equal(word, eq, "seed") && num) cfg.seed = v;
        else if (lib::equal(word, eq, "workers") && num && v >= 1 && v <= kMaxWorkers) cfg.workers = v;
        else if (lib::equal(word, eq, "threads") && num && v <= kMaxThreads) cfg.threads = v;
        else if (lib::equal(word, eq, "calls") && num && v <= 100000000) cfg.calls = v;
        else if (lib::equal(word, eq, "seed") || lib::equal(word, eq, "workers") || lib::equal(word, eq, "threads") ||
                 lib::equal(word, eq, "calls")) {
            char bad[48];
            size_t shown = n < sizeof bad - 1 ? n : sizeof bad - 1;
            lib::copy(bad, word, shown);
            bad[shown] = '\0';
            helios::printf("[sysfuzz] bad setting '%s' (seed=N workers=1..%u threads=0..%u calls=N)\n", bad,
                           kMaxWorkers, kMaxThreads);
            ok = false;
        }
    }
    return ok;
}

mercury::Init g_state;
lib::Manifest g_manifest;
mercury::Program g_workers[kMaxWorkers];
uint64_t g_nonce[kMaxWorkers];
helios_caddr_t g_shared[kSharedCount];

// Builds worker i (again), gives it the shared objects and sends its "go".
bool start_worker(mercury::Program& p, const Settings& cfg, uint64_t worker_seed) {
    if (!mercury::load_program(p)) return false;
    for (unsigned j = 0; j < kSharedCount; ++j)
        if (!helios::cspace_copy_to(kCs, p.cspace, kSlotShared + j, g_shared[j]).ok()) return false;
    // The report endpoint: SEND only (no GRANT: nothing can be pushed into
    // the conductor's cspace), badged with the worker's number.
    SysResult minted = helios::cspace_mint(kCs, kUndef, g_state.fault_endpoint, HELIOS_RIGHT_SEND, p.index + 1);
    if (!minted.ok()) return false;
    auto report = static_cast<helios_caddr_t>(minted.value);
    bool ok = helios::cspace_move_to(kCs, p.cspace, kSlotReport, report).ok();
    if (!ok) (void)helios::cspace_destroy(kCs, report);
    ok = ok && helios::cspace_copy_to(kCs, p.cspace, kSlotSelfTask, p.task).ok();
    SysResult control = helios::cspace_copy_from(kCs, kUndef, p.cspace, kSlotControl);
    if (!ok || !control.ok()) return false;
    auto ctl = static_cast<helios_caddr_t>(control.value);
    g_nonce[p.index] = mix(worker_seed, 0xD0E);
    helios_ipcbuf* b = helios::ipcbuf();
    b->params[0] = worker_seed;
    b->params[1] = cfg.calls;
    b->params[2] = cfg.threads;
    b->params[3] = g_nonce[p.index];
    b->params[4] = p.index;
    SysResult sent = helios::sys::send(ctl, HELIOS_TAG(kLabelGo, 0, 5));
    (void)helios::cspace_destroy(kCs, ctl);
    return sent.ok();
}

int conductor_main(const helios_bootinfo& bi) {
    Settings cfg;
    if (!configure(bi.cmdline, lib::length_bounded(bi.cmdline, sizeof bi.cmdline), cfg)) return 2;
    helios::printf("[sysfuzz] seed=%lu workers=%lu threads=%lu calls=%lu\n", cfg.seed, cfg.workers, cfg.threads,
                   cfg.calls);
    SysResult ep = helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_ENDPOINT);
    if (!ep.ok()) return 1;
    g_state.fault_endpoint = static_cast<helios_caddr_t>(ep.value);

    // The shared objects come from one Memory of their own.
    SysResult shared_mem = helios::memory_allocate_one(HELIOS_INIT_CAP_MEMORY, HELIOS_CT_MEMORY, 256);
    if (!shared_mem.ok()) return 1;
    auto sm = static_cast<helios_caddr_t>(shared_mem.value);
    const uint64_t types[kSharedMade] = {HELIOS_CT_ENDPOINT,     HELIOS_CT_ENDPOINT, HELIOS_CT_NOTIFICATION,
                                         HELIOS_CT_NOTIFICATION, HELIOS_CT_MEMORY,   HELIOS_CT_PAGE};
    for (unsigned j = 0; j < kSharedMade; ++j) {
        SysResult r = helios::memory_allocate_one(sm, types[j], types[j] == HELIOS_CT_MEMORY ? 128 : 0);
        if (!r.ok()) return 1;
        g_shared[j] = static_cast<helios_caddr_t>(r.value);
    }
    SysResult io = helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, kCom2, kCom2 + 7);
    SysResult irq = helios::irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, g_shared[3], kCom2Irq);
    if (!io.ok() || !irq.ok()) {
        helios::print("[sysfuzz] cannot issue COM2's ports and IRQ\n");
        return 1;
    }
    g_shared[kSharedIoPort] = static_cast<helios_caddr_t>(io.value);
    g_shared[kSharedIrq] = static_cast<helios_caddr_t>(irq.value);
    g_shared[kSharedDevMem] = HELIOS_INIT_CAP_DEVMEM;

    if (bi.module_count == 0 || bi.modules[0].vaddr == 0) return 1;
    lib::TarReader tar(reinterpret_cast<const uint8_t*>(bi.modules[0].vaddr), bi.modules[0].length);
    lib::TarEntry self{};
    if (tar.find("init", &self) != lib::TarError::none) {
        helios::print("[sysfuzz] cannot find my own ELF ('init') in the initramfs\n");
        return 1;
    }
    lib::ElfImage elf;
    lib::ElfSection sec{};
    if (elf.open(self.data, self.size) != lib::ElfError::none ||
        elf.find_section(".manifest", &sec) != lib::ElfError::none) {
        helios::print("[sysfuzz] my own ELF has no manifest\n");
        return 1;
    }
    lib::ManifestError merr{};
    if (!lib::parse_manifest(reinterpret_cast<const char*>(sec.data), sec.size, &g_manifest, &merr)) {
        helios::printf("[sysfuzz] my manifest, line %u: %s\n", merr.line, merr.message);
        return 1;
    }

    uint64_t main_calls = 0, thread_calls = 0, restarts = 0, crashes = 0, finished = 0;
    unsigned active = 0;
    unsigned restarts_of[kMaxWorkers] = {};
    for (unsigned i = 0; i < cfg.workers; ++i) {
        mercury::Program& p = g_workers[i];
        helios::format(p.path, sizeof p.path, "sysfuzz/worker-%u", i);
        helios::format(p.name, sizeof p.name, "worker-%u", i);
        p.elf = self.data;
        p.elf_size = self.size;
        p.manifest = &g_manifest;
        p.index = i;
        for (auto& e : p.serial_endpoint) e = kUndef;
        if (!start_worker(p, cfg, mix(cfg.seed, i))) {
            helios::printf("[sysfuzz] cannot start worker %u\n", i);
            return 1;
        }
        ++active;
    }
    while (active) {
        helios_ipcbuf* b = helios::ipcbuf();
        for (auto& c : b->caps) c = kUndef;
        SysResult got = helios::sys::recv(g_state.fault_endpoint);
        if (!got.ok()) continue;
        uint64_t label = HELIOS_TAG_LABEL(got.value);
        const uint64_t* params = b->params;
        if (label == kLabelDone && HELIOS_TAG_NPARAMS(got.value) >= 4 && b->badge >= 1 && b->badge <= cfg.workers) {
            mercury::Program& p = g_workers[b->badge - 1];
            if (!p.running || params[0] != g_nonce[p.index]) continue;  // a thread's forgery
            main_calls += params[1];  // the worker's "done" fault follows
            thread_calls += params[2];
            continue;
        }
        if (label != HELIOS_LABEL_FAULT || HELIOS_TAG_NPARAMS(got.value) < HELIOS_FAULT_NPARAMS) continue;
        uint64_t cookie = params[HELIOS_FAULT_P_COOKIE];
        uint64_t index = (cookie & 0xFFFF) - 1;
        if (index >= cfg.workers) continue;
        mercury::Program& p = g_workers[index];
        if (!p.running || mercury::fault_cookie(p) != cookie) continue;
        if (params[HELIOS_FAULT_P_KIND] == HELIOS_FAULT_PAGE && params[HELIOS_FAULT_P_ADDR] == kDoneAddress) {
            mercury::destroy_instance(p);  // done: its threads, blocked or not, and all it made
            ++finished;
            --active;
            continue;
        }
        ++crashes;
        helios::printf("[sysfuzz] %s crashed: %s at 0x%lx ip 0x%lx\n", p.name,
                       helios_fault_kind_text(params[HELIOS_FAULT_P_KIND]) ? helios_fault_kind_text(params[HELIOS_FAULT_P_KIND]) : "fault",
                       params[HELIOS_FAULT_P_ADDR], params[HELIOS_FAULT_P_IP]);
        mercury::destroy_instance(p);
        if (restarts_of[index] >= kMaxRestarts) {
            --active;
            continue;
        }
        ++restarts_of[index];
        ++restarts;
        if (!start_worker(p, cfg, mix(cfg.seed, index + 100 * restarts_of[index]))) {
            helios::printf("[sysfuzz] cannot restart %s\n", p.name);
            mercury::destroy_instance(p);
            --active;
        }
    }
    helios::printf("\n[sysfuzz] done: %lu calls (%lu by main threads, %lu by other threads), %lu of %lu workers "
                   "finished, %lu crashes, %lu restarts\n",
                   main_calls + thread_calls, main_calls, thread_calls, finished, cfg.workers, crashes, restarts);
    return 0;
}

}  // namespace

// The loader's view of init (mercury/init/init.h): here the conductor's.
mercury::Init& mercury::state() {
    return g_state;
}

int main() {
    if (const helios_bootinfo* bi = helios::rt::bootinfo()) return conductor_main(*bi);
    if (helios::rt::procinfo()) return worker_main();
    helios::print("[sysfuzz] started neither as init nor by a loader\n");
    return 1;
}
