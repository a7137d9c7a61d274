// Uapi: the only code that reads syscall arguments and touches user memory.
#pragma once

#include "core/kernel.h"

namespace helios {

// Every handler follows "decode, then perform": it resolves capabilities and
// checks every argument without side effects, and only then changes state,
// so a hostile caller gets an error and never leaves half-done work.
struct Uapi {
    // Syscall arguments in ABI order: rdi, rsi, rdx, r10, r8, r9.
    static uint64_t arg(const Task& t, unsigned i) {
        switch (i) {
            case 0: return t.regs.rdi;
            case 1: return t.regs.rsi;
            case 2: return t.regs.rdx;
            case 3: return t.regs.r10;
            case 4: return t.regs.r8;
            default: return t.regs.r9;
        }
    }
    // May the kernel copy to or from this physical address on a user's
    // behalf (a RAM page, not a device page)?
    static bool kernel_may_touch(Kernel& k, uint64_t phys);

    static helios_caddr_t caddr_arg(const Task& t, unsigned i) {
        uint64_t v = arg(t, i);
        return v > 0xFFFFFFFFull ? HELIOS_CADDR_UNDEF - 1 : static_cast<helios_caddr_t>(v);
    }

#define HELIOS_X_DECL(num, name, nargs, args, doc) static void sys_##name(Kernel& k, Task& t);
    HELIOS_SYSCALLS(HELIOS_X_DECL)
#undef HELIOS_X_DECL

    // Message transfer from `from` to `to`: params, capabilities (moved, when
    // `grant`), badge. Returns the tag the receiver sees.
    static uint64_t transfer(Kernel& k, Task& from, Task& to, uint64_t tag, uint64_t badge, bool grant);
    // Check a message's shape before it is sent.
    static Status check_message(Kernel& k, Task& t, uint64_t tag, bool grant);

    static void ipc_send(Kernel& k, Task& t, Slot& slot, uint64_t tag, bool blocking, bool call);
    static void ipc_recv(Kernel& k, Task& t, Slot& slot, bool blocking);
    static void reply_to_caller(Kernel& k, Task& t, Task& caller, uint64_t tag);
    static void signal(Kernel& k, Notification& n, uint64_t bits);
    static void notification_wait(Kernel& k, Task& t, Notification& n, bool blocking);
    // Evaluate a poll: complete it, or (when `may_block`) register and block.
    static void poll_evaluate(Kernel& k, Task& t, bool may_block);

    // Object invocation: send(cap, tag) on a kernel object. Returns status;
    // *value is the rdx result.
    static Error invoke(Kernel& k, Task& t, Slot& slot, uint64_t tag, uint64_t* value);
    static Error invoke_memory(Kernel& k, Task& t, Memory& m, uint64_t label, helios_ipcbuf& b, uint64_t* value);
    static Error invoke_devmem(Kernel& k, Task& t, DevMem& d, uint64_t label, helios_ipcbuf& b, uint64_t* value);
    static Error invoke_cspace(Kernel& k, Task& t, CSpace& cs, uint64_t label, uint64_t tag, helios_ipcbuf& b,
                               uint64_t* value);
    static Error invoke_task(Kernel& k, Task& t, Task& target, uint64_t label, helios_ipcbuf& b, uint64_t* value);
    static Error invoke_paging(Kernel& k, Task& t, Slot& slot, uint64_t label, helios_ipcbuf& b, uint64_t* value);
    static Error invoke_device(Kernel& k, Task& t, Slot& slot, uint64_t label, helios_ipcbuf& b, uint64_t* value);
};

}  // namespace helios
