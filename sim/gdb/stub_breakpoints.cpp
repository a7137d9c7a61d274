// GdbStub: software breakpoints (int3 through the direct map while the guest runs), per program.
#include "sim/gdb/stub.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/inbound.h"
#include "sim/gdb/gdb_log.h"
#include "sim/machine/machine.h"

namespace helios::sim {

namespace {

constexpr uint8_t kInt3 = 0xCC;

}  // namespace

using gdb::PointType;

std::string GdbStub::scope_for(uint32_t tid, uint32_t process, const std::string& sticky_key) {
    // Multiprocess view: gdb inserts each inferior's points after selecting
    // that process, so the process says whose they are.
    if (process) return program_of_process(process);
    auto it = sticky_.find(sticky_key);
    std::string program;
    if (!forced_program_.empty()) {
        program = forced_program_;
    } else if (it != sticky_.end()) {
        return it->second;
    } else {
        Task* t = task_by_id(tid);
        if (!t || !t->vspace()) return "";
        program = program_of(*t->vspace());
    }
    if (it != sticky_.end() && it->second == program) return program;
    sticky_[sticky_key] = program;
    // A new binding: say where the point went (gdb prints it when the system
    // next runs; `monitor points` lists them). Keys: "bADDR", "wTYPE:ADDR:LEN".
    std::string addr = sticky_key.substr(sticky_key[0] == 'b' ? 1 : sticky_key.find(':') + 1);
    addr = addr.substr(0, addr.find(':'));
    if (bind_notes_.size() < 4096)
        bind_notes_ += fmt::format("helios-sim: {} at 0x{} applies to program '{}'\n",
                                   sticky_key[0] == 'b' ? "breakpoint" : "watchpoint", addr, program);
    return program;
}

bool GdbStub::in_scope(VSpace& vs, uint64_t addr) {
    std::string program = program_of(vs);
    for (const SwBreak& b : breaks_)
        if (b.addr == addr && b.program == program) return true;
    return false;
}

const GdbStub::Inserted* GdbStub::inserted_at_phys(uint64_t phys) const {
    for (const Inserted& i : inserted_)
        if (i.phys == phys) return &i;
    return nullptr;
}

void GdbStub::insert_in(VSpace& vs) {
    armed_[vs.id()] = true;
    std::string program = program_of(vs);
    for (const SwBreak& b : breaks_) {
        if (b.program != program) continue;
        bool have = false;
        for (const Inserted& i : inserted_) have = have || (i.vspace == vs.id() && i.addr == b.addr);
        if (have) continue;
        auto phys = machine_->kernel().translate(vs, b.addr, false);
        if (!phys.ok() || !phys_ok(*phys, 1)) continue;  // not mapped (yet) in this one
        auto* p = static_cast<uint8_t*>(machine_->phys_to_virt(*phys));
        // A frame shared by two address spaces holds one int3 and one original byte.
        const Inserted* alias = inserted_at_phys(*phys);
        uint8_t orig = alias ? alias->orig : *p;
        inserted_.push_back({vs.id(), b.addr, *phys, orig});
        *p = kInt3;
    }
}

void GdbStub::insert_all() {
    armed_.clear();
    if (!machine_) return;
    const bool pages = watch_mode_ == WatchMode::Page && !watches_.empty();
    if (breaks_.empty() && !pages) return;
    for (Task* t : machine_->tasks()) {
        VSpace* vs = t->vspace();
        if (!vs || armed_.count(vs->id())) continue;
        insert_in(*vs);
        protect_in(*t);
    }
}

std::unordered_map<uint32_t, VSpace*> GdbStub::live_vspaces() {
    std::unordered_map<uint32_t, VSpace*> out;
    std::vector<Object*> stack{machine_->root_memory()};
    while (!stack.empty()) {
        Object* o = stack.back();
        stack.pop_back();
        if (auto* vs = downcast<VSpace>(o)) out[vs->id()] = vs;
        if (auto* m = downcast<Memory>(o))
            for (Object* c = m->children.front(); c; c = m->children.next(c)) stack.push_back(c);
    }
    return out;
}

void GdbStub::remove_all() {
    if (!machine_) return;
    // Put back the original bytes, once per frame, where the address space
    // still maps that frame there; a byte the guest has since overwritten
    // (no longer our int3) is left alone.
    auto spaces = inserted_.empty() ? std::unordered_map<uint32_t, VSpace*>() : live_vspaces();
    for (size_t k = 0; k < inserted_.size(); ++k) {
        const Inserted& i = inserted_[k];
        bool first = true;
        for (size_t j = 0; j < k; ++j) first = first && inserted_[j].phys != i.phys;
        if (!first || !phys_ok(i.phys, 1)) continue;
        auto vs = spaces.find(i.vspace);
        if (vs == spaces.end()) continue;
        auto now = machine_->kernel().translate(*vs->second, i.addr, false);
        if (!now.ok() || *now != i.phys) continue;
        auto* p = static_cast<uint8_t*>(machine_->phys_to_virt(i.phys));
        if (*p == kInt3) *p = i.orig;
    }
    inserted_.clear();
    armed_.clear();
    stepover_lifted_ = false;
}

void GdbStub::lift(uint64_t phys) {
    const Inserted* i = inserted_at_phys(phys);
    if (!i || !phys_ok(phys, 1)) return;
    auto* p = static_cast<uint8_t*>(machine_->phys_to_virt(phys));
    if (*p == kInt3) *p = i->orig;
}

void GdbStub::rearm(uint64_t phys) {
    if (!inserted_at_phys(phys) || !phys_ok(phys, 1)) return;
    *static_cast<uint8_t*>(machine_->phys_to_virt(phys)) = kInt3;
}

// gdb's Z and z packets: breakpoints here, watchpoints in stub_watchpoints.cpp.
int GdbStub::insert_point(uint32_t tid, uint32_t process, PointType type, uint64_t addr, uint64_t kind) {
    if (type == PointType::HwBreak) return -1;
    if (!task_by_id(tid) && (!process || program_of_process(process).empty())) return 3;  // ESRCH
    return type == PointType::SwBreak ? insert_break(tid, process, addr)
                                      : insert_watch(tid, process, type, addr, kind);
}

int GdbStub::remove_point(uint32_t tid, uint32_t process, PointType type, uint64_t addr, uint64_t kind) {
    if (type == PointType::HwBreak) return -1;
    return type == PointType::SwBreak ? remove_break(tid, process, addr) : remove_watch(type, addr, kind);
}

int GdbStub::insert_break(uint32_t tid, uint32_t process, uint64_t addr) {
    std::string program = scope_for(tid, process, fmt::format("b{:x}", addr));
    for (const SwBreak& b : breaks_)
        if (b.addr == addr && b.program == program) return 0;
    // Refuse an address no live address space of the program has mapped:
    // gdb then says it cannot insert the breakpoint. A program with no
    // address space yet takes it on trust (it is inserted when one starts).
    bool some = false, mapped = false;
    for (Task* other : machine_->tasks()) {
        VSpace* vs = other->vspace();
        if (!vs || program_of(*vs) != program) continue;
        some = true;
        mapped = mapped || machine_->kernel().translate(*vs, addr, false).ok();
    }
    if (some && !mapped) return 14;  // EFAULT
    breaks_.push_back({program, addr});
    gdb::log().debug("breakpoint at {:#x} in program {}", addr, program);
    return 0;
}

int GdbStub::remove_break(uint32_t tid, uint32_t process, uint64_t addr) {
    std::string program = scope_for(tid, process, fmt::format("b{:x}", addr));
    if (process && program.empty()) return 0;  // a process never named: it has no points
    auto it = std::find_if(breaks_.begin(), breaks_.end(),
                           [&](const SwBreak& b) { return b.addr == addr && b.program == program; });
    if (it == breaks_.end())
        it = std::find_if(breaks_.begin(), breaks_.end(), [&](const SwBreak& b) { return b.addr == addr; });
    if (it != breaks_.end()) breaks_.erase(it);
    return 0;
}

}  // namespace helios::sim
