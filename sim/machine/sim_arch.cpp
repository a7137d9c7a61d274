// The arch seam for helios-sim: every call goes to the one running Machine.
#include "arch/arch.h"
#include "sim/machine/machine.h"

#include <cstdio>
#include <cstdlib>

namespace helios::arch {

using sim::Machine;

void* phys_to_virt(uint64_t phys) { return Machine::current().phys_to_virt(phys); }
void map_page(VSpace& vs, uint64_t vaddr, uint64_t phys, unsigned flags) {
    Machine::current().map_page(vs, vaddr, phys, flags);
}
void unmap_page(VSpace& vs, uint64_t vaddr) { Machine::current().unmap_page(vs, vaddr); }
void vspace_created(VSpace&) {}  // a husk is started on first use
bool admit_object(unsigned type, uint64_t live) { return Machine::current().admit_object(type, live); }
bool admit_mapping(VSpace& vs, uint64_t mapped) { return Machine::current().admit_mapping(vs, mapped); }
void vspace_destroyed(VSpace& vs) { Machine::current().vspace_destroyed(vs); }
void task_destroyed(Task& task) { Machine::current().task_destroyed(task); }
void task_exited(Task& task, uint64_t status) { Machine::current().task_exited(task, status); }
void irq_mask(unsigned line) { Machine::current().irq_mask(line); }
void irq_unmask(unsigned line) { Machine::current().irq_unmask(line); }
uint32_t port_in(uint16_t port, unsigned width) { return Machine::current().port_in(port, width); }
void port_out(uint16_t port, unsigned width, uint32_t value) { Machine::current().port_out(port, width, value); }
uint64_t now_ns() { return Machine::current().now_ns(); }
void console_write(const char* text, size_t length) { Machine::current().console_write(text, length); }
void trace(const TraceEvent& event) { Machine::current().trace(event); }
// A broken kernel invariant ends the simulator at once: the husks die with it
// (their tracer is gone), and the message names the invariant.
void panic(const char* text, size_t length) {
    std::fprintf(stderr, "helios-sim: %.*s\n", static_cast<int>(length), text);
    std::abort();
}

}  // namespace helios::arch
