// Kernel: the state of one kernel instance and the entry points the arch calls.
#pragma once

#include "core/phys_alloc.h"
#include "objects/cspace.h"
#include "objects/devmem.h"
#include "objects/endpoint.h"
#include "objects/notification.h"
#include "objects/ioport.h"
#include "objects/irq.h"
#include "objects/memory.h"
#include "objects/paging.h"
#include "objects/task.h"
#include "sched/scheduler.h"

namespace helios {

// What the arch reports when a task faults.
struct FaultInfo {
    helios_fault_kind kind;
    uint64_t addr;    // faulting data address (page faults), else 0
    uint64_t ip;      // instruction pointer of the faulting instruction
    unsigned access;  // HELIOS_ACCESS_* bits
};

// Per-frame record. Frames that back a Page, a page table or a VSpace hold
// that object's record here (their frame is user data or a table); every
// other object lives in its own frames and is only pointed to.
struct Frame {
    Object* owner = nullptr;
    alignas(8) unsigned char storage[160];
};

// Counters for tests and the simulator's statistics.
struct KernelStats {
    uint64_t syscalls = 0;
    uint64_t faults = 0;
    uint64_t irqs = 0;
    uint64_t switches = 0;
    uint64_t objects_live = 0;
    uint64_t live_by_type[HELIOS_CTYPE_COUNT] = {};  // what arch::admit_object is told
};

// One kernel instance. Its data is private; its methods serve three
// audiences, in this order:
//   1. the inbound seam (core/inbound.h): entries a machine calls,
//      read-only inspection for debuggers and tracers, deliberate hooks for
//      debuggers, tests and fault injection. A machine (the x86_64 arch, the
//      simulator) uses nothing else; scripts/check-seam.sh holds sim/ to it.
//   2. services for the core's own parts: object types (objects/), syscall
//      decoding (uapi/) and boot.
//   3. private bookkeeping.
class Kernel {
public:
    Kernel() = default;
    Kernel(const Kernel&) = delete;
    Kernel& operator=(const Kernel&) = delete;

    // ======== 1. The inbound seam ========

    // ---- entries ----
    // Take over physical memory [phys_base, phys_base + size): the frame
    // table and allocator bitmap are placed at its start. Returns the root
    // Memory object covering every remaining frame (owned by nothing).
    Result<Memory*> init(uint64_t phys_base, uint64_t size);
    // The arch has saved the task's registers into task.regs; afterwards it
    // runs current(), restoring what is dirty.
    void enter_syscall(Task& task);
    void enter_fault(Task& task, const FaultInfo& fault);
    void enter_irq(unsigned line);
    void enter_tick();

    // ---- inspection (read-only) ----
    // The task to run now; null means idle (every task blocked/suspended).
    Task* current() const { return current_; }
    // Init, while it lives (its exit ends the system).
    Task* init_task() const { return init_task_; }
    const KernelStats& stats() const { return stats_; }
    const PhysAllocator& phys() const { return phys_; }
    // The physical address `vaddr` maps to in `vs` (writable when `write`).
    Result<uint64_t> translate(VSpace& vs, uint64_t vaddr, bool write) { return paging_.translate(vs, vaddr, write); }
    // May `task` touch `width` bytes of ports at `port` directly? True when
    // its cspace holds an IOPort capability covering them.
    bool task_may_access_port(Task& task, uint32_t port, unsigned width);
    // IoPort objects alive (the x86_64 arch builds its TSS bitmap from them).
    const List<Object, &Object::sibling>& ioports() const { return ioports_; }
    // Irq objects alive, and the line each is bound to.
    const List<Object, &Object::sibling>& irqs() const { return irqs_; }
    // User memory, through the vspace's own tables: all or nothing.
    bool copy_from_user(VSpace& vs, uint64_t vaddr, void* dst, uint64_t len);
    // Frame records constructed so far (lazy; tests of the frame table).
    uint64_t frames_ready() const { return frames_ready_; }
    // Frame allocations still to fail (fail_next_allocations).
    uint32_t pending_allocation_failures() const { return injected_alloc_failures_; }

    // ---- hooks: debuggers, tests and fault injection ----
    bool copy_to_user(VSpace& vs, uint64_t vaddr, const void* src, uint64_t len);
    // Put a runnable task on the CPU now, queueing the one that ran.
    // Precondition: task.runnable().
    void switch_to(Task& task);
    // Put `task` (made by boot code or a test) on the CPU if nothing else runs.
    void make_runnable(Task& task);
    // The next `count` frame allocations fail with NOMEM, replacing any
    // count still pending (0: none fail). Scenario files and --inject
    // provoke allocation failures with it.
    void fail_next_allocations(uint32_t count) { injected_alloc_failures_ = count; }
    // End a program as a crash or an OOM killer would: the task, its cspace
    // (capabilities it held, such as stored replies, are revoked and their
    // callers learn) and its vspace are destroyed, then the CPU is given to
    // whoever should run.
    void kill_program(Task& task);

    // ======== 2. Services for the core's own parts ========

    // ---- object lifecycle ----
    // Allocate one object of `type` from `memory` (size: radix for cspaces,
    // pages for memory). Atomic. The object has no capabilities yet.
    Result<Object*> create_object(Memory& memory, CapType type, uint64_t size);
    // Device objects from a DevMem (type PAGE or DEVMEM).
    Result<Object*> create_device_object(DevMem& devmem, CapType type, uint64_t size);
    // Boot-time objects that belong to no Memory (irq control, io control,
    // init's devmem): their frames are taken from the allocator directly.
    Result<Object*> create_boot_object(CapType type, uint64_t a, uint64_t b);
    // An IoPort or Irq, charged to no Memory: at most kMaxUncharged of each
    // type live (NOMEM beyond).
    Result<Object*> create_uncharged_object(CapType type, uint64_t a, uint64_t b);
    static constexpr uint32_t kMaxUncharged = 256;
    // Destroy an object now: revoke every capability, tear down, free.
    // Iterative: cascades (a memory's children, a cspace's contents) are
    // queued, never recursed.
    void destroy(Object* object);
    // Delete one capability; destroys the object if it was the last owner.
    void delete_cap(Slot& slot);
    // Run the destroy queue until empty.
    void drain_destroy_queue();
    // Empty an embedded or contained slot of a dying object: an object whose
    // last owner this was is queued for destruction, never destroyed here.
    void release(Slot& slot);
    // Take a dying task off the CPU and out of every kernel record.
    void forget_task(Task& task);
    uint32_t next_task_id() { return ++last_task_id_; }
    uint32_t next_vspace_id() { return ++last_vspace_id_; }
    void set_init_task(Task* task) { init_task_ = task; }

    // ---- frames and memory ----
    // Record for frame number `frame` (precondition: managed frame).
    // Records are constructed on first use, up to the highest frame asked
    // for: the allocator hands out the lowest free frames first, so the
    // table is touched in proportion to the memory in use, not to the
    // machine's size (a large simulated RAM costs nothing until used).
    Frame& frame(uint64_t frame_number) {
        uint64_t index = frame_number - phys_.first_frame();
        if (index >= frames_ready_) prepare_frames(index + 1);
        return frames_[index];
    }
    void* frame_ptr(uint64_t frame_number);
    Paging& paging() { return paging_; }
    // May the kernel copy to or from this physical address on a user's
    // behalf (a RAM page, not a device page)?
    bool kernel_may_touch(uint64_t address);
    // The task's IPC buffer, or null when it is not mapped writable.
    helios_ipcbuf* ipcbuf_of(Task& task);

    // ---- interrupts ----
    Irq* irq_line(unsigned line) const { return line < Irq::kLines ? irq_lines_[line] : nullptr; }
    void bind_irq_line(unsigned line, Irq* irq) { irq_lines_[line] = irq; }

    // ---- scheduling and blocking ----
    Scheduler& scheduler() { return scheduler_; }
    void block(Task& task, BlockedOn on, Object* object);
    void wake(Task& task, Error status, uint64_t value);
    void unblock_silently(Task& task);
    void reschedule_after(Task* was_running, bool yielded);
    void set_suspended(Task& task, bool suspended);
    void deliver_fault(Task& task, const FaultInfo& fault);
    void abort_reply_wait(Task& caller);
    void poll_notify(List<PollWait, &PollWait::link>& pollers);

    // ---- tracing and logging ----
    // The invocation the current syscall asked for: 1 + its HELIOS_INVOCATIONS
    // row (the trace names it).
    void note_invocation(uint16_t row_plus_one) { invoked_ = row_plus_one; }
    void log(const char* text);

private:
    // ======== 3. Bookkeeping ========
    // Empty `slot`; the object whose last owning capability it held, if any.
    Object* clear_cap(Slot& slot);
    void teardown(Object* object);
    void free_object_frames(Object* object);
    void embedded_revoked(Slot& slot);
    uint64_t frames_for(CapType type, uint64_t size);
    Result<uint64_t> alloc_frames(uint64_t count);
    Object* construct(CapType type, uint64_t first_frame, uint64_t size, uint64_t extra);
    void prepare_frames(uint64_t count);

    PhysAllocator phys_;
    Paging paging_;
    Scheduler scheduler_;
    KernelStats stats_;
    uint32_t injected_alloc_failures_ = 0;
    Irq* irq_lines_[Irq::kLines] = {};
    // Objects owned by no Memory, linked through `sibling`.
    List<Object, &Object::sibling> ioports_;
    List<Object, &Object::sibling> irqs_;
    Task* init_task_ = nullptr;
    Frame* frames_ = nullptr;
    uint64_t frames_ready_ = 0;  // records [0, frames_ready_) are constructed
    Task* current_ = nullptr;
    Task* in_entry_ = nullptr;  // the task whose entry is being handled, while alive
    List<Object, &Object::destroy_link> destroy_queue_;
    uint16_t invoked_ = 0;
    uint32_t last_task_id_ = 0;
    uint32_t last_vspace_id_ = 0;
};

template <typename T>
inline T* downcast(Object* object) {
    return object && object->type() == T::kType ? static_cast<T*>(object) : nullptr;
}

}  // namespace helios
