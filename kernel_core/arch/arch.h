// The arch seam: what the portable kernel core needs from a machine.
//
// One implementation is linked per build (a link-time seam, no virtual calls
// on hot paths): kernel_core/arch/x86_64 on hardware, sim/ in helios-sim, and
// a recording fake in testsuite/unit. The core keeps all mapping state itself
// (page tables in the x86_64 format, walked through the direct map); the arch
// is told about each change so it can apply it (TLB flush on hardware, an
// mmap inside the husk process in the simulator).
#pragma once

#include <helios/abi.h>

#include <stddef.h>
#include <stdint.h>

namespace helios {
class Task;
class VSpace;
}  // namespace helios

namespace helios::arch {

// ---- Physical memory -------------------------------------------------------
// Kernel-virtual address of physical address `phys` (the direct map).
// Precondition: phys lies inside the memory the kernel was booted with.
void* phys_to_virt(uint64_t phys);

// ---- Address spaces --------------------------------------------------------
// A user page was mapped (or remapped with new flags) at vaddr -> phys.
// flags: HELIOS_MAP_WRITE / HELIOS_MAP_EXEC. Never fails: the core has
// already validated the mapping; the arch may batch and apply it later, but
// before any thread of that vspace runs again.
void map_page(VSpace& vspace, uint64_t vaddr, uint64_t phys, unsigned flags);
// The page at vaddr was unmapped.
void unmap_page(VSpace& vspace, uint64_t vaddr);
// A vspace was created: its root table (the PML4) is zeroed and its id and
// frame are set. Hardware copies the kernel half of the address space in.
void vspace_created(VSpace& vspace);
// A vspace is being destroyed (all its pages were already unmapped).
void vspace_destroyed(VSpace& vspace);

// ---- Host limits -------------------------------------------------------------
// Where an address space, a task or a mapped page costs the machine a host
// resource (the simulator: a Linux process, a Linux thread, a host mapping),
// the machine may refuse one more; the core then fails the request with
// NOMEM, exactly as for an exhausted quota, before anything is committed.
// Hardware has no such limit and always admits.
// `live`: how many objects of `type` exist now.
bool admit_object(unsigned type, uint64_t live);
// `mapped`: how many pages `vspace` maps now.
bool admit_mapping(VSpace& vspace, uint64_t mapped);

// ---- Tasks -----------------------------------------------------------------
// The task's record is going away; release any machine resources (thread).
void task_destroyed(Task& task);
// The task ended with `exit`; the simulator ends the run when init exits.
void task_exited(Task& task, uint64_t status);

// ---- Interrupts ------------------------------------------------------------
void irq_mask(unsigned line);
void irq_unmask(unsigned line);

// ---- I/O ports (the invocation path; direct in/out is checked by the arch
// through Kernel::task_may_access_port) ---------------------------------------
uint32_t port_in(uint16_t port, unsigned width);
void port_out(uint16_t port, unsigned width, uint32_t value);

// ---- Time --------------------------------------------------------------------
// Monotonic nanoseconds (virtual in the simulator).
uint64_t now_ns();

// ---- Console and trace -------------------------------------------------------
void console_write(const char* text, size_t length);
// A kernel invariant broke (HELIOS_ASSERT): report `text` and never return.
// Hardware prints it and halts the CPU; the simulator and the unit tests
// abort with it, so a test run fails loudly at the broken invariant.
[[noreturn]] void panic(const char* text, size_t length);

// A kernel event for the trace (the simulator writes it to --trace; hardware
// ignores it). `kind` is a TraceKind.
// PortIo events come from the arch itself (the simulator traces the in/out
// instructions it performs for a task), not from the core.
enum class TraceKind : uint8_t { Syscall, Fault, Irq, Switch, Exit, Log, PortIo, Wake };
struct TraceEvent {
    TraceKind kind;
    // Syscall events that invoked a kernel object: 1 + the operation's row
    // in HELIOS_INVOCATIONS (helios_invocation_row_name gives its name);
    // 0 otherwise. A row number, not a pointer, so the event stays 80 bytes
    // (see the static_assert below).
    uint16_t invocation;
    uint32_t task_id;
    uint64_t number;    // syscall number, fault kind, irq line, next task id
    uint64_t args[6];
    uint64_t status;
    uint64_t value;
};
// Every kernel entry builds one: at this size zeroing it is a few vector
// stores; a larger event made the compiler switch to `rep stos`, a
// measurable share of a null syscall (scripts/bench-core.sh).
static_assert(sizeof(TraceEvent) == 80, "keep the trace event small: it is built on every kernel entry");
void trace(const TraceEvent& event);

}  // namespace helios::arch
