// World: a kernel over fake physical memory, and helpers to build processes
// and issue syscalls as them, exactly as the arch would.
#pragma once

#include "core/kernel.h"
#include "support/fake_arch.h"

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace helios::test {

struct SysResult {
    Error status;
    uint64_t value;
    bool ok() const { return status == Error::NONE; }
};

// Where test processes keep things.
constexpr uint64_t kIpcBufAddr = 0x10000000;
constexpr uint64_t kDataAddr = 0x10001000;  // kDataPages writable pages
constexpr unsigned kDataPages = 4;

// Well-known slots of a test process.
enum : helios_caddr_t { kSlotCSpace = 0, kSlotVSpace = 1, kSlotTask = 2, kSlotMemory = 3, kSlotFree = 8 };

struct Proc {
    Task* task = nullptr;
    CSpace* cspace = nullptr;
    VSpace* vspace = nullptr;
    Memory* memory = nullptr;  // the process's own quota
    helios_ipcbuf* ipc = nullptr;
};

// A World set-up step that must succeed; defined by the harness that links
// the World: the unit tests fail the running test case (world_require_catch.cpp),
// the fuzz targets abort (testsuite/fuzz).
void world_require(bool ok, const char* what);

class World {
public:
    explicit World(uint64_t bytes = 16u << 20);
    ~World();

    Kernel k;
    Memory* root = nullptr;
    uint64_t root_used_at_start = 0;

    // A configured, runnable process: cspace of 2^radix slots holding
    // (cspace, vspace, task, memory with `quota` pages) at kSlot*, the IPC
    // buffer and kDataPages data pages mapped.
    Proc spawn(unsigned radix = 8, uint64_t quota = 512);
    // Another thread in p's cspace and vspace with its own IPC buffer page
    // at `ipcbuf`, runnable. Its task cap lands in p's cspace (returned).
    Proc thread(Proc& p, uint64_t ipcbuf, helios_caddr_t* task_cap = nullptr);

    // Issue a syscall as p (made current first). Args in ABI order.
    SysResult sys(Proc& p, uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                  uint64_t a4 = 0, uint64_t a5 = 0);
    // send(cap, tag(label, ncaps, nparams)) with params and caps in the IPC buffer.
    SysResult invoke(Proc& p, helios_caddr_t cap, uint64_t label, std::initializer_list<uint64_t> params,
                     std::initializer_list<helios_caddr_t> caps = {});
    // Allocate `count` objects from p's memory into fresh slots.
    helios_caddr_t alloc(Proc& p, CapType type, uint64_t size = 0);

    // The result registers a blocked task got when it woke.
    SysResult result_of(const Proc& p) const {
        return {static_cast<Error>(p.task->regs.rax), p.task->regs.rdx};
    }

    // Bytes in p's address space (through the kernel's own translation).
    bool poke(Proc& p, uint64_t vaddr, const void* data, uint64_t len);
    bool peek(Proc& p, uint64_t vaddr, void* data, uint64_t len);

    // Install tables so that pages can be mapped around vaddr in p.
    void ensure_tables(Proc& p, uint64_t vaddr);

    // Frames in use by the kernel's allocator right now.
    uint64_t frames_used() const { return k.phys().total_frames() - k.phys().free_frames(); }

private:
    void map_new_page(Proc& p, uint64_t vaddr);
};

}  // namespace helios::test
