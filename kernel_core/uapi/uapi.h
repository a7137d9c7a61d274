// Uapi: syscall decoding, the only code that reads syscall arguments and the IPC buffer's requests.
#pragma once

#include "core/kernel.h"

namespace helios {

// The name of the invocation (type, label) selects, or null (the trace).
const char* invocation_name(CapType type, uint64_t label);

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
    static helios_caddr_t caddr_arg(const Task& t, unsigned i) {
        uint64_t v = arg(t, i);
        return v > 0xFFFFFFFFull ? HELIOS_CADDR_UNDEF - 1 : static_cast<helios_caddr_t>(v);
    }

    // Run the syscall numbered task.regs.rax (INVALID_SYSCALL if none).
    static void dispatch(Kernel& k, Task& task);
#define HELIOS_X_DECL(num, name, nargs, args, doc) static void sys_##name(Kernel& k, Task& t);
    HELIOS_SYSCALLS(HELIOS_X_DECL)
#undef HELIOS_X_DECL

    // Check a message's shape before it is sent.
    static Status check_message(Kernel& k, Task& t, uint64_t tag, bool grant);

    static void ipc_send(Kernel& k, Task& t, Slot& slot, uint64_t tag, bool blocking, bool call);
    static void ipc_recv(Kernel& k, Task& t, Slot& slot, bool blocking);
    // Evaluate a poll: complete it, or (when `may_block`) register and block.
    static void poll_evaluate(Kernel& k, Task& t, bool may_block);

    // Object invocation: send(cap, tag) on a kernel object, decoded against
    // its HELIOS_INVOCATIONS row and performed by its type (uapi/invoke.cpp).
    // Returns status; *value is the rdx result.
    static Error invoke(Kernel& k, Task& t, Slot& slot, uint64_t tag, uint64_t* value);
};

}  // namespace helios
