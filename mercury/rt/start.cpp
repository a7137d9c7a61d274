// Runtime start-up: find the IPC buffer, run constructors, call main, exit with its status.
#include <helios/abi.h>
#include <helios/ipc.h>
#include <helios/rt.h>
#include <helios/syscall.h>
#include <helios/tls.h>
#include <stdint.h>

extern "C" {
helios_ipcbuf* helios_rt_ipcbuf = nullptr;
// The procinfo page of a program started by a loader (helios/procinfo.h).
const helios_procinfo* helios_rt_procinfo = nullptr;

// Bounds of .init_array, from user.ld.
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();

[[noreturn]] void helios_rt_start(uint64_t arg);
}

namespace {
uint64_t g_start_arg = 0;
const helios_bootinfo* g_bootinfo = nullptr;
}  // namespace

namespace helios::rt {

uint64_t start_arg() { return g_start_arg; }

const helios_bootinfo* bootinfo() { return g_bootinfo; }

void exit(int status) {
    sys::exit(static_cast<uint64_t>(static_cast<int64_t>(status)));
    // exit does not return; should the kernel refuse, spin rather than run on.
    for (;;) sys::yield();
}

}  // namespace helios::rt

// Called by _start (crt0.S) on an aligned stack with the loader's rdi word.
// Only init's bootinfo address is dereferenced: any other word may be an
// arbitrary argument, and reading an unmapped address would fault.
extern "C" void helios_rt_start(uint64_t arg) {
    g_start_arg = arg;
    if (arg == HELIOS_INIT_BOOTINFO_ADDR) {
        auto* info = reinterpret_cast<const helios_bootinfo*>(arg);
        if (info->magic == HELIOS_BOOTINFO_MAGIC) {
            g_bootinfo = info;
            helios_rt_ipcbuf = reinterpret_cast<helios_ipcbuf*>(info->ipcbuf);
            // Init's main thread gets its TLS now (its own task capability is
            // well known); other programs call tls::setup_main themselves.
            (void)helios::tls::setup_main(HELIOS_INIT_CAP_TASK);
        }
    }
    // Every other program started by a loader: rdi = its procinfo page
    // (same address as init's bootinfo; the magic tells them apart).
    if (arg == HELIOS_PROCINFO_ADDR && g_bootinfo == nullptr) {
        auto* info = reinterpret_cast<const helios_procinfo*>(arg);
        if (info->magic == HELIOS_PROCINFO_MAGIC) {
            helios_rt_procinfo = info;
            helios_rt_ipcbuf = reinterpret_cast<helios_ipcbuf*>(info->ipcbuf);
        }
    }
    for (void (**ctor)() = __init_array_start; ctor != __init_array_end; ++ctor) (*ctor)();
    helios::rt::exit(main());
}
