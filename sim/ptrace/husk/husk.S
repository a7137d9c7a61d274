/* The husk: a stub process whose address space holds one Helios vspace.
 *
 * It is linked high (husk.ld) so the whole user range below HUSK_USER_TOP is
 * free for the guest. The control thread (the thread-group leader) runs under
 * PTRACE_CONT, so its own syscalls really execute: it stops on int3, the
 * simulator fills the mailbox with a batch of operations and continues it,
 * it runs them all, writes each result, and stops on int3 again. A batch of N
 * mappings thus costs one round trip.
 *
 * The loop keeps all its state in callee registers and never touches its
 * stack: a guest thread can write any writable page of this address space
 * (including the Linux stack and the mailbox), but the simulator rewrites the
 * mailbox before every batch while every guest thread is stopped, and a
 * register cannot be reached, so a hostile guest cannot steer the control
 * thread. Guest threads run under PTRACE_SYSEMU and so cannot make a Linux
 * syscall at all, not even by jumping into this code.
 *
 * Before the first guest thread exists the simulator sends one batch that
 * discards the husk's own Linux mappings it never uses (vDSO, vvar, stack)
 * and seals it (HUSK_OP_SEAL): cpuid faulting, no-new-privs and a seccomp
 * filter that allows only the calls below, from this page, with the argument
 * shapes they use (sim/ptrace/husk_filter.cpp). That is the second wall: a
 * thread that ever escaped emulation still could not reach Linux. */
#include "husk_abi.h"

        .intel_syntax noprefix
        .section .text.husk, "ax", @progbits
        .globl  _start
_start:
        jmp     husk_init

        /* SYS_exit for the calling thread only; kill_thread points rip here
         * and continues the thread with PTRACE_CONT. */
        .org    HUSK_THREAD_EXIT_OFFSET
husk_thread_exit:
        mov     eax, 60
        xor     edi, edi
        syscall
        jmp     husk_thread_exit

husk_init:
        /* Block every blockable signal but the preemption signal:
         * asynchronous signals then never stop a thread. Synchronous faults are forced through regardless, and
         * ptrace sees them first. Threads inherit this mask from clone. */
        mov     eax, 14                 /* rt_sigprocmask */
        mov     edi, 2                  /* SIG_SETMASK */
        lea     rsi, [rip + husk_all_signals]
        xor     edx, edx
        mov     r10d, 8
        syscall

        /* Map the mailbox, then drop its fd: it is never needed again. */
        mov     rdi, HUSK_MAILBOX_ADDR
        mov     esi, HUSK_MAILBOX_SIZE
        mov     edx, 3                  /* PROT_READ|PROT_WRITE */
        mov     r10d, 0x11              /* MAP_SHARED|MAP_FIXED */
        mov     r8d, HUSK_MAILBOX_FD
        xor     r9d, r9d
        mov     eax, 9                  /* mmap */
        syscall
        cmp     rax, rdi
        jne     husk_fail
        mov     edi, HUSK_MAILBOX_FD
        mov     eax, 3                  /* close */
        syscall

        mov     r12, HUSK_MAILBOX_ADDR
        mov     rax, HUSK_MAGIC
        mov     [r12 + HUSK_MB_MAGIC], rax

husk_loop:
        int3
        mov     r13, [r12 + HUSK_MB_COUNT]
        mov     eax, HUSK_MAX_OPS
        cmp     r13, rax
        cmova   r13, rax
        xor     r14d, r14d              /* index of the current op */
        lea     r15, [r12 + HUSK_MB_OPS]
husk_next:
        cmp     r14, r13
        jae     husk_done
        mov     rax, [r15 + HUSK_OP_KIND]
        cmp     rax, HUSK_OP_MAP
        je      husk_map
        cmp     rax, HUSK_OP_UNMAP
        je      husk_unmap
        cmp     rax, HUSK_OP_PROTECT
        je      husk_protect
        cmp     rax, HUSK_OP_CLONE
        je      husk_clone
        cmp     rax, HUSK_OP_DISCARD
        je      husk_unmap              /* the same munmap; the filter tells them apart */
        cmp     rax, HUSK_OP_SEAL
        je      husk_seal
        mov     rax, -22                /* -EINVAL: unknown op */
        jmp     husk_store

husk_map:
        mov     rdi, [r15 + HUSK_OP_ARG0]
        mov     rsi, [r15 + HUSK_OP_ARG1]
        mov     rdx, [r15 + HUSK_OP_ARG2]
        mov     r10d, 0x11              /* MAP_SHARED|MAP_FIXED */
        mov     r8d, HUSK_PHYS_FD
        mov     r9, [r15 + HUSK_OP_ARG3]
        mov     eax, 9                  /* mmap */
        syscall
        jmp     husk_store

husk_unmap:
        mov     rdi, [r15 + HUSK_OP_ARG0]
        mov     rsi, [r15 + HUSK_OP_ARG1]
        mov     eax, 11                 /* munmap */
        syscall
        jmp     husk_store

husk_protect:
        mov     rdi, [r15 + HUSK_OP_ARG0]
        mov     rsi, [r15 + HUSK_OP_ARG1]
        mov     rdx, [r15 + HUSK_OP_ARG2]
        mov     eax, 10                 /* mprotect */
        syscall
        jmp     husk_store

husk_clone:
        mov     edi, HUSK_CLONE_FLAGS
        mov     rsi, HUSK_CLONE_STACK_TOP
        xor     edx, edx
        xor     r10d, r10d
        xor     r8d, r8d
        mov     eax, 56                 /* clone */
        syscall
        test    rax, rax
        jnz     husk_store
        /* The new thread. With PTRACE_O_TRACECLONE it starts in a ptrace
         * stop before running any of this, and the simulator sets all of its
         * registers; this path only runs if that ever fails. */
        int3
        jmp     husk_thread_exit

husk_seal:
        mov     rax, -95                /* -EOPNOTSUPP: cpuid faulting not asked for */
        cmp     qword ptr [r15 + HUSK_OP_ARG1], 0
        jne     1f                      /* arg1 != 0: a weaker profile leaves cpuid native */
        mov     eax, 158                /* arch_prctl */
        mov     edi, 0x1012             /* ARCH_SET_CPUID */
        xor     esi, esi                /* 0: cpuid raises SIGSEGV */
        syscall
1:      mov     [r12 + HUSK_MB_CPUID], rax  /* -errno where the CPU cannot fault cpuid */
        mov     eax, 157                /* prctl */
        mov     edi, 38                 /* PR_SET_NO_NEW_PRIVS */
        mov     esi, 1
        xor     edx, edx
        xor     r10d, r10d
        xor     r8d, r8d
        syscall
        test    rax, rax
        jnz     husk_store
        mov     eax, 317                /* seccomp */
        mov     edi, 1                  /* SECCOMP_SET_MODE_FILTER */
        xor     esi, esi
        mov     rdx, [r15 + HUSK_OP_ARG0]   /* struct sock_fprog * */
        syscall
        jmp     husk_store

husk_store:
        mov     [r15 + HUSK_OP_RESULT], rax
        cmp     rax, -4095              /* -4095..-1 is -errno */
        jae     husk_done               /* stop at the first failure */
        inc     r14
        add     r15, HUSK_OP_SIZE
        jmp     husk_next
husk_done:
        mov     [r12 + HUSK_MB_DONE], r14
        jmp     husk_loop

husk_fail:
        mov     edi, 127
        mov     eax, 231                /* exit_group */
        syscall

        .balign 8
husk_all_signals:
        /* Everything but SIGXCPU (24, bit 23): the simulator's preemption
         * signal (kPreemptSignal) must reach a running guest thread so that
         * ptrace reports it; it is suppressed there, never delivered. */
        .quad   ~(1 << 23)

        .section .bss.husk, "aw", @nobits
        .balign 4096
husk_clone_stack:
        .skip   4096

        .section .note.GNU-stack, "", @progbits
