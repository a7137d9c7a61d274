// bench_core: what the kernel's own logic costs per operation, measured
// through the uapi path (World::sys -> Kernel::enter_syscall, exactly as the
// arch enters the kernel) against the fake arch: no simulator, no ptrace.
//
//   bench_core [--quick]
//
// Each operation is warmed up, then timed in batches with steady_clock; the
// table gives the median (and the minimum) of the per-batch nanoseconds per
// operation. Trace recording in the fake arch is off while timing.
#include "support/world.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace helios;
using namespace helios::test;

namespace {

struct Figures {
    const char* name;
    unsigned syscalls;  // per operation
    double median, min;
};

// Many short batches (well under a scheduler time slice): on a shared
// machine a batch that was preempted is an outlier the median ignores.
struct Config {
    unsigned warmup = 20000;
    unsigned batches = 51;
    unsigned per_batch = 2000;
};

[[noreturn]] void fail(const char* op, const char* what, Error e) {
    std::fprintf(stderr, "bench_core: %s: %s failed (%s)\n", op, what, error_name(e));
    std::exit(1);
}

// Run `op` (which returns false when the kernel answered wrongly) and time it.
template <typename Op>
Figures measure(const Config& cfg, const char* name, unsigned syscalls, Op&& op) {
    for (unsigned i = 0; i < cfg.warmup; ++i)
        if (!op()) fail(name, "warm-up", Error::NONE);
    std::vector<double> ns;
    for (unsigned b = 0; b < cfg.batches; ++b) {
        bool ok = true;
        auto t0 = std::chrono::steady_clock::now();
        for (unsigned i = 0; i < cfg.per_batch; ++i) ok &= op();
        auto t1 = std::chrono::steady_clock::now();
        if (!ok) fail(name, "a timed operation", Error::NONE);
        ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / cfg.per_batch);
    }
    std::sort(ns.begin(), ns.end());
    return {name, syscalls, ns[ns.size() / 2], ns.front()};
}

// A capability to `object` in p's cspace at `caddr`, as a supervisor would
// have given it (setup only, not timed).
void give(Proc& p, helios_caddr_t caddr, Object* object, uint8_t rights = HELIOS_RIGHTS_ALL) {
    auto slot = p.cspace->slot(caddr);
    if (!slot.ok() || !(*slot)->is_null()) fail("setup", "give", Error::INVALID_CSLOT);
    Caps::install(**slot, object, object->type(), rights, 0);
}

Object* object_at(Proc& p, helios_caddr_t caddr) { return (*p.cspace->slot(caddr))->object; }

}  // namespace

int main(int argc, char** argv) {
    Config cfg;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick")) {
            cfg = {2000, 11, 1000};
        } else {
            std::fprintf(stderr, "usage: bench_core [--quick]\n");
            return 2;
        }
    }

    World w;
    fake_arch().record_trace = false;
    std::vector<Figures> rows;

    // Null syscall: identify a capability (decode, lookup, result).
    {
        Proc p = w.spawn();
        rows.push_back(measure(cfg, "null syscall (identify)", 1,
                               [&] { return w.sys(p, HELIOS_SYS_identify, kSlotCSpace).ok(); }));
    }

    // Endpoint round trip: the client calls, the server (blocked in recv)
    // gets the message and answers with replyrecv, blocking in recv again.
    {
        Proc server = w.spawn();
        Proc client = w.spawn();
        const helios_caddr_t ep = w.alloc(server, HELIOS_CT_ENDPOINT);
        const helios_caddr_t client_ep = kSlotFree + 8;
        give(client, client_ep, object_at(server, ep));
        if (w.sys(server, HELIOS_SYS_recv, ep).status != static_cast<Error>(HELIOS_SYS_recv) ||
            server.task->blocked != BlockedOn::Recv)
            fail("ipc", "server recv", Error::NONE);
        uint64_t n = 0;
        rows.push_back(measure(cfg, "endpoint call + replyrecv", 2, [&] {
            client.ipc->params[0] = ++n;
            w.sys(client, HELIOS_SYS_call, client_ep, HELIOS_TAG(1, 0, 1));
            if (server.ipc->params[0] != n) return false;  // the server got the message
            server.ipc->params[0] = n + 1;
            w.sys(server, HELIOS_SYS_replyrecv, HELIOS_TAG(2, 0, 1), ep);
            return w.result_of(client).ok() && client.ipc->params[0] == n + 1;
        }));
    }

    // Notification: the waiter blocks in wait, the signaller's signal wakes it.
    {
        Proc waiter = w.spawn();
        Proc signaller = w.spawn();
        const helios_caddr_t note = w.alloc(waiter, HELIOS_CT_NOTIFICATION);
        const helios_caddr_t their_note = kSlotFree + 8;
        give(signaller, their_note, object_at(waiter, note));
        rows.push_back(measure(cfg, "notification wait + signal", 2, [&] {
            w.sys(waiter, HELIOS_SYS_wait, note);
            if (waiter.task->blocked != BlockedOn::Wait) return false;
            if (!w.sys(signaller, HELIOS_SYS_signal, their_note).ok()) return false;
            SysResult r = w.result_of(waiter);
            return r.ok() && r.value == 1;
        }));
    }

    // CSpace copy into a kernel-chosen slot, then destroy the copy.
    {
        Proc p = w.spawn();
        const helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
        rows.push_back(measure(cfg, "cspace copy + destroy", 2, [&] {
            p.ipc->params[0] = HELIOS_RIGHT_SEND;
            p.ipc->caps[0] = HELIOS_CADDR_UNDEF;
            p.ipc->caps[1] = ep;
            SysResult r = w.sys(p, HELIOS_SYS_send, kSlotCSpace, HELIOS_TAG(HELIOS_INV_cspace_copy, 2, 1));
            if (!r.ok()) return false;
            p.ipc->caps[0] = static_cast<helios_caddr_t>(r.value);
            return w.sys(p, HELIOS_SYS_send, kSlotCSpace, HELIOS_TAG(HELIOS_INV_cspace_destroy, 1, 0)).ok();
        }));
    }

    // A page from the process's memory (frame allocated and zeroed), then
    // destroyed (frame freed, quota returned).
    {
        Proc p = w.spawn();
        const uint64_t used = p.memory->used();
        rows.push_back(measure(cfg, "page allocate + destroy", 2, [&] {
            p.ipc->params[0] = HELIOS_CT_PAGE;
            p.ipc->params[1] = 0;
            p.ipc->params[2] = 1;
            p.ipc->caps[0] = HELIOS_CADDR_UNDEF;
            SysResult r = w.sys(p, HELIOS_SYS_send, kSlotMemory, HELIOS_TAG(HELIOS_INV_memory_allocate, 1, 3));
            if (!r.ok()) return false;
            p.ipc->caps[0] = static_cast<helios_caddr_t>(r.value);
            return w.sys(p, HELIOS_SYS_send, kSlotCSpace, HELIOS_TAG(HELIOS_INV_cspace_destroy, 1, 0)).ok() &&
                   p.memory->used() == used;
        }));
    }

    std::printf("kernel core, fake arch, through the uapi path (%u batches of %u, median)\n", cfg.batches,
                cfg.per_batch);
    std::printf("%-30s %8s %10s %10s %12s\n", "operation", "syscalls", "ns/op", "min", "ns/syscall");
    for (const Figures& f : rows)
        std::printf("%-30s %8u %10.1f %10.1f %12.1f\n", f.name, f.syscalls, f.median, f.min, f.median / f.syscalls);
    return 0;
}
