// The procinfo page and auxiliary vector of programs started by a loader (every program but init).
#ifndef HELIOS_RT_PROCINFO_H
#define HELIOS_RT_PROCINFO_H

#include <helios/abi.h>
#include <stdint.h>

// A loader (mercury/init) maps a read-only helios_procinfo page at
// HELIOS_PROCINFO_ADDR and starts the program with rdi pointing at it; the
// runtime recognises it by its magic, takes the IPC buffer address from it
// and keeps it for these look-ups. See docs/abi.md and docs/memory-map.md.
namespace helios::rt {

// The program's procinfo, or null (init, or a program started without one).
[[nodiscard]] const helios_procinfo* procinfo();

// The first aux entry of `type` called `name`, or null.
[[nodiscard]] const helios_auxv* find_aux(uint32_t type, const char* name);

// The caddr of the capability the loader placed for a manifest `_` entry of
// this type name ("memory", "vspace", "cspace", "endpoint", "note", ...),
// or HELIOS_CADDR_UNDEF when there is none.
[[nodiscard]] helios_caddr_t find_aux_cap(const char* name);

// The endpoint of a service listed in the manifest's [services] (e.g.
// "serial"), or HELIOS_CADDR_UNDEF.
[[nodiscard]] helios_caddr_t find_service(const char* name);

// A number the loader passed (HELIOS_AT_VALUE, e.g. "restarts"): true and
// *out set when present.
[[nodiscard]] bool find_aux_value(const char* name, uint64_t* out);

// The program's name: procinfo's, "init" for init, "" otherwise.
[[nodiscard]] const char* program_name();

}  // namespace helios::rt

#endif
