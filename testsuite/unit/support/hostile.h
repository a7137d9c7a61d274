// Hostile: a caller making random syscalls, invocations, faults, irqs and ticks against the kernel core.
//
// The unit tests drive it from seeded generators (test_hostile.cpp); the
// libFuzzer target fuzz_syscalls drives it from the fuzzer's bytes. Every
// choice is made from the kernel's own (deterministic) lists, so a run is a
// function of its entropy. A failure reports the seed, the step and the last
// actions, then the kernel invariants that broke.
#pragma once

#include "support/invariants.h"
#include "support/world.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace helios::test {

// Where a Hostile run's choices come from.
class Entropy {
public:
    virtual ~Entropy() = default;
    virtual uint64_t next() = 0;
    // True once the source has nothing more to give (the run stops).
    virtual bool exhausted() const { return false; }
};

// Told what broke; must not return normally.
using FailureHandler = void (*)(const std::string& report);


constexpr uint64_t kMemBytes = 16u << 20;
constexpr uint64_t kDevPages = 16;  // device range just past the kernel's RAM
constexpr uint64_t kDevBase = kMemBytes;
constexpr uint64_t kThreadIpcBase = 0x10100000;  // inside the PT World::spawn installs
constexpr unsigned kMaxProcs = 9;

// The fake arch's memory is the kernel's RAM. The DevMem range lies just past
// it; back that too, so that phys_to_virt of a device page stays inside the
// fake memory whatever the kernel (or the checker's walks) does with it.
// Reserve before World sizes the vector, so growing it later never moves it.
struct ReserveDeviceRange {
    ReserveDeviceRange() { fake_arch().memory.reserve(kMemBytes + kDevPages * HELIOS_PAGE_SIZE); }
};

// Fake arch trace recording off for the run (thousands of syscalls), back on after.
struct TraceOff {
    bool was = fake_arch().record_trace;
    TraceOff() { fake_arch().record_trace = false; }
    ~TraceOff() { fake_arch().record_trace = was; }
};

struct Action {
    uint64_t step = 0;
    const char* what = "";
    uint32_t task = 0;
    uint64_t nr = 0;
    uint64_t args[3] = {};
    uint64_t label = 0;
    uint64_t status = 0;
};

// One process the test spawned: the objects World made for it straight from
// the root Memory (destroyed together to kill it).
struct ProcRec {
    std::vector<Object*> root_objects;
};

const CapType kAllocTypes[] = {HELIOS_CT_ENDPOINT, HELIOS_CT_NOTIFICATION, HELIOS_CT_PAGE,   HELIOS_CT_PAGE,
                               HELIOS_CT_PAGE,     HELIOS_CT_TASK,         HELIOS_CT_CSPACE, HELIOS_CT_VSPACE,
                               HELIOS_CT_PDPT,     HELIOS_CT_PD,           HELIOS_CT_PT,     HELIOS_CT_PT,
                               HELIOS_CT_MEMORY,   HELIOS_CT_ENDPOINT};

class Hostile {
public:
    // seed: a number to name this run by in failure reports; entropy: where
    // every choice comes from; failed: told what broke (it must not return
    // normally: a Catch FAIL throws, a fuzz target aborts).
    Hostile(uint64_t seed, bool threads, Entropy& entropy, FailureHandler failed)
        : seed_(seed), threads_mode_(threads), entropy_(entropy), failed_(failed), base_frames_(w_.frames_used()),
          checker_(w_.k, w_.root, base_frames_) {}

    uint64_t syscalls() const { return syscalls_; }

    void run(unsigned steps) {
        setup();
        fail_if(checker_.check(false, true), "after setup");
        checker_.snapshot();
        for (step_ = 0; step_ < steps && !entropy_.exhausted(); ++step_) {
            bool entry = one_step();
            bool deep = step_ % 64 == 0;
            fail_if(checker_.check(entry, deep), "invariants");
            if (entry) fail_if(checker_.check_derivation(), "capability derivation");
            checker_.snapshot();
            if (fake_arch().console.size() > (1u << 16)) fake_arch().console.clear();
        }
        teardown();
    }

private:
    uint64_t raw() { return entropy_.next(); }
    uint64_t rnd(uint64_t n) { return n ? raw() % n : 0; }
    bool chance(unsigned percent) { return rnd(100) < percent; }
    template <typename T>
    const T& pick(const std::vector<T>& v) {
        return v[rnd(v.size())];
    }

    // A set-up or tear-down step that must hold.
    void must(bool ok, const char* what) {
        if (!ok) failed_(std::string("seed ") + std::to_string(seed_) + ": expected " + what);
    }

    void fail_if(const std::vector<std::string>& problems, const char* what) {
        if (problems.empty()) return;
        std::ostringstream s;
        s << what << " broken: seed " << seed_ << " step " << step_ << "\n";
        for (size_t i = 0; i < problems.size() && i < 12; ++i) s << "  " << problems[i] << "\n";
        if (problems.size() > 12) s << "  ... " << problems.size() - 12 << " more\n";
        s << "last actions (oldest first):\n";
        for (size_t i = 0; i < recent_.size(); ++i) {
            const Action& a = recent_[(recent_pos_ + i) % recent_.size()];
            if (!*a.what) continue;
            s << "  #" << a.step << " " << a.what << " task " << a.task << " nr " << a.nr << std::hex << " a0 0x"
              << a.args[0] << " a1 0x" << a.args[1] << " a2 0x" << a.args[2] << std::dec << " label " << a.label
              << " -> " << a.status << "\n";
        }
        failed_(s.str());
    }

    Action& record(const char* what, uint32_t task = 0) {
        Action& a = recent_[recent_pos_];
        recent_pos_ = (recent_pos_ + 1) % recent_.size();
        a = Action{};
        a.step = step_;
        a.what = what;
        a.task = task;
        return a;
    }

    // ---- setup ----------------------------------------------------------------
    void setup() {
        // The device range must be backed without moving kernel memory.
        auto* before = fake_arch().memory.data();
        fake_arch().memory.resize(kMemBytes + kDevPages * HELIOS_PAGE_SIZE);
        must(fake_arch().memory.data() == before, "fake_arch().memory.data() == before");

        Kernel& k = w_.k;
        auto boot = [&](CapType type, uint64_t a, uint64_t b, Slot& vault) {
            auto r = k.create_boot_object(type, a, b);
            must(r.ok(), "r.ok()");
            Caps::install(vault, *r, type, HELIOS_RIGHTS_ALL, 0);
            checker_.add_root(*r);
            checker_.add_external_slot(&vault);
            return *r;
        };
        irqctl_ = boot(HELIOS_CT_IRQCONTROL, 0, 0, vault_[0]);
        ioctl_ = boot(HELIOS_CT_IOCONTROL, 0, 0, vault_[1]);
        devmem_ = boot(HELIOS_CT_DEVMEM, kDevPages, kDevBase, vault_[2]);

        // Shared IPC objects made at kernel level; processes get caps to them.
        for (int i = 0; i < 4; ++i) must_create(HELIOS_CT_ENDPOINT);
        for (int i = 0; i < 3; ++i) must_create(HELIOS_CT_NOTIFICATION);

        unsigned nprocs = threads_mode_ ? 3 : 5;
        for (unsigned i = 0; i < nprocs; ++i) spawn_process(false);
        if (threads_mode_)
            for (unsigned i = 0; i < 8; ++i) add_thread();
        // Everyone gets random capabilities to everyone else.
        for (unsigned i = 0; i < nprocs * 4; ++i) grant_random();
        // The device rights go to a few processes in full (random grants
        // rarely carry the SEND right an issue needs).
        checker_.collect();
        std::vector<Object*> spaces = live_of_type(HELIOS_CT_CSPACE);
        for (unsigned i = 0; i < 4 && !spaces.empty(); ++i) {
            auto& cs = *static_cast<CSpace*>(spaces[i % spaces.size()]);
            Object* device[] = {irqctl_, ioctl_, devmem_};
            install(cs, device[i % 3], HELIOS_RIGHTS_ALL);
            install(cs, device[(i + 1) % 3], HELIOS_RIGHTS_ALL);
        }
    }

    Object* must_create(CapType type, uint64_t size = 0) {
        auto r = w_.k.create_object(*w_.root, type, size);
        must(r.ok(), "r.ok()");
        return *r;
    }

    uint8_t random_rights() {
        if (chance(55)) return HELIOS_RIGHTS_ALL;
        return static_cast<uint8_t>(rnd(16));
    }

    // Install a capability at kernel level, as boot code or a supervisor
    // would have given it. Returns false when the cspace is full.
    bool install(CSpace& cs, Object* object, uint8_t rights, uint64_t badge = 0) {
        auto slot = cs.empty(HELIOS_CADDR_UNDEF);
        if (!slot.ok()) return false;
        Caps::install(**slot, object, object->type(), rights, badge);
        return true;
    }

    std::vector<Object*> live_of_type(CapType type) {
        std::vector<Object*> out;
        for (Object* o : checker_.objects())
            if (o->type() == type) out.push_back(o);
        return out;
    }

    // A live task with a cspace to receive capabilities, or null.
    CSpace* random_cspace_of_live_task() {
        std::vector<CSpace*> spaces;
        for (Task* t : checker_.tasks())
            if (t->cspace()) spaces.push_back(t->cspace());
        return spaces.empty() ? nullptr : pick(spaces);
    }

    void grant_random() {
        checker_.collect();
        CSpace* cs = random_cspace_of_live_task();
        if (!cs) return;
        unsigned n = 1 + static_cast<unsigned>(rnd(4));
        for (unsigned i = 0; i < n; ++i) {
            unsigned kind = static_cast<unsigned>(rnd(100));
            Object* o = nullptr;
            uint64_t badge = 0;
            if (kind < 45) {
                std::vector<Object*> ipc = live_of_type(HELIOS_CT_ENDPOINT);
                std::vector<Object*> n2 = live_of_type(HELIOS_CT_NOTIFICATION);
                ipc.insert(ipc.end(), n2.begin(), n2.end());
                if (!ipc.empty()) o = pick(ipc);
                if (chance(30)) badge = 1 + rnd(0xFFFF);
            } else if (kind < 85) {
                static const CapType types[] = {HELIOS_CT_TASK, HELIOS_CT_CSPACE, HELIOS_CT_VSPACE, HELIOS_CT_MEMORY,
                                                HELIOS_CT_PAGE};
                std::vector<Object*> v = live_of_type(types[rnd(5)]);
                if (!v.empty()) o = pick(v);
                if (o == w_.root) o = nullptr;  // nobody gets the root quota
            } else {
                // Device rights, or something issued from them.
                std::vector<Object*> dev = {irqctl_, ioctl_, devmem_};
                for (Object* x : checker_.objects())
                    if (x->type() == HELIOS_CT_IRQ || x->type() == HELIOS_CT_IOPORT) dev.push_back(x);
                o = pick(dev);
            }
            if (o) install(*cs, o, random_rights(), badge);
        }
    }

    std::vector<Object*> root_children() {
        std::vector<Object*> out;
        for (Object* c = w_.root->children.front(); c; c = w_.root->children.next(c)) out.push_back(c);
        return out;
    }

    bool root_has_room(uint64_t pages) { return w_.root->available() >= pages + 64; }

    // Spawn a process from the root quota; records what World made for it.
    // A rescuer also gets full capabilities to live IPC objects and tasks.
    bool spawn_process(bool rescuer) {
        unsigned radix = 5 + static_cast<unsigned>(rnd(4));
        uint64_t quota = 48 + rnd(160);
        if (procs_.size() >= kMaxProcs || !root_has_room(quota + CSpace::frames_for(radix) + 16)) return false;
        std::vector<Object*> before = root_children();
        std::sort(before.begin(), before.end());
        Proc p = w_.spawn(radix, quota);
        ProcRec rec;
        for (Object* c : root_children())
            if (!std::binary_search(before.begin(), before.end(), c)) rec.root_objects.push_back(c);
        procs_.push_back(rec);
        // Device rights: a rescuer gets all three, other processes maybe one.
        Object* device[] = {irqctl_, ioctl_, devmem_};
        for (Object* d : device)
            if (d && (rescuer || chance(20))) install(*p.cspace, d, HELIOS_RIGHTS_ALL);
        if (rescuer) {
            checker_.collect();
            for (CapType type : {HELIOS_CT_ENDPOINT, HELIOS_CT_NOTIFICATION, HELIOS_CT_TASK})
                for (Object* o : live_of_type(type))
                    if (o != p.task && chance(60)) install(*p.cspace, o, HELIOS_RIGHTS_ALL);
        }
        return true;
    }

    // Another thread in a random live task's cspace and vspace.
    bool add_thread() {
        checker_.collect();
        std::vector<Task*> hosts;
        for (Task* t : checker_.tasks())
            if (t->cspace() && t->vspace() && t->cspace()->empty(HELIOS_CADDR_UNDEF).ok()) hosts.push_back(t);
        if (hosts.empty() || procs_.empty() || !root_has_room(16)) return false;
        Task* host = pick(hosts);
        // A free IPC buffer address in the PT World installed (or one the
        // ensure_tables of World::thread will install).
        uint64_t addr = 0;
        for (unsigned i = 0; i < 64 && !addr; ++i) {
            uint64_t a = kThreadIpcBase + ((next_thread_ + i) % 256) * HELIOS_PAGE_SIZE;
            if (!w_.k.paging().translate(*host->vspace(), a, false).ok()) addr = a;
        }
        if (!addr) return false;
        next_thread_++;
        Proc p;
        p.task = host;
        p.cspace = host->cspace();
        p.vspace = host->vspace();
        std::vector<Object*> before = root_children();
        std::sort(before.begin(), before.end());
        w_.thread(p, addr);
        // The new objects join the record of a random process, so killing it
        // takes them along (which process does not matter for the kernel).
        ProcRec& rec = procs_[rnd(procs_.size())];
        for (Object* c : root_children())
            if (!std::binary_search(before.begin(), before.end(), c)) rec.root_objects.push_back(c);
        return true;
    }

    // Destroy every root-level object of a random process record (at kernel
    // level, outside any entry: what a dying supervisor's memory does).
    void kill_process() {
        if (procs_.empty()) return;
        size_t i = rnd(procs_.size());
        ProcRec rec = procs_[i];
        procs_.erase(procs_.begin() + static_cast<long>(i));
        // In a random order: a task may outlive its cspace or vspace for a while.
        for (size_t j = rec.root_objects.size(); j > 1; --j) std::swap(rec.root_objects[j - 1], rec.root_objects[rnd(j)]);
        for (Object* o : rec.root_objects) {
            // Hostile code may have destroyed it already (and the frame may
            // hold a new root child now: destroying that is still legal).
            bool live = false;
            for (Object* c = w_.root->children.front(); c && !live; c = w_.root->children.next(c)) live = c == o;
            if (live) w_.k.destroy(o);
        }
    }

    // ---- one step ---------------------------------------------------------------
    // Returns true when the step was a kernel entry (scheduling settled).
    bool one_step() {
        std::vector<Task*> runnable;
        for (Task* t : checker_.tasks())
            if (t->runnable()) runnable.push_back(t);
        if (runnable.empty()) return revive();
        unsigned r = static_cast<unsigned>(rnd(1000));
        if (r < 25) return irq();
        if (r < 45) {
            record("tick");
            w_.k.enter_tick();
            return true;
        }
        if (r < 60) return fault(pick(runnable));
        if (r < 68) {
            record(threads_mode_ ? "thread" : "spawn");
            if (threads_mode_ ? !add_thread() : !spawn_process(false)) kill_process();
            return false;
        }
        if (r < 72) {
            record("kill");
            kill_process();
            return false;
        }
        if (r < 78) {
            record("grant");
            grant_random();
            return false;
        }
        if (r < 84) return port_query(pick(runnable));
        if (r < 120) {
            // An allocation while the next frame allocations fail (a full
            // machine): all-or-nothing must hold. Then back to normal.
            w_.k.fail_next_allocations(1 + static_cast<uint32_t>(rnd(2)));
            force_alloc_ = true;
            syscall(pick(runnable));
            force_alloc_ = false;
            w_.k.fail_next_allocations(0);
            return true;
        }
        syscall(pick(runnable));
        return true;
    }

    // The arch asks whether a task may do port I/O itself (in/out without an
    // invocation): the answer must be exactly "an IoPort cap in its cspace
    // covers the ports".
    bool port_query(Task* t) {
        uint32_t port = chance(80) ? 0x2E0 + static_cast<uint32_t>(rnd(0x140)) : static_cast<uint32_t>(rnd(0x10010));
        unsigned width = chance(90) ? 1u << rnd(3) : static_cast<unsigned>(rnd(9));
        Action& a = record("port?", t->id());
        a.args[0] = port;
        a.args[1] = width;
        bool expect = false;
        if (CSpace* cs = t->cspace(); cs && width && port + width - 1 <= 0xFFFF)
            for (uint64_t i = 0; i < cs->capacity(); ++i) {
                Slot* s = cs->slot_at(i);
                if (s->type == HELIOS_CT_IOPORT && static_cast<IoPort*>(s->object)->covers(port, width)) expect = true;
            }
        bool got = w_.k.task_may_access_port(*t, port, width);
        a.status = got;
        if (got != expect)
            fail_if({std::string("task_may_access_port answered ") + (got ? "yes" : "no")}, "port access check");
        return false;
    }

    bool irq() {
        unsigned line;
        std::vector<unsigned> bound;
        for (unsigned l = 0; l < Irq::kLines; ++l)
            if (w_.k.irq_line(l)) bound.push_back(l);
        if (!bound.empty() && chance(60))
            line = pick(bound);
        else if (chance(85))
            line = static_cast<unsigned>(rnd(Irq::kLines));
        else
            line = static_cast<unsigned>(rnd(1000));
        record("irq").nr = line;
        w_.k.enter_irq(line);
        return true;
    }

    bool fault(Task* t) {
        FaultInfo f{};
        f.kind = static_cast<helios_fault_kind>(rnd(HELIOS_FAULT_KIND_COUNT + 2));
        f.addr = chance(50) ? rnd(HELIOS_USER_TOP) : raw();
        f.ip = chance(80) ? 0x400000 + rnd(0x10000) : raw();
        f.access = static_cast<unsigned>(rnd(16));
        Action& a = record("fault", t->id());
        a.nr = f.kind;
        a.args[0] = f.addr;
        // The arch reports faults of the task on the CPU.
        w_.k.switch_to(*t);
        w_.k.enter_fault(*t, f);
        return true;
    }

    // Nothing can run: wake something as the outside world would.
    bool revive() {
        // An interrupt for a bound line whose notification has waiters.
        for (unsigned l = 0; l < Irq::kLines; ++l) {
            Irq* irq = w_.k.irq_line(l);
            if (!irq || irq->notification.is_null()) continue;
            auto* n = static_cast<Notification*>(irq->notification.object);
            if (!n->waiters.empty() || !n->pollers.empty()) {
                record("revive-irq").nr = l;
                w_.k.enter_irq(l);
                return true;
            }
        }
        // A fresh process with full capabilities to every IPC object and task
        // (it signals, sends, receives or resumes on the next steps).
        record("revive-spawn");
        while (!spawn_process(true) && !procs_.empty()) kill_process();
        if (procs_.empty() && !spawn_process(true)) failed_("cannot spawn a rescuer after killing everything");
        return false;
    }

    // ---- syscalls ------------------------------------------------------------------
    struct CapRef {
        helios_caddr_t caddr;
        CapType type;
        Object* object;
    };

    std::vector<CapRef> occupied(CSpace& cs) {
        std::vector<CapRef> out;
        for (uint64_t i = 0; i < cs.capacity(); ++i) {
            Slot* s = cs.slot_at(i);
            if (!s->is_null()) out.push_back({static_cast<helios_caddr_t>(i), s->type, s->object});
        }
        return out;
    }

    // A capability address in `cs`: mostly an occupied slot (of `want` type
    // when there is one), else an empty slot, UNDEF or out of range.
    helios_caddr_t caddr_in(CSpace& cs, const std::vector<CapRef>& occ, int want = -1) {
        unsigned r = static_cast<unsigned>(rnd(100));
        if (r < 82 && !occ.empty()) {
            if (want >= 0 && chance(85)) {
                std::vector<helios_caddr_t> typed;
                for (const CapRef& c : occ)
                    if (c.type == want) typed.push_back(c.caddr);
                if (!typed.empty()) return pick(typed);
            }
            return pick(occ).caddr;
        }
        if (r < 90) return static_cast<helios_caddr_t>(rnd(cs.capacity()));  // likely empty
        if (r < 95) return HELIOS_CADDR_UNDEF;
        switch (rnd(4)) {
            case 0: return static_cast<helios_caddr_t>(cs.capacity());
            case 1: return static_cast<helios_caddr_t>(cs.capacity() + rnd(1000));
            case 2: return HELIOS_CADDR_UNDEF - 1;
            default: return static_cast<helios_caddr_t>(raw());
        }
    }
    // The capability a send or call goes to: a type chosen with weights
    // (allocation, cspace, page and IPC operations most), then a slot of it.
    uint64_t send_target(CSpace& cs, const std::vector<CapRef>& occ) {
        static const unsigned weight[HELIOS_CTYPE_COUNT] = {
            /*null*/ 0, /*memory*/ 6, /*devmem*/ 2, /*cspace*/ 5, /*vspace*/ 1, /*task*/ 4, /*endpoint*/ 5,
            /*notification*/ 2, /*reply*/ 6, /*page*/ 10, /*pdpt*/ 2, /*pd*/ 2, /*pt*/ 4, /*irqcontrol*/ 2,
            /*irq*/ 2, /*iocontrol*/ 3, /*ioport*/ 6};
        if (occ.empty() || chance(12)) return caddr_reg(cs, occ);
        unsigned present[HELIOS_CTYPE_COUNT] = {};
        for (const CapRef& c : occ) present[c.type] = 1;
        unsigned total = 0;
        for (unsigned t = 0; t < HELIOS_CTYPE_COUNT; ++t) total += present[t] * weight[t];
        if (total == 0) return pick(occ).caddr;
        unsigned x = static_cast<unsigned>(rnd(total));
        unsigned type = 0;
        for (; type < HELIOS_CTYPE_COUNT; ++type) {
            unsigned w = present[type] * weight[type];
            if (x < w) break;
            x -= w;
        }
        std::vector<helios_caddr_t> typed;
        for (const CapRef& c : occ)
            if (c.type == type) typed.push_back(c.caddr);
        return pick(typed);
    }

    // An out-caddr: mostly UNDEF (kernel picks), else anything.
    helios_caddr_t out_caddr(CSpace& cs, const std::vector<CapRef>& occ) {
        return chance(60) ? HELIOS_CADDR_UNDEF : caddr_in(cs, occ);
    }
    // A syscall register holding a caddr: rarely a value wider than 32 bits.
    uint64_t caddr_reg(CSpace& cs, const std::vector<CapRef>& occ, int want = -1) {
        if (chance(3)) return raw();
        return caddr_in(cs, occ, want);
    }

    uint64_t page_vaddr() {
        switch (rnd(14)) {
            case 12:
            case 13: return vaddr_mapped_around();
            case 0:
            case 1:
            case 2:
            case 3: return kIpcBufAddr + rnd(48) * HELIOS_PAGE_SIZE;  // tables present
            case 4: return kThreadIpcBase + rnd(256) * HELIOS_PAGE_SIZE;
            case 5: return 0x40000000 + rnd(8) * HELIOS_PAGE_SIZE;
            case 6: return chance(70) ? 0 : rnd(4) * HELIOS_PAGE_SIZE;  // page 0 is legal, and a trap
            case 7: return HELIOS_USER_TOP - HELIOS_PAGE_SIZE * (1 + rnd(2));
            case 8: return HELIOS_USER_TOP + rnd(2) * HELIOS_PAGE_SIZE;
            case 9: return kIpcBufAddr + rnd(HELIOS_PAGE_SIZE);  // unaligned
            case 10: return (raw() & ((1ull << 47) - 1)) & ~HELIOS_PAGE_MASK;
            default: return raw();
        }
    }
    // Addresses in the range some live table covers, so maps land.
    uint64_t vaddr_mapped_around() {
        std::vector<const PageTable*> pts;
        for (Object* o : checker_.objects())
            if (o->type() == HELIOS_CT_PT && static_cast<PageTable*>(o)->mapped()) pts.push_back(static_cast<PageTable*>(o));
        if (pts.empty()) return kIpcBufAddr + rnd(48) * HELIOS_PAGE_SIZE;
        return pick(pts)->vaddr() + rnd(chance(50) ? 4 : 512) * HELIOS_PAGE_SIZE;
    }
    uint64_t table_vaddr() {
        switch (rnd(8)) {
            case 0: return 0x40000000;
            case 1: return 0x40200000;
            case 2: return 0x8000000000ull;
            case 3: return 0;
            case 4: return kIpcBufAddr;
            case 5: return HELIOS_USER_TOP - HELIOS_PAGE_SIZE;
            case 6: return rnd(HELIOS_USER_TOP);
            default: return raw();
        }
    }
    uint64_t small_or_garbage(uint64_t small) { return chance(85) ? rnd(small) : raw(); }

    uint64_t user_ptr(uint64_t len) {
        // In the data pages (mapped writable) mostly; else anywhere.
        if (chance(85)) return kDataAddr + rnd(kDataPages * HELIOS_PAGE_SIZE - len + 1) / 8 * 8;
        return chance(50) ? page_vaddr() : raw();
    }

    // Fill the IPC buffer for an invocation of the capability `c` and return
    // its tag. May return garbage.
    uint64_t invocation(Task& t, CSpace& cs, const std::vector<CapRef>& occ, const CapRef& c, helios_ipcbuf* b) {
        helios_ipcbuf scratch{};
        helios_ipcbuf& m = b ? *b : scratch;
        auto& P = m.params;
        auto& C = m.caps;
        uint64_t label = 1;
        unsigned ncaps = 0, nparams = 3;
        VSpace* vs = t.vspace();
        switch (c.type) {
            case HELIOS_CT_MEMORY: {
                label = chance(85) || force_alloc_ ? HELIOS_INV_memory_allocate : HELIOS_INV_memory_info;
                uint64_t type = chance(85) ? uint64_t{kAllocTypes[rnd(std::size(kAllocTypes))]}
                                           : (chance(50) ? rnd(HELIOS_CTYPE_COUNT + 3) : raw());
                uint64_t size = 0;
                if (type == HELIOS_CT_CSPACE)
                    size = chance(90) ? 1 + rnd(7) : (chance(50) ? rnd(20) : raw());
                else if (type == HELIOS_CT_MEMORY)
                    size = chance(85) ? 1 + rnd(24) : (chance(50) ? 0 : raw() | (1ull << 63));
                else
                    size = small_or_garbage(4);
                uint64_t count = chance(force_alloc_ ? 30 : 70) ? 1 : chance(70) ? 2 + rnd(2) : (chance(50) ? rnd(10) : raw());
                P[0] = type;
                P[1] = size;
                P[2] = count;
                for (unsigned i = 0; i < HELIOS_MAX_CAPS; ++i) C[i] = out_caddr(cs, occ);
                ncaps = static_cast<unsigned>(std::min<uint64_t>(count, 8));
                break;
            }
            case HELIOS_CT_DEVMEM: {
                label = chance(85) ? HELIOS_INV_devmem_allocate : HELIOS_INV_devmem_info;
                P[0] = chance(50) ? uint64_t{HELIOS_CT_PAGE} : chance(70) ? uint64_t{HELIOS_CT_DEVMEM} : rnd(HELIOS_CTYPE_COUNT);
                P[1] = chance(85) ? rnd(6) : raw();
                P[2] = chance(70) ? 1 : chance(80) ? rnd(5) : raw();
                for (unsigned i = 0; i < HELIOS_MAX_CAPS; ++i) C[i] = out_caddr(cs, occ);
                ncaps = 1;
                break;
            }
            case HELIOS_CT_CSPACE: {
                // Operate on the invoked cspace (maybe another process's).
                auto& target = *static_cast<CSpace*>(c.object);
                std::vector<CapRef> tocc = &target == &cs ? occ : occupied(target);
                static const uint64_t labels[] = {HELIOS_INV_cspace_copy, HELIOS_INV_cspace_copy,
                                                  HELIOS_INV_cspace_move, HELIOS_INV_cspace_destroy,
                                                  HELIOS_INV_cspace_destroy, HELIOS_INV_cspace_copy_from,
                                                  HELIOS_INV_cspace_mint, HELIOS_INV_cspace_radix};
                label = labels[rnd(std::size(labels))];
                if (label == HELIOS_INV_cspace_destroy) {
                    ncaps = 1 + static_cast<unsigned>(rnd(3));
                    for (unsigned i = 0; i < ncaps; ++i) {
                        C[i] = caddr_in(target, tocc, chance(25) ? HELIOS_CT_REPLY : -1);
                        // The well-known slots go less often, or processes die young.
                        if (C[i] < 4 && chance(70)) C[i] = caddr_in(target, tocc);
                    }
                } else {
                    ncaps = chance(60) ? 2 : chance(75) ? 3 : static_cast<unsigned>(rnd(2));
                    bool from = label == HELIOS_INV_cspace_copy_from;
                    std::vector<CapRef> other_occ;
                    CSpace* other = nullptr;
                    C[2] = caddr_in(cs, occ, HELIOS_CT_CSPACE);
                    if (auto s = cs.slot(C[2]); s.ok() && (*s)->type == HELIOS_CT_CSPACE) {
                        other = static_cast<CSpace*>((*s)->object);
                        other_occ = occupied(*other);
                    }
                    CSpace& src = (from && other && ncaps >= 3) ? *other : target;
                    CSpace& dst = (!from && other && ncaps >= 3) ? *other : target;
                    C[0] = chance(40) ? HELIOS_CADDR_UNDEF : caddr_in(dst, &dst == &target ? tocc : other_occ);
                    C[1] = caddr_in(src, &src == &target ? tocc : other_occ);
                    P[0] = chance(85) ? rnd(16) : raw();
                    P[1] = chance(70) ? rnd(100) : raw();
                }
                nparams = 2;
                break;
            }
            case HELIOS_CT_TASK: {
                label = chance(95) ? 1 + rnd(10) : rnd(100);
                switch (label) {
                    case HELIOS_INV_task_configure: {
                        static const uint64_t bufs[] = {kIpcBufAddr, kDataAddr, kDataAddr + HELIOS_PAGE_SIZE, 0,
                                                        kIpcBufAddr + 8, kThreadIpcBase};
                        P[0] = chance(85) ? bufs[rnd(std::size(bufs))] : page_vaddr();
                        C[0] = caddr_in(cs, occ, HELIOS_CT_CSPACE);
                        C[1] = caddr_in(cs, occ, HELIOS_CT_VSPACE);
                        // Often a page really mapped in the vspace named (any address).
                        if (auto s = cs.slot(C[1]); s.ok() && (*s)->type == HELIOS_CT_VSPACE && chance(50)) {
                            auto* named = static_cast<VSpace*>((*s)->object);
                            std::vector<uint64_t> mapped;
                            for (Page* pg = named->pages.front(); pg; pg = named->pages.next(pg))
                                mapped.push_back(pg->vaddr());
                            if (!mapped.empty()) P[0] = pick(mapped);
                        }
                        ncaps = 2;
                        break;
                    }
                    case HELIOS_INV_task_write_registers: {
                        helios_regs regs{};
                        uint64_t* words = reinterpret_cast<uint64_t*>(&regs);
                        for (unsigned i = 0; i < sizeof regs / 8; ++i) words[i] = chance(50) ? rnd(0x1000) : raw();
                        if (chance(70)) regs.rip = 0x400000 + rnd(0x1000);
                        if (chance(70)) regs.fs_base = regs.gs_base = 0;
                        P[0] = user_ptr(sizeof regs);
                        if (vs) w_.k.copy_to_user(*vs, P[0], &regs, sizeof regs);
                        break;
                    }
                    case HELIOS_INV_task_read_registers: P[0] = user_ptr(sizeof(helios_regs)); break;
                    case HELIOS_INV_task_write_tls_base: P[0] = chance(70) ? rnd(HELIOS_USER_TOP) : raw(); break;
                    case HELIOS_INV_task_set_fault:
                        C[0] = caddr_in(cs, occ, HELIOS_CT_ENDPOINT);
                        P[0] = raw();
                        ncaps = 1;
                        break;
                    case HELIOS_INV_task_set_priority: P[0] = chance(90) ? rnd(34) : raw(); break;
                    default: P[0] = raw(); break;
                }
                break;
            }
            case HELIOS_CT_PAGE: {
                label = chance(45) ? uint64_t{HELIOS_INV_page_map} : chance(95) ? 2 + rnd(3) : rnd(50);
                if (label == HELIOS_INV_page_map) {
                    P[0] = page_vaddr();
                    P[1] = chance(85) ? rnd(4) : chance(50) ? rnd(256) : raw();
                    C[0] = caddr_in(cs, occ, HELIOS_CT_VSPACE);
                    ncaps = 1;
                    // Often inside a PT installed in the vspace named, so the map lands.
                    if (auto s = cs.slot(C[0]); s.ok() && (*s)->type == HELIOS_CT_VSPACE && chance(50)) {
                        auto* named = static_cast<VSpace*>((*s)->object);
                        std::vector<uint64_t> bases;
                        for (PageTable* pt = named->tables.front(); pt; pt = named->tables.next(pt))
                            if (pt->level() == 1) bases.push_back(pt->vaddr());
                        if (!bases.empty()) P[0] = pick(bases) + (chance(30) ? 0 : rnd(512)) * HELIOS_PAGE_SIZE;
                    }
                } else {
                    P[0] = chance(85) ? rnd(4) : raw();
                }
                break;
            }
            case HELIOS_CT_PDPT:
            case HELIOS_CT_PD:
            case HELIOS_CT_PT:
                label = chance(90) ? 1 : rnd(8);
                P[0] = table_vaddr();
                C[0] = caddr_in(cs, occ, HELIOS_CT_VSPACE);
                ncaps = 1;
                break;
            case HELIOS_CT_VSPACE:
                label = chance(90) ? uint64_t{HELIOS_INV_vspace_lookup} : rnd(8);
                P[0] = chance(60) ? kIpcBufAddr + rnd(8) * HELIOS_PAGE_SIZE + rnd(64) : page_vaddr();
                break;
            case HELIOS_CT_IRQCONTROL:
                label = chance(90) ? uint64_t{HELIOS_INV_irqcontrol_issue} : rnd(8);
                P[0] = chance(80) ? 3 + rnd(Irq::kLines - 3) : chance(80) ? rnd(Irq::kLines + 2) : raw();
                C[0] = caddr_in(cs, occ, HELIOS_CT_NOTIFICATION);
                C[1] = out_caddr(cs, occ);
                ncaps = 2;
                break;
            case HELIOS_CT_IRQ: label = chance(90) ? uint64_t{HELIOS_INV_irq_ack} : rnd(8); break;
            case HELIOS_CT_IOCONTROL: {
                label = chance(90) ? uint64_t{HELIOS_INV_iocontrol_issue} : rnd(8);
                uint64_t lo = chance(70) ? 0x2F8 + rnd(0x110) : rnd(0x10000);
                P[0] = lo;
                P[1] = chance(80) ? lo + rnd(8) : chance(50) ? rnd(0x10000) : raw();
                C[0] = out_caddr(cs, occ);
                ncaps = 1;
                break;
            }
            case HELIOS_CT_IOPORT: {
                label = chance(90) ? 1 + rnd(2) : rnd(8);
                auto* io = static_cast<IoPort*>(c.object);
                P[0] = chance(80) ? io->min() + rnd(io->max() - io->min() + 2) : raw() & 0x1FFFF;
                static const uint64_t widths[] = {1, 2, 4, 1, 3, 0, 8};
                P[1] = widths[rnd(std::size(widths))];
                P[2] = raw();
                break;
            }
            default:
                label = rnd(16);
                P[0] = raw();
                break;
        }
        if (chance(5)) {  // shape garbage: counts past the limits
            ncaps = static_cast<unsigned>(rnd(16));
            nparams = static_cast<unsigned>(rnd(128));
        }
        if (chance(3)) label = raw() >> 16;
        return HELIOS_TAG(label, ncaps, nparams);
    }

    // A message for an endpoint, reply or call: params and caps to transfer.
    uint64_t message(CSpace& cs, const std::vector<CapRef>& occ, helios_ipcbuf* b) {
        unsigned nparams = chance(90) ? static_cast<unsigned>(rnd(8)) : static_cast<unsigned>(rnd(128));
        unsigned ncaps = chance(70) ? 0 : chance(85) ? 1 + static_cast<unsigned>(rnd(3)) : static_cast<unsigned>(rnd(16));
        if (b) {
            for (unsigned i = 0; i < 8; ++i) b->params[i] = raw();
            for (unsigned i = 0; i < HELIOS_MAX_CAPS; ++i) b->caps[i] = caddr_in(cs, occ);
        }
        return HELIOS_TAG(chance(80) ? rnd(32) : raw() >> 16, ncaps, nparams);
    }
    // Before a receive: where received capabilities should go.
    void receive_slots(CSpace& cs, const std::vector<CapRef>& occ, helios_ipcbuf* b) {
        if (!b) return;
        for (unsigned i = 0; i < HELIOS_MAX_CAPS; ++i) b->caps[i] = out_caddr(cs, occ);
    }

    uint64_t syscall_number() {
        // Valid ones weighted by how much state they touch.
        static const std::pair<uint64_t, unsigned> weights[] = {
            {HELIOS_SYS_send, 34},  {HELIOS_SYS_nbsend, 4},      {HELIOS_SYS_call, 8},  {HELIOS_SYS_recv, 7},
            {HELIOS_SYS_nbrecv, 5}, {HELIOS_SYS_reply, 4},       {HELIOS_SYS_replyrecv, 4},
            {HELIOS_SYS_signal, 5}, {HELIOS_SYS_wait, 4},        {HELIOS_SYS_nbwait, 3},
            {HELIOS_SYS_poll, 6},   {HELIOS_SYS_store_reply, 3}, {HELIOS_SYS_identify, 3},
            {HELIOS_SYS_yield, 3},  {HELIOS_SYS_writecons, 2},
        };
        unsigned r = static_cast<unsigned>(rnd(1000));
        if (r < 3) return HELIOS_SYS_exit;
        if (r < 40) return HELIOS_SYSCALL_COUNT + rnd(64);       // past the table
        if (r < 60) return rnd(335);                             // Linux x86_64 numbers
        if (r < 70) return chance(50) ? raw() : ~0ull - rnd(4);  // wide garbage
        unsigned total = 0;
        for (auto& w : weights) total += w.second;
        unsigned x = static_cast<unsigned>(rnd(total));
        for (auto& w : weights) {
            if (x < w.second) return w.first;
            x -= w.second;
        }
        return HELIOS_SYS_yield;
    }

    void syscall(Task* t) {
        CSpace& cs = *t->cspace();
        std::vector<CapRef> occ = occupied(cs);
        helios_ipcbuf* b = w_.k.ipcbuf_of(*t);
        if (b && chance(4)) {  // pure garbage in the whole buffer
            auto* words = reinterpret_cast<uint64_t*>(b);
            for (unsigned i = 0; i < sizeof *b / 8; ++i) words[i] = chance(50) ? raw() : rnd(300);
        }
        uint64_t nr = force_alloc_ ? uint64_t{HELIOS_SYS_send} : syscall_number();
        // A task holding a caller's reply often answers or stores it.
        if (t->reply_to && !force_alloc_ && chance(20)) {
            static const uint64_t answers[] = {HELIOS_SYS_reply, HELIOS_SYS_replyrecv, HELIOS_SYS_store_reply};
            nr = answers[rnd(3)];
        }
        uint64_t a[6];
        for (uint64_t& v : a) v = chance(50) ? rnd(300) : raw();
        uint64_t label = 0;
        switch (nr) {
            case HELIOS_SYS_send:
            case HELIOS_SYS_nbsend:
            case HELIOS_SYS_call: {
                a[0] = send_target(cs, occ);
                if (force_alloc_)
                    for (const CapRef& c : occ)
                        if (c.type == HELIOS_CT_MEMORY || (c.type == HELIOS_CT_DEVMEM && chance(30))) a[0] = c.caddr;
                const Slot* s = a[0] < cs.capacity() ? cs.slot_at(a[0]) : nullptr;
                if (s && !s->is_null() && s->type != HELIOS_CT_ENDPOINT && s->type != HELIOS_CT_REPLY &&
                    s->type != HELIOS_CT_NOTIFICATION && chance(90)) {
                    CapRef c{static_cast<helios_caddr_t>(a[0]), s->type, s->object};
                    a[1] = invocation(*t, cs, occ, c, b);
                } else {
                    a[1] = message(cs, occ, b);
                }
                label = HELIOS_TAG_LABEL(a[1]);
                break;
            }
            case HELIOS_SYS_recv:
            case HELIOS_SYS_nbrecv:
                a[0] = caddr_reg(cs, occ, chance(70) ? HELIOS_CT_ENDPOINT : HELIOS_CT_NOTIFICATION);
                receive_slots(cs, occ, b);
                break;
            case HELIOS_SYS_reply: a[0] = message(cs, occ, b); break;
            case HELIOS_SYS_replyrecv:
                a[0] = message(cs, occ, b);
                a[1] = caddr_reg(cs, occ, HELIOS_CT_ENDPOINT);
                break;
            case HELIOS_SYS_signal:
            case HELIOS_SYS_wait:
            case HELIOS_SYS_nbwait: a[0] = caddr_reg(cs, occ, HELIOS_CT_NOTIFICATION); break;
            case HELIOS_SYS_poll: {
                unsigned count = chance(90) ? 1 + static_cast<unsigned>(rnd(4)) : static_cast<unsigned>(rnd(40));
                helios_pollcap entries[40] = {};
                for (unsigned i = 0; i < count; ++i) {
                    entries[i].cap = caddr_in(cs, occ, chance(50) ? HELIOS_CT_ENDPOINT : HELIOS_CT_NOTIFICATION);
                    entries[i].events = static_cast<uint16_t>(chance(60)   ? HELIOS_POLL_RECV
                                                              : chance(80) ? 1 + rnd(3)
                                                                           : rnd(0x10000));
                }
                a[0] = user_ptr(sizeof(helios_pollcap) * 40);
                a[1] = count;
                if (VSpace* vs = t->vspace(); vs && chance(95))
                    w_.k.copy_to_user(*vs, a[0], entries, sizeof(helios_pollcap) * count);
                break;
            }
            case HELIOS_SYS_store_reply: a[0] = out_caddr(cs, occ); break;
            case HELIOS_SYS_identify: a[0] = caddr_reg(cs, occ); break;
            case HELIOS_SYS_writecons:
                a[0] = user_ptr(64);
                a[1] = chance(90) ? rnd(200) : raw() % (1u << 17);
                break;
            case HELIOS_SYS_exit: a[0] = raw(); break;
            default: break;
        }
        Action& act = record("syscall", t->id());
        act.nr = nr;
        act.args[0] = a[0];
        act.args[1] = a[1];
        act.args[2] = a[2];
        act.label = label;
        Proc p;
        p.task = t;
        SysResult r = w_.sys(p, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        // A task that destroyed itself has no result to look at.
        act.status = static_cast<uint64_t>(r.status);
        syscalls_++;
    }

    // ---- the end: destroy everything, every frame comes back ------------------------
    void teardown() {
        Kernel& k = w_.k;
        std::vector<Object*> all = root_children();
        for (Object* o : all) {
            bool live = false;
            for (Object* c = w_.root->children.front(); c && !live; c = w_.root->children.next(c)) live = c == o;
            if (live) k.destroy(o);
        }
        must(w_.root->children.empty(), "w_.root->children.empty()");
        must(w_.root->used() == w_.root_used_at_start, "w_.root->used() == w_.root_used_at_start");
        for (Slot& v : vault_) {
            checker_.remove_external_slot(&v);
            checker_.remove_root(v.object);
            if (Object* last = Caps::clear(v)) k.destroy(last);
        }
        must(k.irqs().empty(), "k.irqs().empty()");
        must(k.ioports().empty(), "k.ioports().empty()");
        for (unsigned line = 0; line < Irq::kLines; ++line) must(k.irq_line(line) == nullptr, "k.irq_line(line) == nullptr");
        must(k.current() == nullptr, "k.current() == nullptr");
        must(k.scheduler().idle(), "k.scheduler().idle()");
        must(k.stats().objects_live == 1, "k.stats().objects_live == 1");  // the root Memory
        fail_if(checker_.check(false, true), "after destroying everything");
        must(w_.frames_used() == base_frames_, "w_.frames_used() == base_frames_");
        for (auto& [id, maps] : fake_arch().mappings) must(maps.empty(), "maps.empty()");
    }

    uint64_t seed_;
    bool threads_mode_;
    Entropy& entropy_;
    FailureHandler failed_;
    ReserveDeviceRange reserve_;
    TraceOff trace_off_;
    World w_{kMemBytes};
    uint64_t base_frames_;
    KernelChecker checker_;
    Slot vault_[3];  // the test's own capabilities to the boot objects
    Object* irqctl_ = nullptr;
    Object* ioctl_ = nullptr;
    Object* devmem_ = nullptr;
    std::vector<ProcRec> procs_;
    unsigned next_thread_ = 0;
    bool force_alloc_ = false;
    uint64_t step_ = 0;
    uint64_t syscalls_ = 0;
    std::array<Action, 24> recent_{};
    size_t recent_pos_ = 0;
};

}  // namespace helios::test
