// The virtual CPU's own stops: instructions it finishes without a kernel
// entry (rdtsc, cpuid, moves on low pages) and system-call entries it refuses.
#include "sim/machine/machine.h"

#include "sim/ptrace/guest_regs.h"
#include "sim/ptrace/insn_decode.h"
#include "sim/ptrace/virtual_cpu.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

namespace helios::sim {

bool Machine::emulate_rdtsc(Task& task, GuestThread& th, const StopEvent& ev) {
    if (ev.si_code != SI_KERNEL) return false;
    uint8_t insn[3] = {};
    size_t n = th.husk->read_instruction(th.regs.rip, insn, sizeof insn);
    bool rdtsc = n >= 2 && insn[0] == 0x0F && insn[1] == 0x31;
    bool rdtscp = n >= 3 && insn[0] == 0x0F && insn[1] == 0x01 && insn[2] == 0xF9;
    if (!rdtsc && !rdtscp) return false;
    // A 1 GHz time-stamp counter of virtual time. Reading it is not a kernel
    // entry and costs no time; reads between two boundaries count up by 1 ns
    // each so that the counter never repeats a value (docs/virtual-time.md).
    uint64_t tsc = clock_.now() + tsc_reads_since_boundary_++;
    th.regs.rax = tsc & 0xFFFFFFFFu;
    th.regs.rdx = tsc >> 32;
    if (rdtscp) th.regs.rcx = 0;  // IA32_TSC_AUX: CPU 0
    if (!guest_read_tsc_) {
        guest_read_tsc_ = GuestRead{task.vspace() ? program_name(*task.vspace()) : "", th.regs.rip, event_index_};
    }
    guest_tsc_reads_++;
    th.regs.rip += rdtsc ? 2 : 3;
    return true;
}

bool Machine::absorb_stop(Task& task, GuestThread& th, const StopEvent& ev) {
    if (ev.kind != StopKind::Signal || ev.signo != SIGSEGV || th.regs.cs != kUserCs) return false;
    if (!emulate_low_page_access(task, th, ev) && !emulate_cpuid(th, ev) && !emulate_rdtsc(task, th, ev))
        return false;
    load_regs(task, th.regs);
    return true;
}

bool Machine::emulate_low_page_access(Task& task, GuestThread& th, const StopEvent& ev) {
    // Pages below kUserBottom are in the guest's page tables but never host
    // mappings (a sealed husk cannot map below vm.mmap_min_addr), so every
    // access to one faults here. Plain moves are performed through the
    // kernel's own tables, with the page's rights; anything else stays a page
    // fault. The same on every host and as any user.
    if (ev.fault_addr >= kUserBottom || (ev.si_code != SEGV_MAPERR && ev.si_code != SEGV_ACCERR)) return false;
    VSpace* vs = task.vspace();
    if (!vs || !kernel_.translate(*vs, ev.fault_addr & ~HELIOS_PAGE_MASK, false).ok()) return false;
    uint8_t insn[15];
    const size_t n = th.husk->read_instruction(th.regs.rip, insn, sizeof insn);
    auto move = decode_simple_move(insn, n, th.regs.rip, th.regs);
    if (!move || ev.fault_addr - move->address >= move->width) {
        if (!low_page_warned_) {
            low_page_warned_ = true;
            fmt::print(stderr,
                       "helios-sim: warning: the instruction at {:#x} touches guest page {:#x}, below {:#x}; the "
                       "simulator emulates only mov/movzx/movsx there, so it is a page fault (docs/security.md)\n",
                       th.regs.rip, ev.fault_addr & ~HELIOS_PAGE_MASK, kUserBottom);
        }
        return false;
    }
    if (move->store) {
        if (!kernel_.copy_to_user(*vs, move->address, &move->value, move->width)) return false;
    } else {
        uint64_t value = 0;
        if (!kernel_.copy_from_user(*vs, move->address, &value, move->width)) return false;
        apply_load(*move, value, th.regs);
    }
    th.regs.rip += move->length;
    return true;
}

bool Machine::emulate_cpuid(GuestThread& th, const StopEvent& ev) {
    // With CPUID faulting on, cpuid raises #GP (SIGSEGV, SI_KERNEL) and the
    // virtual CPU answers; without it the guest reads the host (host_traps()).
    if (ev.si_code != SI_KERNEL || !th.husk->cpuid_faults()) return false;
    uint8_t insn[2] = {};
    if (th.husk->read_instruction(th.regs.rip, insn, 2) != 2 || insn[0] != 0x0F || insn[1] != 0xA2) return false;
    const CpuidLeaf leaf = virtual_cpuid(static_cast<uint32_t>(th.regs.rax), static_cast<uint32_t>(th.regs.rcx));
    th.regs.rax = leaf.eax, th.regs.rbx = leaf.ebx, th.regs.rcx = leaf.ecx, th.regs.rdx = leaf.edx;
    th.regs.rip += 2;
    return true;
}

bool Machine::refuse_foreign_entry(Task& task, GuestThread& th, const StopEvent& ev) {
    // The Helios kernel is entered by the 64-bit `syscall` instruction only,
    // as on the x86_64 kernel, whose IDT has no user-callable gate and which
    // leaves the SYSENTER MSRs unset. PTRACE_SYSEMU also stops int $0x80,
    // sysenter and entries from compatibility mode (Linux's i386 ABI): those
    // are general-protection faults of the virtual CPU, which has no 32-bit
    // code segment. The two bytes before rip tell `syscall` (0F 05) from
    // int $0x80 (CD 80); they are read through the kernel's tables.
    const bool long_mode = th.regs.cs == kUserCs && th.regs.ss == kUserSs;
    uint8_t before[2] = {};
    const bool readable = ev.kind == StopKind::Syscall && th.regs.rip >= 2 && task.vspace() &&
                          kernel_.copy_from_user(*task.vspace(), th.regs.rip - 2, before, 2);
    if (long_mode && (ev.kind != StopKind::Syscall || (readable && before[0] == 0x0F && before[1] == 0x05)))
        return false;
    const uint64_t ip = readable && before[0] == 0xCD ? th.regs.rip - 2 : th.regs.rip;
    th.regs.rip = ip;
    // Back to 64-bit selectors, so that if a supervisor resumes the task it
    // runs in long mode (from wherever it sets rip).
    th.regs.cs = kUserCs;
    th.regs.ss = kUserSs;
    load_regs(task, th.regs);
    spdlog::debug("task {}: {} at {:#x} (cs {:#x}) is not a Helios system call", task.id(),
                  ev.kind == StopKind::Syscall ? "system-call entry" : "stop", ip, long_mode ? kUserCs : 0);
    FaultInfo f{HELIOS_FAULT_GENERAL_PROTECTION, 0, ip, 0};
    report_fault(task, f);
    kernel_.enter_fault(task, f);
    return true;
}

}  // namespace helios::sim
