// FakeArch implementation of the arch seam functions.
#include "support/fake_arch.h"

#include "core/kernel.h"

#include <cstdio>
#include <cstdlib>

namespace helios::test {

FakeArch& fake_arch() {
    static FakeArch instance;
    return instance;
}

void FakeArch::reset(size_t bytes) {
    memory.assign(bytes, 0);
    mappings.clear();
    calls.clear();
    console.clear();
    for (bool& m : masked) m = false;
    ports.clear();
    port_writes.clear();
    now = 0;
    trace.clear();
    destroyed_tasks.clear();
    exits.clear();
    object_limit.clear();
    mapping_limit = ~0ull;
    limits_suspended = false;
}

}  // namespace helios::test

namespace helios::arch {

using test::fake_arch;

void* phys_to_virt(uint64_t phys) { return fake_arch().memory.data() + phys; }

void map_page(VSpace& vspace, uint64_t vaddr, uint64_t phys, unsigned flags) {
    fake_arch().mappings[vspace.id()][vaddr] = {phys, flags};
}

void unmap_page(VSpace& vspace, uint64_t vaddr) { fake_arch().mappings[vspace.id()].erase(vaddr); }

void vspace_created(VSpace&) {}

bool admit_object(unsigned type, uint64_t live) {
    if (fake_arch().limits_suspended) return true;
    auto it = fake_arch().object_limit.find(type);
    return it == fake_arch().object_limit.end() || live < it->second;
}

bool admit_mapping(VSpace&, uint64_t mapped) {
    return fake_arch().limits_suspended || mapped < fake_arch().mapping_limit;
}

void vspace_destroyed(VSpace& vspace) {
    fake_arch().calls.push_back("vspace_destroyed " + std::to_string(vspace.id()));
    fake_arch().mappings.erase(vspace.id());
}

void task_destroyed(Task& task) { fake_arch().destroyed_tasks.push_back(task.id()); }

void task_exited(Task& task, uint64_t status) { fake_arch().exits.emplace_back(task.id(), status); }

void irq_mask(unsigned line) { fake_arch().masked[line] = true; }
void irq_unmask(unsigned line) { fake_arch().masked[line] = false; }

uint32_t port_in(uint16_t port, unsigned width) {
    auto it = fake_arch().ports.find(port);
    uint32_t v = it == fake_arch().ports.end() ? 0xFFu : it->second;
    return width == 1 ? (v & 0xFF) : width == 2 ? (v & 0xFFFF) : v;
}

void port_out(uint16_t port, unsigned, uint32_t value) {
    fake_arch().ports[port] = value;
    fake_arch().port_writes.emplace_back(port, value);
}

uint64_t now_ns() { return fake_arch().now; }

void console_write(const char* text, size_t length) { fake_arch().console.append(text, length); }

// A broken kernel invariant fails the test run loudly, at the assertion.
void panic(const char* text, size_t length) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(length), text);
    std::abort();
}

void trace(const TraceEvent& event) {
    if (fake_arch().record_trace) fake_arch().trace.push_back(event);
}

}  // namespace helios::arch
