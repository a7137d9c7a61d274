// Thread-local storage: TLS block layout (x86_64 variant II) and the main thread's set-up.
#include <helios/invoke.h>
#include <helios/ipc.h>
#include <helios/tls.h>

#include "lib/string.h"

// The TLS template's bounds, from user.ld (absolute symbols: the values are
// the addresses of these arrays).
extern "C" {
extern const char __tls_template_start[];
extern const char __tls_template_filesz[];
extern const char __tls_template_memsz[];
extern const char __tls_template_align[];

bool helios_rt_tls_active = false;
constinit thread_local helios_ipcbuf* helios_rt_thread_ipcbuf __attribute__((tls_model("local-exec"))) = nullptr;
}

namespace helios::tls {

namespace {

constexpr size_t kMinAlign = 16;
constexpr size_t kMainBlockBytes = 4096;

size_t value_of(const char* symbol) {
    return reinterpret_cast<size_t>(symbol);
}

size_t round_up(size_t v, size_t a) {
    return (v + a - 1) & ~(a - 1);
}

alignas(64) unsigned char g_main_block[kMainBlockBytes];

}  // namespace

size_t template_filesz() {
    return value_of(__tls_template_filesz);
}
size_t template_memsz() {
    return value_of(__tls_template_memsz);
}
size_t template_align() {
    size_t a = value_of(__tls_template_align);
    return a == 0 ? 1 : a;
}

namespace {
// The linker places variables at tp - round_up(memsz, p_align) + offset;
// tp itself is aligned to p_align and to the TCB's needs.
size_t image_size() {
    return round_up(template_memsz(), template_align());
}
size_t tp_align() {
    return template_align() < kMinAlign ? kMinAlign : template_align();
}
}  // namespace

size_t block_size() {
    return image_size() + sizeof(Tcb) + tp_align() - 1;
}

uintptr_t init_block(void* memory, size_t size, void* thread) {
    size_t image = image_size();
    auto start = reinterpret_cast<uintptr_t>(memory);
    uintptr_t tp = round_up(start + image, tp_align());
    if (tp + sizeof(Tcb) > start + size) return 0;
    auto* block = reinterpret_cast<unsigned char*>(tp - image);
    size_t filesz = template_filesz();
    lib::copy(block, __tls_template_start, filesz);
    lib::fill(block + filesz, 0, image - filesz);
    auto* tcb = reinterpret_cast<Tcb*>(tp);
    lib::fill(tcb, 0, sizeof *tcb);
    tcb->self = tcb;
    tcb->thread = thread;
    return tp;
}

bool active() {
    return helios_rt_tls_active;
}

SysResult setup_main(helios_caddr_t self_task) {
    if (helios_rt_tls_active) return {HELIOS_ENONE, thread_pointer()};
    uintptr_t tp = init_block(g_main_block, sizeof g_main_block);
    if (tp == 0) return {HELIOS_ENOMEM, 0};
    // Until fs_base is loaded no thread_local may be touched, and ipcbuf()
    // still answers the process-wide buffer, which this invocation uses.
    SysResult r = task_write_tls_base(self_task, tp);
    if (!r.ok()) return r;
    helios_ipcbuf* buffer = helios_rt_ipcbuf;
    helios_rt_thread_ipcbuf = buffer;
    helios_rt_tls_active = true;
    return {HELIOS_ENONE, tp};
}

}  // namespace helios::tls
