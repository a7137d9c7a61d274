// HELIOS_MANIFEST: embed a driver manifest (INI text) in the ELF section .manifest.
#ifndef HELIOS_RT_MANIFEST_H
#define HELIOS_RT_MANIFEST_H

// Use once per program, at namespace scope:
//   HELIOS_MANIFEST("[driver]\nname=pcserial\n[capabilities]\n0:ioport = min=3F8, max=3FF\n");
// The linker script (user.ld) keeps .manifest as a non-allocated section:
// it is in the file for the loader to read (ElfImage::find_section), never
// mapped into the program. The text is NUL-terminated.
#define HELIOS_MANIFEST(text)                                            \
    extern "C" const char helios_manifest[sizeof(text)];                \
    [[gnu::section(".manifest"), gnu::used]] const char helios_manifest[sizeof(text)] = text

#endif
