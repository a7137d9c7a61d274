// HuskTable: husks per address space, Linux threads per task, and every change to their host mappings.
#include "sim/machine/husk_table.h"

#include "sim/ptrace/guest_regs.h"

#include <fmt/format.h>
#include <sys/mman.h>

namespace helios::sim {

namespace {

int prot_of(unsigned flags) {
    return PROT_READ | ((flags & HELIOS_MAP_WRITE) ? PROT_WRITE : 0) | ((flags & HELIOS_MAP_EXEC) ? PROT_EXEC : 0);
}

}  // namespace

HuskProcess* HuskTable::husk_for(VSpace& vs) {
    auto it = husks_.find(vs.id());
    if (it != husks_.end()) return it->second.get();
    if (broken_vspaces_.count(vs.id())) return nullptr;
    auto husk = HuskProcess::spawn(memory_, {}, traps_);
    if (!husk) {
        // The host refused (no more processes, no memory): this address
        // space cannot run, its tasks fault when scheduled; the run goes on.
        messages_.print(fmt::format("warning: cannot start a husk for vspace {}: {}", vs.id(), husk.message()));
        broken_vspaces_.insert(vs.id());
        return nullptr;
    }
    HuskProcess* h = husk->get();
    husks_[vs.id()] = std::move(*husk);
    return h;
}

void HuskTable::map_page(VSpace& vs, uint64_t vaddr, uint64_t phys, unsigned flags) {
    if (vaddr < kUserBottom) return;  // never a host mapping: accesses are emulated (Machine::absorb_stop)
    HuskProcess* h = husk_for(vs);
    if (!h) return;
    Status st = h->map(vaddr, phys, HELIOS_PAGE_SIZE, prot_of(flags));
    if (!st) messages_.print(fmt::format("warning: mapping {:#x} in vspace {}: {}", vaddr, vs.id(), st.message()));
}

void HuskTable::unmap_page(VSpace& vs, uint64_t vaddr) {
    if (vaddr < kUserBottom) return;
    auto it = husks_.find(vs.id());
    if (it == husks_.end()) return;
    (void)it->second->unmap(vaddr, HELIOS_PAGE_SIZE);
}

Status HuskTable::protect_page(Task& task, uint64_t page, int prot) {
    auto th = thread_for(task);
    if (!th) return Status::success();
    HuskProcess* husk = (*th)->husk;
    Status st = husk->protect(page, HELIOS_PAGE_SIZE, prot);
    if (st) st = husk->flush();
    return st;
}

HostResult<GuestThread*> HuskTable::thread_for(Task& task) {
    auto it = threads_.find(task.id());
    VSpace* vs = task.vspace();
    HuskProcess* h = vs ? husk_for(*vs) : nullptr;
    if (!h) return Status::failure(vs ? "its address space has no husk process" : "task without an address space");
    if (it != threads_.end() && it->second.husk != h) {
        // Reconfigured into another vspace: move to a thread of that husk.
        (void)it->second.husk->kill_thread(it->second.tid);
        threads_.erase(it);
        it = threads_.end();
    }
    if (it == threads_.end()) {
        auto tid = h->create_thread();
        if (!tid) return tid.status();
        GuestThread th;
        th.husk = h;
        th.tid = *tid;
        th.regs = initial_guest_regs(0, 0);
        it = threads_.emplace(task.id(), th).first;
        task.dirty = kDirtyAll;
    }
    return &it->second;
}

pid_t HuskTable::linux_tid_of(const Task& task) const {
    auto it = threads_.find(task.id());
    return it == threads_.end() ? 0 : it->second.tid;
}

void HuskTable::forget_vspace(VSpace& vs) {
    for (auto it = threads_.begin(); it != threads_.end();) {
        auto found = husks_.find(vs.id());
        if (found != husks_.end() && it->second.husk == found->second.get())
            it = threads_.erase(it);
        else
            ++it;
    }
    husks_.erase(vs.id());
    broken_vspaces_.erase(vs.id());
}

void HuskTable::forget_task(Task& task) {
    auto it = threads_.find(task.id());
    if (it == threads_.end()) return;
    (void)it->second.husk->kill_thread(it->second.tid);
    threads_.erase(it);
}

}  // namespace helios::sim
