// Program start-up state of the Mercury runtime: the start argument and init's bootinfo.
#ifndef HELIOS_RT_RT_H
#define HELIOS_RT_RT_H

#include <helios/abi.h>
#include <stdint.h>

// Every program defines `int main()`; the runtime calls it after start-up and
// exits with its value. Declared extern "C" so the symbol is plain `main` with
// every compiler (clang mangles main in -ffreestanding mode otherwise).
extern "C" int main();

namespace helios::rt {

// The word the loader passed in rdi to _start (see crt0.S): init gets the
// address of its helios_bootinfo; other programs get 0 or the address of a
// startup block their loader documents.
[[nodiscard]] uint64_t start_arg();

// init's bootinfo (mapped read-only at HELIOS_INIT_BOOTINFO_ADDR), or null
// in any other program.
[[nodiscard]] const helios_bootinfo* bootinfo();

// Ends the calling task with status (the exit syscall); never returns.
[[noreturn]] void exit(int status);

}  // namespace helios::rt

#endif
