// GdbStub: watchpoints, in the debug registers of the husks' threads or emulated with page protection.
#include "sim/gdb/stub.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>

#include <algorithm>

#include "core/inbound.h"
#include "sim/gdb/gdb_log.h"
#include "sim/machine/machine.h"
#include "sim/ptrace/husk_process.h"
#include "sim/ptrace/insn_decode.h"
#include "sim/ptrace/virtual_cpu.h"

namespace helios::sim {

using gdb::PointType;

namespace {

// DR7 encodings of one slot.
uint64_t dr7_len_bits(uint64_t len) {
    switch (len) {
        case 1: return 0;
        case 2: return 1;
        case 8: return 2;
        default: return 3;  // 4
    }
}

int prot_of_flags(unsigned flags) {
    return PROT_READ | ((flags & HELIOS_MAP_WRITE) ? PROT_WRITE : 0) | ((flags & HELIOS_MAP_EXEC) ? PROT_EXEC : 0);
}

}  // namespace

int GdbStub::insert_watch(uint32_t tid, uint32_t process, PointType type, uint64_t addr, uint64_t len) {
    if (page_watches()) {
        // Emulated: any length up to a page, any number (within reason).
        if (len == 0 || len > HELIOS_PAGE_SIZE || addr + len < addr) return 22;  // EINVAL
        if (watches_.size() >= 64) return 28;                                    // ENOSPC
        watches_.push_back(
            {scope_for(tid, process, fmt::format("w{}:{:x}:{:x}", static_cast<int>(type), addr, len)), type, addr, len, {}});
        return 0;
    }
    // A watchpoint: aligned pieces of 1, 2, 4 or 8 bytes, one debug register each.
    if (len == 0 || len > 32 || addr + len < addr) return 22;  // EINVAL
    std::vector<std::pair<uint64_t, uint64_t>> pieces;
    for (uint64_t a = addr, end = addr + len; a < end;) {
        uint64_t size = 8;
        while (size > 1 && ((a & (size - 1)) != 0 || a + size > end)) size /= 2;
        pieces.emplace_back(a, size);
        a += size;
    }
    int free_slots = 0;
    for (int s : slot_owner_) free_slots += s < 0;
    if (static_cast<int>(pieces.size()) > free_slots) return 28;  // ENOSPC
    Watch w{scope_for(tid, process, fmt::format("w{}:{:x}:{:x}", static_cast<int>(type), addr, len)), type, addr, len, {}};
    int index = static_cast<int>(watches_.size());
    for (auto [a, size] : pieces) {
        for (int s = 0; s < 4; ++s) {
            if (slot_owner_[s] >= 0) continue;
            slot_owner_[s] = index;
            slot_addr_[s] = a;
            slot_len_[s] = size;
            w.slots.push_back(s);
            break;
        }
    }
    watches_.push_back(std::move(w));
    ++dr_generation_;
    dr_used_ = true;
    return 0;
}

int GdbStub::remove_watch(PointType type, uint64_t addr, uint64_t len) {
    for (size_t k = 0; k < watches_.size(); ++k) {
        const Watch& w = watches_[k];
        if (w.type != type || w.addr != addr || w.len != len) continue;
        for (int s : w.slots) slot_owner_[s] = -1;
        watches_.erase(watches_.begin() + static_cast<long>(k));
        // Slots of later watchpoints name them by index: renumber.
        for (int& owner : slot_owner_)
            if (owner > static_cast<int>(k)) --owner;
        ++dr_generation_;
        return 0;
    }
    return 0;
}

bool GdbStub::page_watches() {
    if (watch_mode_ == WatchMode::Auto) {
        bool hw = host_debug_registers_trap();
        watch_mode_ = hw ? WatchMode::Hardware : WatchMode::Page;
        gdb::log().info("watchpoints: {}",
                        hw ? "debug registers" : "page protection (this CPU ignores debug registers)");
    }
    return watch_mode_ == WatchMode::Page;
}

// ---- emulated with page protection ----------------------------------------------

int GdbStub::kernel_prot(VSpace& vs, uint64_t page) {
    for (Page* p = vs.pages.front(); p; p = vs.pages.next(p))
        if (p->vaddr() == page) return prot_of_flags(p->flags());
    return -1;
}

void GdbStub::set_protection(uint32_t vspace_id, uint64_t page, int prot) {
    // The machine changes the husk's mapping: it is the one writer of those.
    Status st = machine_->protect_guest_page(vspace_id, page, prot);
    if (!st) gdb::log().warn("watchpoint page {:#x}: {}", page, st.message());
}

void GdbStub::protect_in(Task& task) {
    if (watch_mode_ != WatchMode::Page || watches_.empty() || !task.vspace()) return;
    VSpace& vs = *task.vspace();
    std::string program = program_of(vs);
    for (const Watch& w : watches_) {
        if (w.program != program) continue;
        for (uint64_t page = w.addr & ~uint64_t{HELIOS_PAGE_SIZE - 1}; page < w.addr + w.len;
             page += HELIOS_PAGE_SIZE) {
            int orig = kernel_prot(vs, page);
            if (orig < 0) continue;  // not mapped (yet)
            int prot = w.type == PointType::Write ? (orig & ~PROT_WRITE) : PROT_NONE;
            auto it = std::find_if(protected_.begin(), protected_.end(),
                                   [&](const Protected& p) { return p.vspace == vs.id() && p.page == page; });
            if (it != protected_.end()) {
                if ((it->prot & prot) == it->prot) continue;  // already at least this strict
                it->prot &= prot;
            } else {
                protected_.push_back({vs.id(), page, orig, prot});
                it = protected_.end() - 1;
            }
            set_protection(vs.id(), page, it->prot);
        }
    }
}

void GdbStub::unprotect_all() {
    if (!machine_) return;
    for (const Protected& p : protected_) {
        // Back to what the kernel's mapping says now (it may have changed).
        VSpace* vs = nullptr;
        for (Task* t : machine_->tasks())
            if (t->vspace() && t->vspace()->id() == p.vspace) vs = t->vspace();
        if (!vs) continue;
        int now = kernel_prot(*vs, p.page);
        if (now >= 0) set_protection(p.vspace, p.page, now);
    }
    protected_.clear();
}

bool GdbStub::begin_watch_step(Task& task, const StopEvent& ev, const user_regs_struct& regs) {
    if (ev.signo != SIGSEGV || ev.si_code != SEGV_ACCERR || !task.vspace() || protected_.empty()) return false;
    const uint64_t page = ev.fault_addr & ~uint64_t{HELIOS_PAGE_SIZE - 1};
    const uint32_t vsid = task.vspace()->id();
    auto pr = std::find_if(protected_.begin(), protected_.end(),
                           [&](const Protected& x) { return x.vspace == vsid && x.page == page; });
    if (pr == protected_.end()) return false;
    uint8_t insn[15];
    size_t n = copy_memory(task.id(), regs.rip, insn, sizeof insn, false);
    MemAccess access = classify_access(insn, n, ev.fault_addr, regs.rip, &regs);
    bool allowed = access == MemAccess::Write  ? (pr->orig & PROT_WRITE) != 0
                   : access == MemAccess::Exec ? (pr->orig & PROT_EXEC) != 0
                                               : (pr->orig & PROT_READ) != 0;
    if (!allowed) return false;
    WatchStep ws;
    ws.task = task.id();
    ws.vspace = vsid;
    ws.page = page;
    ws.orig = pr->orig;
    ws.prot = pr->prot;
    std::string program = program_of(*task.vspace());
    for (size_t k = 0; k < watches_.size(); ++k) {
        const Watch& w = watches_[k];
        if (w.program != program || access == MemAccess::Exec) continue;
        // An access that starts inside the range hits it; one that starts
        // before it (the operand size is not decoded) counts when it changed
        // the watched bytes.
        bool inside = ev.fault_addr >= w.addr && ev.fault_addr < w.addr + w.len;
        bool kind_ok = w.type != PointType::Write || access == MemAccess::Write;
        if (inside && kind_ok && ws.hit < 0) {
            ws.hit = static_cast<int>(k);
            ws.data_addr = ev.fault_addr;
        }
        if (!inside && w.type != PointType::Read && access == MemAccess::Write && w.addr > ev.fault_addr &&
            w.addr - ev.fault_addr < 64) {
            std::string bytes(w.len, '\0');
            bytes.resize(copy_memory(task.id(), w.addr, reinterpret_cast<uint8_t*>(bytes.data()), w.len, false));
            ws.before.emplace_back(static_cast<int>(k), std::move(bytes));
        }
    }
    watch_step_ = ws;
    return true;
}

bool GdbStub::open_watch_step(Task& task) {
    if (watch_step_.task != task.id()) return false;
    if (!watch_step_.lifted) {
        set_protection(watch_step_.vspace, watch_step_.page, watch_step_.orig);
        watch_step_.lifted = true;
    }
    return true;
}

int GdbStub::finish_watch_step(Task& task, uint64_t& data_addr) {
    if (watch_step_.lifted) set_protection(watch_step_.vspace, watch_step_.page, watch_step_.prot);
    int hit = watch_step_.hit;
    data_addr = watch_step_.data_addr;
    for (auto& [index, bytes] : watch_step_.before) {
        if (hit >= 0 || index >= static_cast<int>(watches_.size())) break;
        const Watch& w = watches_[static_cast<size_t>(index)];
        std::string now(bytes.size(), '\0');
        now.resize(copy_memory(task.id(), w.addr, reinterpret_cast<uint8_t*>(now.data()), now.size(), false));
        if (now != bytes) {
            hit = index;
            data_addr = w.addr;
        }
    }
    watch_step_ = WatchStep{};
    return hit;
}

// ---- in the debug registers -----------------------------------------------------

void GdbStub::apply_debug_registers(Task& task) {
    if (!dr_used_ || !task.vspace()) return;
    pid_t ltid = machine_->linux_tid_of(task);
    if (ltid == 0) return;
    auto it = dr_applied_.find(ltid);
    if (it != dr_applied_.end() && it->second == dr_generation_) return;
    HuskProcess* husk = machine_->husk_of(task);
    if (!husk) return;
    std::string program = program_of(*task.vspace());
    uint64_t addr[4] = {};
    uint64_t dr7 = 0;
    for (int s = 0; s < 4; ++s) {
        if (slot_owner_[s] < 0 || watches_[static_cast<size_t>(slot_owner_[s])].program != program) continue;
        const Watch& w = watches_[static_cast<size_t>(slot_owner_[s])];
        uint64_t rw = w.type == PointType::Write ? 1 : 3;  // x86 has no read-only watchpoints: read = access
        addr[s] = slot_addr_[s];
        dr7 |= (1ull << (2 * s)) | (rw << (16 + 4 * s)) | (dr7_len_bits(slot_len_[s]) << (18 + 4 * s));
    }
    Status st = husk->set_debug_registers(ltid, addr, dr7);
    gdb::log().debug("task {} (thread {}): DR0-3 {:#x} {:#x} {:#x} {:#x}, DR7 {:#x}", task.id(), ltid, addr[0], addr[1],
                     addr[2], addr[3], dr7);
    if (!st) gdb::log().warn("cannot set the debug registers of task {}: {}", task.id(), st.message());
    (void)husk->set_debug_register(ltid, 6, 0);
    dr_applied_[ltid] = dr_generation_;
}

const GdbStub::Watch* GdbStub::watch_hit(Task& task, uint64_t& slot_addr) {
    pid_t ltid = machine_->linux_tid_of(task);
    HuskProcess* husk = ltid ? machine_->husk_of(task) : nullptr;
    if (!husk) return nullptr;
    auto dr6 = husk->get_debug_register(ltid, 6);
    if (!dr6.ok() || (*dr6 & 0xF) == 0) return nullptr;
    (void)husk->set_debug_register(ltid, 6, 0);
    for (int s = 0; s < 4; ++s) {
        if (!(*dr6 & (1ull << s)) || slot_owner_[s] < 0) continue;
        slot_addr = slot_addr_[s];
        return &watches_[static_cast<size_t>(slot_owner_[s])];
    }
    return nullptr;
}

}  // namespace helios::sim
