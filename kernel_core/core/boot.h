// Boot: build init from the initramfs and hand it every boot capability.
#pragma once

#include "core/kernel.h"

namespace helios {

struct BootConfig {
    const uint8_t* initramfs = nullptr;  // kernel-virtual address of the tar
    uint64_t initramfs_size = 0;
    uint64_t devmem_base = 0;  // physical device range given to init
    uint64_t devmem_pages = 0;
    const char* cmdline = "";
};

// Why boot failed: a sentence naming the problem (static storage).
struct BootError {
    const char* what = nullptr;    // e.g. "initramfs has no entry 'init'"
    const char* detail = nullptr;  // e.g. the ELF or tar reader's description
};

// Create init: its cspace (radix 12) holding, at the HELIOS_INIT_CAP_*
// addresses, itself, its vspace, its task, `root` (all memory), devmem, irq
// control and io control; its ELF image from the initramfs entry "init"; a
// stack, an IPC buffer and a read-only bootinfo page; and the initramfs as
// module 0, mapped read-only with its page capabilities listed in bootinfo.
// Init starts runnable with rip = entry, rsp = HELIOS_INIT_STACK_TOP and
// rdi = the bootinfo address. On failure nothing is left running and *why
// says what was wrong.
Result<Task*> boot_init(Kernel& kernel, Memory& root, const BootConfig& config, BootError* why);

// Where init finds module 0 (the initramfs), read-only.
constexpr uint64_t kInitModuleBase = 0x00007FFE00000000ull;

}  // namespace helios
