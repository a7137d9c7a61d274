// crashy: a test driver that faults (a bad pointer) every time it starts, after checking its `_` capabilities and heap
// work.
#include <helios/console.h>
#include <helios/heap.h>
#include <helios/manifest.h>
#include <helios/procinfo.h>
#include <helios/tls.h>
#include <helios/vm.h>

HELIOS_MANIFEST(
    "[driver]\n"
    "name = crashy\n"
    "desc = test driver: faults at start\n"
    "[cspace]\n"
    "radix = 6\n"
    "[capabilities]\n"
    "_:memory = pages=40\n"
    "_:vspace = self\n"
    "_:cspace = self\n");

// The loader set up the first thread's TLS block from the PT_TLS template.
thread_local uint64_t t_data = 0x5eed;  // .tdata: copied
thread_local uint64_t t_bss;            // .tbss: zeroed

int main() {
    uint64_t restarts = 99;
    (void)helios::rt::find_aux_value("restarts", &restarts);
    // The `_` entries reached the runtime through the aux vector: the heap
    // and the mmap helpers work.
    auto* words = static_cast<uint64_t*>(helios::heap::alloc(3000 * sizeof(uint64_t)));
    bool heap_ok = words != nullptr;
    for (uint64_t i = 0; heap_ok && i < 3000; ++i) words[i] = i * 7;
    for (uint64_t i = 0; heap_ok && i < 3000; ++i) heap_ok = words[i] == i * 7;
    helios::heap::free(words);
    heap_ok = heap_ok && helios::heap::check();
    helios::SysResult anon = helios::vm::map_anonymous(2);
    bool mmap_ok = anon.ok();
    if (mmap_ok) {
        auto* p = reinterpret_cast<volatile uint64_t*>(anon.value);
        p[0] = 1;
        p[1023] = 2;
        mmap_ok = p[0] + p[1023] == 3 && helios::vm::unmap(anon.value).ok();
    }
    bool tls_ok = t_data == 0x5eed && t_bss == 0 && helios::tls::thread_pointer() != 0;
    t_bss = restarts + 1;
    tls_ok = tls_ok && t_bss == restarts + 1;
    helios::printf("[crashy] run %lu as %s: heap %s, mmap %s, tls %s\n", restarts, helios::rt::program_name(),
                   heap_ok ? "ok" : "FAILED", mmap_ok ? "ok" : "FAILED", tls_ok ? "ok" : "FAILED");
    *reinterpret_cast<volatile uint64_t*>(0xdead0000) = 1;
    helios::print("[crashy] still running after the fault\n");
    return 0;
}
