// GdbStub: guest memory as gdb reads and writes it, through the kernel's page tables and the direct map.
#include "sim/gdb/stub.h"

#include <algorithm>
#include <cstring>

#include "core/inbound.h"
#include "sim/machine/machine.h"

namespace helios::sim {

bool GdbStub::phys_ok(uint64_t phys, size_t len) const {
    uint64_t size = machine_->memory().size();
    return phys < size && len <= size - phys;
}

size_t GdbStub::copy_memory(uint32_t tid, uint64_t addr, uint8_t* buf, size_t len, bool write) {
    Task* t = task_by_id(tid);
    if (!t || !t->vspace()) return 0;
    size_t done = 0;
    while (done < len) {
        uint64_t va = addr + done;
        if (va < addr) break;  // wrapped
        size_t chunk = std::min<size_t>(len - done, HELIOS_PAGE_SIZE - (va & (HELIOS_PAGE_SIZE - 1)));
        auto phys = machine_->kernel().translate(*t->vspace(), va, false);
        if (!phys.ok() || !phys_ok(*phys, chunk)) break;
        auto* p = static_cast<uint8_t*>(machine_->phys_to_virt(*phys));
        std::memcpy(write ? p : buf + done, write ? buf + done : p, chunk);
        done += chunk;
    }
    return done;
}

size_t GdbStub::read_memory(uint32_t tid, uint64_t addr, uint8_t* buf, size_t len) {
    return copy_memory(tid, addr, buf, len, false);
}

size_t GdbStub::write_memory(uint32_t tid, uint64_t addr, const uint8_t* buf, size_t len) {
    return copy_memory(tid, addr, const_cast<uint8_t*>(buf), len, true);
}

}  // namespace helios::sim
