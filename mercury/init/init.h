// Mercury init: the programs it loads and supervises, the serial device registry, and the loader's interface.
#ifndef HELIOS_MERCURY_INIT_H
#define HELIOS_MERCURY_INIT_H

#include <helios/abi.h>
#include <helios/ipc.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest_parser.h"

namespace mercury {

// Supervision settings, from the kernel command line (bootinfo.cmdline):
//   init.restart_max=N              restarts allowed within the window (3)
//   init.restart_window_ms=N        the window, in milliseconds of the
//                                   kernel's clock (default 10000: 10 s)
//   init.restart_window_mcycles=N   the older spelling, from when init read
//                                   the TSC: millions of cycles of a 1 GHz
//                                   counter, i.e. the same N milliseconds
struct Config {
    unsigned restart_max = 3;
    uint64_t restart_window_ns = 10000ull * 1000 * 1000;
};

// A program init starts: a driver from drivers/ or the user program.
struct Program {
    static constexpr unsigned kMaxRestartLog = 16;

    char path[64];       // path in the initramfs, e.g. "drivers/serial"
    char name[32];       // manifest [driver] name, else the path's last part
    const uint8_t* elf;  // the ELF image, inside the initramfs (read-only)
    size_t elf_size;
    helios::lib::Manifest* manifest;  // parsed once, kept for restarts
    uint32_t index;                   // in the program table; part of the fault cookie

    // Registry endpoints for this program's `serial` entries, by manifest
    // capability index (HELIOS_CADDR_UNDEF where none); they survive restarts.
    helios_caddr_t serial_endpoint[helios::lib::Manifest::kMaxCaps];

    // The running instance. Everything it owns is allocated from `arena`, a
    // Memory sub-divided for it, so destroying `arena` frees it all.
    bool running;
    bool stopped_for_good;
    uint32_t generation;  // bumped at every start; part of the fault cookie
    helios_caddr_t arena, holder, cspace, vspace, task;

    unsigned restarts;                    // how many times it was restarted so far
    uint64_t restart_ns[kMaxRestartLog];  // clock_ns() of recent restarts (ring)
};

// Fault cookie: index + 1 in bits 0-15, generation in bits 16-47.
inline uint64_t fault_cookie(const Program& p) {
    return (static_cast<uint64_t>(p.generation) << 16) | (p.index + 1);
}

// The serial devices drivers registered (manifest type `serial`), in order.
struct SerialDevice {
    helios_caddr_t endpoint;  // init's copy (all rights)
    // The endpoint is the only object of this one-page Memory: destroying it
    // destroys the endpoint and so revokes every client's copy.
    helios_caddr_t memory;
    Program* owner;
};
inline constexpr unsigned kMaxSerialDevices = 8;

// init's state shared between its parts.
struct Init {
    Config config;
    helios_caddr_t fault_endpoint = HELIOS_CADDR_UNDEF;
    SerialDevice serial[kMaxSerialDevices];
    unsigned serial_count = 0;
};

Init& state();

// Builds a new process for p from its ELF and manifest, and starts it with
// init's fault endpoint. On failure prints "[init] PATH: ..." naming the
// problem (and the manifest line where there is one), frees whatever was
// made, and returns false.
bool load_program(Program& p);

// Destroys p's running instance (its arena, hence everything it owned).
void destroy_instance(Program& p);

// Name of a helios_error ("NOMEM", ...).
const char* error_name(uint64_t status);

}  // namespace mercury

#endif
