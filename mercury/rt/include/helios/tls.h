// Thread-local storage for Helios user programs (x86_64 TLS variant II).
#ifndef HELIOS_RT_TLS_H
#define HELIOS_RT_TLS_H

#include <helios/abi.h>
#include <helios/ipc.h>
#include <stddef.h>
#include <stdint.h>

// Layout of one thread's TLS block (x86_64 variant II, as the ELF TLS ABI
// and the compiler's local-exec accesses expect):
//
//   [ .tdata copy | .tbss zeroed ][ Tcb ]
//   ^ tp - round_up(memsz, p_align) ^ tp = fs_base
//
// The block ends at the thread pointer; fs:0 holds the thread pointer itself
// (Tcb::self). The template is the program's PT_TLS (linker symbols
// __tls_template_* from user.ld). fs_base is set through the task's
// WRITE_TLS_BASE invocation: a task may set its own, or any suspended task's.
namespace helios::tls {

// The thread control block at the thread pointer.
struct Tcb {
    Tcb* self;     // fs:0, the thread pointer itself (ABI requirement)
    void* thread;  // fs:8, the threads::Thread of this thread; null for the main thread
    uint64_t reserved[6];
};

// The template: size of .tdata (copied), of the whole image (memsz) and its
// alignment (PT_TLS p_align). Variables live at tp - round_up(memsz, p_align)
// + their offset in the template; tp is aligned to max(p_align, 16).
[[nodiscard]] size_t template_filesz();
[[nodiscard]] size_t template_memsz();
[[nodiscard]] size_t template_align();

// Bytes a block needs wherever it starts (image, TCB and alignment slack).
[[nodiscard]] size_t block_size();

// Lays a fresh block out in [memory, memory + size): copies .tdata, zeroes
// .tbss, fills the TCB (self, thread). Returns the thread pointer (the
// fs_base value), or 0 when the space is too small.
uintptr_t init_block(void* memory, size_t size, void* thread = nullptr);

// Sets up the calling thread's TLS as the program's main thread: a block in
// static storage (up to 4 KiB of TLS), fs_base loaded through self_task (the
// caller's own Task capability), then the per-thread IPC buffer takes over
// from the process-wide one (see helios::ipcbuf()). Idempotent. The runtime
// does this at start-up for init (HELIOS_INIT_CAP_TASK); other programs call
// it with their own task capability before using threads or thread_local.
// Errors: NOMEM (template too large), or the invocation's error.
SysResult setup_main(helios_caddr_t self_task);

// True once the calling program's main thread has TLS (setup_main succeeded).
[[nodiscard]] bool active();

// The calling thread's thread pointer (fs:0); only valid when active().
[[nodiscard]] inline uintptr_t thread_pointer() {
    uintptr_t tp;
    asm volatile("movq %%fs:0, %0" : "=r"(tp));
    return tp;
}

// The calling thread's TCB; only valid when active().
[[nodiscard]] inline Tcb* tcb() {
    return reinterpret_cast<Tcb*>(thread_pointer());
}

}  // namespace helios::tls

#endif
