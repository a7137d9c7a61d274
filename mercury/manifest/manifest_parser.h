// Parser for Mercury driver manifests: the INI text a program carries in its `.manifest` ELF section.
#ifndef HELIOS_MERCURY_MANIFEST_PARSER_H
#define HELIOS_MERCURY_MANIFEST_PARSER_H

#include <stddef.h>
#include <stdint.h>

// Freestanding (no heap, no libc): user-side code, shared by mercury/init's
// loader and the host tool helios-manifest (and its tests); the kernel never
// parses manifests. Include as "manifest_parser.h" (target
// helios_manifest_user or helios_manifest_host).
//
// The format (helios-spec.md 4.4), one item per line, `#` or `;` starting a
// comment line, blanks around every token ignored:
//
//   [driver]
//   name = serial                  1-31 chars of [A-Za-z0-9_.-]
//   desc = free text               up to 127 chars
//   [cspace]
//   radix = 6                      1..16 (default 12)
//   [capabilities]
//   ADDR:TYPE = key=value, ...     ADDR: decimal slot, or _ (the loader picks
//                                  a slot and reports it in the aux vector)
//   [services]
//   serial =                       a service the loader provides as an
//                                  endpoint (reported in the aux vector)
//
// Capability types and their configuration:
//   endpoint, note, serial    none (`0:note` or `0:note =`)
//   cspace, vspace            `self`: the program's own cspace / vspace
//   ioport                    min=HEX, max=HEX (both required, inclusive,
//                             at most FFFF, optional 0x)
//   irq                       irq=N (0-15), note=CADDR: a note declared on an
//                             earlier line at that slot
//   memory                    pages=N (1 .. kMaxMemoryPages)
//
// Every section is optional and may appear once. Unknown sections, keys,
// types and configuration keys are errors, as are duplicates: a manifest
// either means exactly one thing or is rejected with the line and reason.
namespace helios::lib {

enum class ManifestCapType : uint8_t { endpoint, note, ioport, irq, cspace, vspace, memory, serial };

// "endpoint", "note", ... (never null).
[[nodiscard]] const char* manifest_cap_type_name(ManifestCapType type);

struct ManifestCap {
    uint32_t line;  // 1-based line of the entry
    bool any_slot;  // ADDR was `_`
    uint32_t slot;  // the slot when !any_slot
    ManifestCapType type;
    uint16_t io_min;  // ioport
    uint16_t io_max;  // ioport (inclusive)
    uint8_t irq;      // irq: the line
    uint32_t note;    // irq: slot of the notification in the program's cspace
    uint64_t pages;   // memory
};

struct ManifestService {
    uint32_t line;
    char name[16];
};

struct Manifest {
    static constexpr size_t kMaxCaps = 64;
    static constexpr size_t kMaxServices = 16;
    static constexpr unsigned kDefaultRadix = 12;
    static constexpr unsigned kMaxRadix = 16;
    static constexpr uint64_t kMaxMemoryPages = 1u << 20;

    char name[32];        // [driver] name; empty when not given
    char desc[128];       // [driver] desc; empty when not given
    uint32_t name_line;   // 0 when not given
    unsigned radix;       // [cspace] radix, or kDefaultRadix
    uint32_t radix_line;  // 0 when not given
    ManifestCap caps[kMaxCaps];
    size_t cap_count;
    ManifestService services[kMaxServices];
    size_t service_count;
};

struct ManifestError {
    uint32_t line;      // 1-based line of the problem; 0: the manifest as a whole
    char message[160];  // e.g. "ioport: max is not a hex number"
};

// Parses text[0, len) (a NUL ends it early: the section is NUL-terminated)
// into *out. Returns true on success; false with *error filled otherwise
// (*out is then unspecified).
[[nodiscard]] bool parse_manifest(const char* text, size_t len, Manifest* out, ManifestError* error);

}  // namespace helios::lib

#endif
