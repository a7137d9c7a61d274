// KernelChecker: whole-kernel consistency invariants, for tests, fuzzers and the simulator.
//
// Host-only and header-only (it uses the standard library: the core itself
// has no heap), free of Catch2. It reads the core's private state the way a
// debugger's consistency check would: the unit tests and fuzzers run it after
// every step, and `helios-sim run --check-invariants` after every kernel
// entry (docs/fuzzing.md). check() returns a list of problems; an empty list
// means the kernel's object graph, capability lists, accounting, queues and
// page tables agree with each other and with what the machine was told
// (ArchView). snapshot() + check_derivation() compare the capabilities
// before and after one step: every capability that appeared must come from
// one that existed (with at least its rights) or from the creation of its
// object.
//
// scripts/check-seam.sh lets the simulator include this header besides the
// inbound seam: it is inspection, and it changes nothing but the order of
// equal-priority run queues, which it restores.
#pragma once

#include "arch/arch.h"
#include "core/kernel.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace helios::checker {

// What the machine was told through the arch seam (arch/arch.h): the pages
// it was asked to map, by address space, and the interrupt lines it was
// asked to mask. Each machine keeps that record its own way.
class ArchView {
public:
    struct Mapping {
        uint64_t phys;
        unsigned flags;  // HELIOS_MAP_*
    };
    virtual ~ArchView() = default;
    // Every address space the machine holds mappings for, with how many.
    virtual void for_each_vspace(const std::function<void(uint32_t vspace_id, size_t mappings)>& fn) const = 0;
    // The mapping of page `vaddr` in address space `vspace_id`, if any.
    virtual std::optional<Mapping> mapping(uint32_t vspace_id, uint64_t vaddr) const = 0;
    virtual bool masked(unsigned line) const = 0;
};


class KernelChecker {
public:
    // base_frames: frames in use when the kernel had nothing but `root` (the
    // metadata and the root Memory's own frame).
    KernelChecker(Kernel& k, Memory* root, uint64_t base_frames, const ArchView& arch)
        : k_(k), root_(root), base_frames_(base_frames), arch_(arch) {}

    // Objects owned by no Memory that the test made (boot objects: irq
    // control, io control, devmem ranges). They must stay alive while listed.
    void add_root(Object* object) { extra_roots_.push_back(object); }
    void remove_root(Object* object) {
        extra_roots_.erase(std::remove(extra_roots_.begin(), extra_roots_.end(), object), extra_roots_.end());
    }
    // The boot objects owned by no Memory (devmem, irq control, io control),
    // found where boot_init puts them in init's cspace. Call right after boot.
    void add_boot_roots(Task& init) {
        auto* cs = downcast<CSpace>(init.cspace());
        if (!cs) return;
        for (helios_caddr_t c : {HELIOS_INIT_CAP_DEVMEM, HELIOS_INIT_CAP_IRQCONTROL, HELIOS_INIT_CAP_IOCONTROL}) {
            auto slot = cs->slot(c);
            if (slot.ok() && *slot && !(*slot)->is_null() && !(*slot)->object->parent())
                add_root((*slot)->object);
        }
    }
    // A slot owned by the test itself (kept outside every cspace and object).
    void add_external_slot(const Slot* slot) { external_slots_.push_back(slot); }
    void remove_external_slot(const Slot* slot) {
        external_slots_.erase(std::remove(external_slots_.begin(), external_slots_.end(), slot), external_slots_.end());
    }

    // Walk the kernel and check every invariant. `settled`: the kernel just
    // finished an entry (enter_*), so scheduling decisions are complete.
    // `deep`: also walk every page table and every frame record (slower).
    std::vector<std::string> check(bool settled, bool deep) {
        problems_.clear();
        collect();
        check_objects();
        check_caps();
        check_tasks(settled);
        check_queues();
        check_scheduler(settled);
        check_irqs();
        check_paging(deep);
        check_frames(deep);
        return problems_;
    }

    // Live objects as of the last check() or collect(), in a deterministic
    // order (the kernel's own list order).
    const std::vector<Object*>& objects() const { return objects_; }
    const std::vector<Task*>& tasks() const { return tasks_; }
    bool live(const Object* o) const { return std::binary_search(sorted_.begin(), sorted_.end(), o); }

    // Walk the kernel's object graph only (fills objects()/tasks()).
    void collect() {
        objects_.clear();
        tasks_.clear();
        std::vector<Object*> stack;
        stack.push_back(root_);
        for (auto it = extra_roots_.rbegin(); it != extra_roots_.rend(); ++it) stack.push_back(*it);
        std::vector<Object*> kids;
        while (!stack.empty()) {
            Object* o = stack.back();
            stack.pop_back();
            objects_.push_back(o);
            if (objects_.size() > kMaxObjects) {
                problem("object walk did not end (cycle in a children list?)");
                break;
            }
            kids.clear();
            if (auto* m = downcast<Memory>(o))
                for (Object* c = m->children.front(); c && kids.size() <= kMaxObjects; c = m->children.next(c))
                    kids.push_back(c);
            if (auto* d = downcast<DevMem>(o))
                for (Object* c = d->children.front(); c && kids.size() <= kMaxObjects; c = d->children.next(c))
                    kids.push_back(c);
            for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
        }
        size_t n = 0;
        for (Object* o = k_.ioports().front(); o && n++ <= kMaxObjects; o = k_.ioports().next(o)) objects_.push_back(o);
        n = 0;
        for (Object* o = k_.irqs().front(); o && n++ <= kMaxObjects; o = k_.irqs().next(o)) objects_.push_back(o);
        sorted_ = objects_;
        std::sort(sorted_.begin(), sorted_.end());
        if (std::adjacent_find(sorted_.begin(), sorted_.end()) != sorted_.end())
            problem("an object is reachable twice (two parents, or on two lists)");
        for (Object* o : objects_)
            if (o->type() == HELIOS_CT_TASK) tasks_.push_back(static_cast<Task*>(o));
    }

    // ---- capability derivation -------------------------------------------
    // Record every capability now (call after check() or collect()).
    void snapshot() {
        before_.clear();
        before_index_.clear();
        before_objects_ = sorted_;
        for_each_container([this](const void* container, Slot* slots, uint64_t count, uint64_t stride) {
            before_index_[container] = {before_.size(), count};
            for (uint64_t i = 0; i < count; ++i) before_.push_back(value_of(*slot_n(slots, i, stride)));
        });
    }
    // After one step (and a check()/collect()): every capability that is new
    // in its slot must derive from one that existed before with a superset of
    // its rights and the same type, or be the birth of its object with the
    // rights creation gives. `where` names the step in problem reports.
    std::vector<std::string> check_derivation() {
        problems_.clear();
        for_each_container([this](const void* container, Slot* slots, uint64_t count, uint64_t stride) {
            auto it = before_index_.find(container);
            bool same_shape = it != before_index_.end() && it->second.second == count;
            for (uint64_t i = 0; i < count; ++i) {
                CapValue now = value_of(*slot_n(slots, i, stride));
                if (!now.object) continue;
                if (same_shape && before_[it->second.first + i] == now) continue;
                justify(now, container, i);
            }
        });
        return problems_;
    }

private:
    static constexpr size_t kMaxObjects = 1u << 20;
    static constexpr size_t kMaxList = 1u << 20;

    struct CapValue {
        const Object* object = nullptr;
        CapType type = HELIOS_CT_NULL_CAP;
        uint8_t rights = 0;
        bool operator==(const CapValue&) const = default;
    };
    static CapValue value_of(const Slot& s) { return {s.object, s.type, s.rights}; }
    static Slot* slot_n(Slot* base, uint64_t i, uint64_t stride) {
        return reinterpret_cast<Slot*>(reinterpret_cast<char*>(base) + i * stride);
    }

    template <typename... Args>
    void problem(Args&&... args) {
        std::ostringstream s;
        (s << ... << args);
        problems_.push_back(s.str());
    }
    static const char* type_name(CapType t) {
        switch (t) {
#define HELIOS_X_NAME(num, name, text) \
    case num: return text;
            HELIOS_CTYPES(HELIOS_X_NAME)
#undef HELIOS_X_NAME
            default: return "?";
        }
    }
    std::string describe(const Object* o) const {
        std::ostringstream s;
        s << type_name(o->type()) << "@" << static_cast<const void*>(o);
        if (o->type() == HELIOS_CT_TASK) s << "(task " << static_cast<const Task*>(o)->id() << ")";
        return s.str();
    }

    // Every place a capability can live: cspace slot arrays, a task's three
    // embedded slots, an irq's notification slot, the test's own slots.
    template <typename Fn>
    void for_each_container(Fn&& fn) {
        for (Object* o : objects_) {
            if (auto* cs = downcast<CSpace>(o)) fn(cs, cs->slot_at(0), cs->capacity(), sizeof(Slot));
            if (auto* t = downcast<Task>(o)) {
                fn(&t->cspace_slot, &t->cspace_slot, 1, sizeof(Slot));
                fn(&t->vspace_slot, &t->vspace_slot, 1, sizeof(Slot));
                fn(&t->fault_slot, &t->fault_slot, 1, sizeof(Slot));
            }
            if (auto* irq = downcast<Irq>(o)) fn(&irq->notification, &irq->notification, 1, sizeof(Slot));
        }
        for (const Slot* s : external_slots_) fn(s, const_cast<Slot*>(s), 1, sizeof(Slot));
    }

    void justify(const CapValue& now, const void* container, uint64_t index) {
        // Derived from an existing capability of the same type and object?
        for (const CapValue& b : before_)
            if (b.object == now.object && b.type == now.type && (now.rights & ~b.rights) == 0) return;
        bool newborn = !std::binary_search(before_objects_.begin(), before_objects_.end(), now.object);
        uint8_t birth_rights = 0;
        switch (now.type) {
            case HELIOS_CT_IRQ:
            case HELIOS_CT_IOPORT: birth_rights = HELIOS_RIGHT_SEND; break;
            case HELIOS_CT_REPLY: birth_rights = HELIOS_RIGHT_SEND | HELIOS_RIGHT_GRANT; break;
            default: birth_rights = HELIOS_RIGHTS_ALL; break;
        }
        // A reply capability is made by store_reply for an existing task.
        if ((newborn || now.type == HELIOS_CT_REPLY) && (now.rights & ~birth_rights) == 0) return;
        problem("capability ", type_name(now.type), " rights ", unsigned(now.rights), " to ", describe(now.object),
                " in container ", container, "[", index, "] derives from no earlier capability",
                newborn ? " (new object, too many rights)" : "");
    }

    // ---- objects, memory accounting ----------------------------------------
    void check_objects() {
        uint64_t frames = 0;
        for (Object* o : objects_) {
            if (o->type() <= HELIOS_CT_NULL_CAP || o->type() >= HELIOS_CTYPE_COUNT || o->type() == HELIOS_CT_REPLY)
                problem("object ", static_cast<const void*>(o), " has bad type ", unsigned(o->type()));
            if (o->dying()) problem(describe(o), " is dying outside an entry (destroy queue not drained)");
            if (o != root_) frames += o->page_count();
            for (uint64_t i = 0; i < o->page_count(); ++i) {
                uint64_t f = o->first_frame() + i;
                if (f < k_.phys().first_frame() || f >= k_.phys().first_frame() + k_.phys().total_frames()) {
                    problem(describe(o), " frame ", f, " outside managed memory");
                    break;
                }
                if (k_.frame(f).owner != o) problem(describe(o), " frame ", f, " record names another owner");
                if (!k_.phys().is_used(f)) problem(describe(o), " frame ", f, " is free in the allocator");
            }
            if (auto* m = downcast<Memory>(o)) {
                uint64_t used = 0;
                size_t n = 0;
                for (Object* c = m->children.front(); c && n++ < kMaxList; c = m->children.next(c)) {
                    if (c->parent() != m) problem(describe(c), " is on a Memory's list but names another parent");
                    used += c->page_count();
                    if (auto* cm = downcast<Memory>(c)) used += cm->quota();
                }
                if (m->used() != used)
                    problem(describe(m), " used ", m->used(), " but its children account for ", used);
                if (m->used() > m->quota()) problem(describe(m), " used ", m->used(), " > quota ", m->quota());
            }
            if (auto* d = downcast<DevMem>(o)) {
                if (d->watermark() > d->pages()) problem(describe(d), " watermark past its end");
                if (d->children.empty() && d->watermark() != 0)
                    problem(describe(d), " has no children but watermark ", d->watermark());
                uint64_t lo = d->base(), hi = d->base() + d->watermark() * HELIOS_PAGE_SIZE;
                size_t n = 0;
                for (Object* c = d->children.front(); c && n++ < kMaxList; c = d->children.next(c)) {
                    if (c->parent() != d) problem(describe(c), " is on a DevMem's list but names another parent");
                    if (auto* p = downcast<Page>(c)) {
                        if (!p->device() || p->phys() < lo || p->phys() >= hi)
                            problem(describe(p), " device page outside its range's watermark");
                    } else if (auto* cd = downcast<DevMem>(c)) {
                        if (cd->base() < lo || cd->base() + cd->pages() * HELIOS_PAGE_SIZE > hi)
                            problem(describe(cd), " sub-range outside its parent's watermark");
                    } else {
                        problem(describe(c), " allocated from a DevMem");
                    }
                }
            }
            if (auto* io = downcast<IoPort>(o))
                if (io->min() > io->max()) problem(describe(io), " min > max");
            Object* parent = o->parent();
            if (parent && !live(parent)) problem(describe(o), " has a dead parent");
            if (!parent && o != root_ && o->type() != HELIOS_CT_IRQ && o->type() != HELIOS_CT_IOPORT &&
                std::find(extra_roots_.begin(), extra_roots_.end(), o) == extra_roots_.end())
                problem(describe(o), " has no parent and is not a boot object");
        }
        uint64_t used = k_.phys().total_frames() - k_.phys().free_frames();
        if (used != base_frames_ + frames)
            problem("allocator has ", used, " frames used; metadata + live objects account for ",
                    base_frames_ + frames);
        if (k_.stats().objects_live != objects_.size())
            problem("stats.objects_live ", k_.stats().objects_live, " but ", objects_.size(), " objects reachable");
        // The per-type counts the host limits are checked against (arch::admit_object).
        uint64_t by_type[HELIOS_CTYPE_COUNT] = {};
        for (Object* o : objects_)
            if (o->type() < HELIOS_CTYPE_COUNT) by_type[o->type()]++;
        for (unsigned t = 0; t < HELIOS_CTYPE_COUNT; ++t)
            if (k_.stats().live_by_type[t] != by_type[t])
                problem("stats.live_by_type[", t, "] is ", k_.stats().live_by_type[t], " but ", by_type[t],
                        " objects of that type are reachable");
    }

    // ---- capabilities: every slot <-> its object's cap list -----------------
    void check_caps() {
        uint64_t nonnull = 0;
        // Known slot locations, for classifying the members of cap lists.
        cspace_ranges_.clear();
        for (Object* o : objects_)
            if (auto* cs = downcast<CSpace>(o)) cspace_ranges_.push_back({cs->slot_at(0), cs->slot_at(0) + cs->capacity()});
        std::sort(cspace_ranges_.begin(), cspace_ranges_.end());
        for_each_container([&](const void* container, Slot* slots, uint64_t count, uint64_t stride) {
            for (uint64_t i = 0; i < count; ++i) {
                Slot& s = *slot_n(slots, i, stride);
                if (s.is_null()) {
                    if (s.type != HELIOS_CT_NULL_CAP || s.link.linked())
                        problem("null slot ", container, "[", i, "] has a type or is linked");
                    continue;
                }
                nonnull++;
                if (!live(s.object)) {
                    problem("slot ", container, "[", i, "] (", type_name(s.type), ") points to a dead object ",
                            static_cast<const void*>(s.object));
                    continue;
                }
                bool type_ok = s.type == s.object->type() ||
                               (s.type == HELIOS_CT_REPLY && s.object->type() == HELIOS_CT_TASK);
                if (!type_ok)
                    problem("slot ", container, "[", i, "] has type ", type_name(s.type), " but holds ",
                            describe(s.object));
                if (s.rights & ~HELIOS_RIGHTS_ALL) problem("slot ", container, "[", i, "] has rights bits ", unsigned(s.rights));
                if (!s.link.linked()) problem("slot ", container, "[", i, "] is not on its object's cap list");
            }
        });
        uint64_t listed = 0;
        for (Object* o : objects_) {
            uint32_t owning = 0;
            size_t n = 0;
            for (Slot* s = o->caps.front(); s; s = o->caps.next(s)) {
                if (++n > kMaxList) {
                    problem(describe(o), " cap list does not end");
                    break;
                }
                listed++;
                if (s->object != o) {
                    problem(describe(o), " cap list holds a slot pointing elsewhere");
                    continue;
                }
                if (!known_slot(s)) problem(describe(o), " cap list holds a slot in no live cspace or object");
                if (s->type != HELIOS_CT_REPLY) owning++;
            }
            if (owning != o->owning_caps())
                problem(describe(o), " owning_caps ", o->owning_caps(), " but ", owning, " owning caps listed");
        }
        if (listed != nonnull) problem(listed, " caps on cap lists but ", nonnull, " non-null slots");
    }

    bool known_slot(const Slot* s) const {
        auto it = std::upper_bound(cspace_ranges_.begin(), cspace_ranges_.end(), s,
                                   [](const Slot* x, const auto& range) { return x < range.first; });
        if (it != cspace_ranges_.begin()) {
            --it;
            if (s >= it->first && s < it->second) {
                auto off = reinterpret_cast<const char*>(s) - reinterpret_cast<const char*>(it->first);
                return off % sizeof(Slot) == 0 && s->embedded_in == nullptr;
            }
        }
        if (Object* owner = s->embedded_in) {
            if (!live(owner)) return false;
            if (auto* t = downcast<Task>(owner))
                return s == &t->cspace_slot || s == &t->vspace_slot || s == &t->fault_slot;
            if (auto* irq = downcast<Irq>(owner)) return s == &irq->notification;
            return false;
        }
        return std::find(external_slots_.begin(), external_slots_.end(), s) != external_slots_.end();
    }

    // ---- tasks: embedded caps, blocking and call/reply state ---------------
    void check_tasks(bool settled) {
        for (Task* t : tasks_) {
            std::string who = describe(t);
            if (!t->cspace_slot.is_null() &&
                (t->cspace_slot.type != HELIOS_CT_CSPACE || t->cspace_slot.embedded_in != t))
                problem(who, " cspace slot wrong type or owner");
            if (!t->vspace_slot.is_null() &&
                (t->vspace_slot.type != HELIOS_CT_VSPACE || t->vspace_slot.embedded_in != t))
                problem(who, " vspace slot wrong type or owner");
            if (!t->fault_slot.is_null() &&
                (t->fault_slot.type != HELIOS_CT_ENDPOINT || t->fault_slot.embedded_in != t ||
                 (t->fault_slot.rights & ~HELIOS_RIGHT_SEND)))
                problem(who, " fault slot wrong type, owner or rights");
            if (t->priority > HELIOS_PRIORITY_MAX) problem(who, " priority ", unsigned(t->priority));
            bool queued = k_.scheduler().queued(*t);
            if (queued && !t->runnable()) problem(who, " is queued to run but not runnable");
            if (queued && t == k_.current()) problem(who, " is current and queued");
            if (settled && t->runnable() && !queued && t != k_.current())
                problem(who, " is runnable but neither queued nor current (lost)");
            switch (t->blocked) {
                case BlockedOn::None:
                    if (t->wait_link.linked() || t->poll_count || t->blocked_object)
                        problem(who, " not blocked but still on a wait queue");
                    break;
                case BlockedOn::Send:
                case BlockedOn::Recv:
                    if (!t->blocked_object || !live(t->blocked_object) ||
                        t->blocked_object->type() != HELIOS_CT_ENDPOINT || !t->wait_link.linked())
                        problem(who, " blocked on an endpoint that is gone or not queued on it");
                    if (t->blocked == BlockedOn::Send && t->msg_is_fault && !(t->suspended && t->faulted))
                        problem(who, " queued fault message but the task is not stopped");
                    break;
                case BlockedOn::Wait:
                    if (!t->blocked_object || !live(t->blocked_object) ||
                        t->blocked_object->type() != HELIOS_CT_NOTIFICATION || !t->wait_link.linked())
                        problem(who, " waiting on a notification that is gone or not queued on it");
                    break;
                case BlockedOn::Reply:
                    if (t->wait_link.linked() || t->poll_count) problem(who, " awaits a reply but is on a queue");
                    if (t->replier) {
                        if (!live(t->replier) || t->replier->type() != HELIOS_CT_TASK)
                            problem(who, " awaits a reply from a dead task");
                        else if (t->replier->reply_to != t)
                            problem(who, " awaits a reply from a task that does not hold it");
                        if (t->reply_stored) problem(who, " reply both implicit and stored");
                    } else if (!t->reply_stored) {
                        problem(who, " awaits a reply nobody holds (stuck forever)");
                    }
                    break;
                case BlockedOn::Poll:
                    if (t->poll_count == 0 || t->poll_count > Task::kMaxPoll || t->wait_link.linked())
                        problem(who, " polls with count ", t->poll_count);
                    for (uint32_t i = 0; i < t->poll_count && i < Task::kMaxPoll; ++i)
                        if (!t->polls[i].link.linked() || t->polls[i].task != t)
                            problem(who, " poll registration ", i, " not linked");
                    break;
            }
            if (t->blocked != BlockedOn::Poll)
                for (const PollWait& pw : t->polls)
                    if (pw.link.linked()) problem(who, " not polling but a poll registration is linked");
            if (t->blocked != BlockedOn::Reply && t->replier) problem(who, " has a replier but awaits no reply");
            if (Task* c = t->reply_to) {
                if (!live(c) || c->type() != HELIOS_CT_TASK)
                    problem(who, " holds the reply of a dead task");
                else if (c->replier != t || c->blocked != BlockedOn::Reply)
                    problem(who, " holds the reply of ", describe(c), " which does not await it");
            }
            unsigned replies = 0;
            for (Slot* s = t->caps.front(); s; s = t->caps.next(s)) replies += s->type == HELIOS_CT_REPLY;
            if (replies > 1) problem(who, " has ", replies, " reply capabilities");
            if (replies && (!t->reply_stored || t->blocked != BlockedOn::Reply))
                problem(who, " has a reply capability but awaits no stored reply");
            if (t->reply_stored && replies == 0) problem(who, " reply_stored but no reply capability exists");
        }
    }

    // ---- endpoint and notification queues ----------------------------------
    template <typename L>
    size_t walk_tasks(const L& list, const Object* on, BlockedOn want, const char* what) {
        size_t n = 0;
        for (Task* t = list.front(); t; t = list.next(t)) {
            if (++n > kMaxList) {
                problem(describe(on), " ", what, " queue does not end");
                break;
            }
            if (!live(t) || t->type() != HELIOS_CT_TASK) {
                problem(describe(on), " ", what, " queue holds a dead task");
                break;
            }
            if (t->blocked != want || t->blocked_object != on)
                problem(describe(on), " ", what, " queue holds ", describe(t), " not blocked on it");
        }
        return n;
    }
    template <typename L>
    size_t walk_pollers(const L& list, const Object* on) {
        size_t n = 0;
        for (PollWait* pw = list.front(); pw; pw = list.next(pw)) {
            if (++n > kMaxList) {
                problem(describe(on), " poller list does not end");
                break;
            }
            Task* t = pw->task;
            if (!t || !live(t) || t->type() != HELIOS_CT_TASK) {
                problem(describe(on), " poller of a dead task");
                break;
            }
            if (t->blocked != BlockedOn::Poll || pw < t->polls || pw >= t->polls + t->poll_count)
                problem(describe(on), " poller ", describe(t), " is not polling it");
        }
        return n;
    }
    void check_queues() {
        size_t queued = 0, expected = 0, pollers = 0, expected_pollers = 0;
        for (Object* o : objects_) {
            if (auto* ep = downcast<Endpoint>(o)) {
                queued += walk_tasks(ep->senders, ep, BlockedOn::Send, "sender");
                queued += walk_tasks(ep->receivers, ep, BlockedOn::Recv, "receiver");
                pollers += walk_pollers(ep->pollers, ep);
            } else if (auto* n = downcast<Notification>(o)) {
                queued += walk_tasks(n->waiters, n, BlockedOn::Wait, "waiter");
                pollers += walk_pollers(n->pollers, n);
            }
        }
        for (Task* t : tasks_) {
            if (t->blocked == BlockedOn::Send || t->blocked == BlockedOn::Recv || t->blocked == BlockedOn::Wait)
                expected++;
            if (t->blocked == BlockedOn::Poll) expected_pollers += t->poll_count;
        }
        if (queued != expected) problem(queued, " tasks on object queues but ", expected, " blocked on objects");
        if (pollers != expected_pollers)
            problem(pollers, " poll registrations on objects but ", expected_pollers, " expected");
    }

    // ---- scheduler ------------------------------------------------------------
    void check_scheduler(bool settled) {
        // The queues are private: pop everything and put it back in the same
        // order (each level is FIFO, and pop_next drains levels best first).
        std::vector<Task*> popped;
        while (Task* t = k_.scheduler().pop_next()) {
            popped.push_back(t);
            if (popped.size() > kMaxList) {
                problem("run queue does not end");
                break;
            }
        }
        size_t queued_live = 0;
        for (Task* t : tasks_) queued_live += k_.scheduler().queued(*t);  // all popped: must be 0
        if (queued_live) problem(queued_live, " tasks still marked queued after draining the run queue");
        for (Task* t : popped) {
            if (!live(t) || t->type() != HELIOS_CT_TASK) {
                problem("run queue held a dead task ", static_cast<const void*>(t));
                continue;
            }
            if (!t->runnable()) problem("run queue held ", describe(t), " which is not runnable");
            if (t == k_.current()) problem("run queue held the current task");
            k_.scheduler().enqueue(*t);
        }
        Task* cur = k_.current();
        if (cur && (!live(cur) || cur->type() != HELIOS_CT_TASK)) {
            problem("current task is dead");
        } else if (cur && !cur->runnable()) {
            problem("current ", describe(cur), " is not runnable");
        }
        if (settled && !cur && !k_.scheduler().idle()) problem("idle although tasks are queued");
        if (k_.init_task() && !live(k_.init_task())) problem("init_task is dead");
    }

    void check_irqs() {
        for (unsigned l = 0; l < Irq::kLines; ++l) {
            Irq* irq = k_.irq_line(l);
            if (irq && (!live(irq) || irq->type() != HELIOS_CT_IRQ || irq->line() != l))
                problem("irq line ", l, " bound to a dead or different irq object");
        }
        for (Object* o : objects_)
            if (auto* irq = downcast<Irq>(o)) {
                if (irq->line() >= Irq::kLines || k_.irq_line(irq->line()) != irq)
                    problem(describe(irq), " line ", irq->line(), " not bound to it");
                // Masked from delivery (or issue) until acked.
                if (irq->line() < Irq::kLines && arch_.masked(irq->line()) != irq->pending_ack)
                    problem(describe(irq), " line ", irq->line(), " masked ", arch_.masked(irq->line()),
                            " but pending_ack ", irq->pending_ack);
                const Slot& n = irq->notification;
                if (!n.is_null() && (n.type != HELIOS_CT_NOTIFICATION || n.embedded_in != irq ||
                                     (n.rights & ~HELIOS_RIGHT_SEND)))
                    problem(describe(irq), " notification slot wrong");
            }
    }

    // ---- pages, tables and what the arch was told ----------------------------
    void check_paging(bool deep) {
        std::unordered_map<uint32_t, VSpace*> by_id;
        for (Object* o : objects_)
            if (auto* vs = downcast<VSpace>(o)) by_id[vs->id()] = vs;
        arch_.for_each_vspace([&](uint32_t id, size_t count) {
            auto it = by_id.find(id);
            if (it == by_id.end()) {
                if (count) problem("arch still has ", count, " mappings of dead vspace ", id);
                return;
            }
            if (count != it->second->mapped_pages())
                problem("arch has ", count, " mappings of vspace ", id, " but kernel ", it->second->mapped_pages());
        });
        size_t mapped_pages = 0, mapped_tables = 0, listed_pages = 0, listed_tables = 0;
        for (Object* o : objects_) {
            if (auto* p = downcast<Page>(o)) {
                if (!p->mapped()) continue;
                mapped_pages++;
                VSpace* vs = p->vspace();
                if (!live(vs) || vs->type() != HELIOS_CT_VSPACE) {
                    problem(describe(p), " mapped in a dead vspace");
                    continue;
                }
                auto phys = k_.paging().translate(*vs, p->vaddr(), false);
                if (!phys.ok() || *phys != p->phys())
                    problem(describe(p), " at ", std::hex, p->vaddr(), " does not translate to its frame");
                std::optional<ArchView::Mapping> told = arch_.mapping(vs->id(), p->vaddr());
                if (!told || told->phys != p->phys() || told->flags != p->flags())
                    problem(describe(p), " mapping not what the arch was told");
            } else if (o->type() == HELIOS_CT_PDPT || o->type() == HELIOS_CT_PD || o->type() == HELIOS_CT_PT) {
                auto* t = static_cast<PageTable*>(o);
                if (!t->mapped()) continue;
                mapped_tables++;
                VSpace* vs = t->vspace();
                if (!live(vs) || vs->type() != HELIOS_CT_VSPACE) {
                    problem(describe(t), " installed in a dead vspace");
                    continue;
                }
                if (table_entry(*vs, t->vaddr(), t->level() + 1) != (t->phys() | 7))
                    problem(describe(t), " is not where its vspace's tables say");
            } else if (auto* vs = downcast<VSpace>(o)) {
                size_t n = 0;
                for (Page* pg = vs->pages.front(); pg && n <= kMaxList; pg = vs->pages.next(pg)) {
                    ++n;
                    if (!live(pg) || pg->type() != HELIOS_CT_PAGE || pg->vspace() != vs) {
                        problem(describe(vs), " page list holds a page not mapped in it");
                        break;
                    }
                }
                if (n != vs->mapped_pages()) problem(describe(vs), " mapped_pages ", vs->mapped_pages(), " but ", n, " listed");
                listed_pages += n;
                n = 0;
                for (PageTable* t = vs->tables.front(); t && n <= kMaxList; t = vs->tables.next(t)) {
                    ++n;
                    if (!live(t) || !PageTable::is_table_type(t->type()) || t->vspace() != vs) {
                        problem(describe(vs), " table list holds a table not installed in it");
                        break;
                    }
                }
                listed_tables += n;
                if (deep) deep_walk(*vs);
            }
        }
        if (mapped_pages != listed_pages) problem(mapped_pages, " pages mapped but ", listed_pages, " on vspace lists");
        if (mapped_tables != listed_tables)
            problem(mapped_tables, " tables installed but ", listed_tables, " on vspace lists");
    }

    uint64_t* table_at(uint64_t phys) { return static_cast<uint64_t*>(arch::phys_to_virt(phys)); }
    // The entry for vaddr in the table at `level` (4 = PML4), or 0 when a
    // table above is missing.
    uint64_t table_entry(VSpace& vs, uint64_t vaddr, unsigned level) {
        uint64_t phys = vs.root_phys();
        for (unsigned l = 4; l > level; --l) {
            uint64_t e = table_at(phys)[table_index(vaddr, l)];
            if (!(e & pte::kPresent)) return 0;
            phys = e & pte::kAddrMask;
        }
        return table_at(phys)[table_index(vaddr, level)];
    }

    // Every present entry of the vspace's tables belongs to a table installed
    // in it at that place, or (leaves) to a page mapped there.
    void deep_walk(VSpace& vs) {
        std::unordered_map<uint64_t, PageTable*> tables;  // phys -> table
        for (PageTable* t = vs.tables.front(); t; t = vs.tables.next(t)) tables[t->phys()] = t;
        std::unordered_map<uint64_t, Page*> pages;  // vaddr -> page
        for (Page* p = vs.pages.front(); p; p = vs.pages.next(p)) pages[p->vaddr()] = p;
        uint64_t leaves = 0;
        walk_level(vs, vs.root_phys(), 4, 0, tables, pages, leaves);
        if (leaves != vs.mapped_pages()) problem(describe(&vs), " has ", leaves, " leaf entries but ", vs.mapped_pages(), " pages");
    }
    void walk_level(VSpace& vs, uint64_t phys, unsigned level, uint64_t base,
                    const std::unordered_map<uint64_t, PageTable*>& tables,
                    const std::unordered_map<uint64_t, Page*>& pages, uint64_t& leaves) {
        uint64_t* e = table_at(phys);
        for (unsigned i = 0; i < 512; ++i) {
            if (!(e[i] & pte::kPresent)) continue;
            uint64_t va = base + (uint64_t{i} << (12 + 9 * (level - 1)));
            uint64_t target = e[i] & pte::kAddrMask;
            if (level == 1) {
                leaves++;
                auto it = pages.find(va);
                if (it == pages.end() || it->second->phys() != target)
                    problem(describe(&vs), " leaf at ", std::hex, va, " maps no page of this vspace");
                continue;
            }
            auto it = tables.find(target);
            if (it == tables.end() || it->second->level() != level - 1 || it->second->vaddr() != va) {
                problem(describe(&vs), " entry at level ", level, " points to no table installed there");
                continue;
            }
            walk_level(vs, target, level - 1, va, tables, pages, leaves);
        }
    }

    void check_frames(bool deep) {
        if (!deep) return;
        uint64_t owned = 0, expected = 0;
        for (uint64_t f = 0; f < k_.phys().total_frames(); ++f) {
            uint64_t frame = k_.phys().first_frame() + f;
            Object* owner = k_.frame(frame).owner;
            if (!owner) continue;
            owned++;
            if (!live(owner)) problem("frame ", frame, " owned by a dead object");
        }
        for (Object* o : objects_) expected += o->page_count();
        if (owned != expected) problem(owned, " frames have owners but live objects hold ", expected);
    }

    Kernel& k_;
    Memory* root_;
    uint64_t base_frames_;
    const ArchView& arch_;
    std::vector<Object*> extra_roots_;
    std::vector<const Slot*> external_slots_;
    std::vector<Object*> objects_;
    std::vector<Object*> sorted_;
    std::vector<Task*> tasks_;
    std::vector<std::pair<const Slot*, const Slot*>> cspace_ranges_;
    std::vector<std::string> problems_;
    std::vector<CapValue> before_;
    std::unordered_map<const void*, std::pair<size_t, uint64_t>> before_index_;
    std::vector<Object*> before_objects_;
};

}  // namespace helios::checker
