/* Kernel entries: the 256 IDT stubs, the syscall entry, and the way back to
 * user mode. Every entry builds the same TrapFrame (trap.h) on the kernel
 * stack; from user mode that is the top of the stack (TSS.RSP0 for traps,
 * kernel_stack_top for syscall), so C++ always runs below it.
 *
 * The kernel runs with interrupts off. The only place they are on is the
 * idle loop (`sti; hlt`), so a trap taken in ring 0 is an idle interrupt
 * (or a kernel bug, which panics); trap_dispatch returns only for those. */
#include "layout.h"

    .macro PUSH_GPRS
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    .endm

    .macro POP_GPRS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    .endm

    .text
/* One stub per vector: push a zero error code where the CPU pushes none,
 * then the vector number. */
    .macro ISR vec
    .align 16
isr_\vec:
    .if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp isr_common
    .endm

    .altmacro
    .set vec, 0
    .rept 256
    ISR %vec
    .set vec, vec + 1
    .endr

isr_common:
    PUSH_GPRS
    cld
    movq %rsp, %rdi
    call trap_dispatch
    /* Only ring-0 traps (idle interrupts) come back here. */
    POP_GPRS
    addq $16, %rsp
    iretq

/* syscall: rip in rcx, rflags in r11, IF/TF/DF/AC masked by SFMASK, still
 * on the user stack. Uniprocessor: the user rsp goes to a scratch word,
 * no swapgs needed. */
    .globl syscall_entry
    .align 16
syscall_entry:
    movq %rsp, syscall_user_rsp(%rip)
    leaq kernel_stack_top(%rip), %rsp
    pushq $SEL_USER_DATA
    pushq syscall_user_rsp(%rip)
    pushq %r11
    pushq $SEL_USER_CODE
    pushq %rcx
    pushq $0
    pushq $VECTOR_SYSCALL
    PUSH_GPRS
    cld
    movq %rsp, %rdi
    call syscall_dispatch
    ud2

/* enter_user(frame): load every register from the frame and iretq. */
    .globl enter_user
enter_user:
    movq %rdi, %rsp
    POP_GPRS
    addq $16, %rsp
    iretq

    .macro ISR_ENTRY vec
    .quad isr_\vec
    .endm

    .section .rodata
    .align 8
    .globl isr_table
isr_table:
    .set vec, 0
    .rept 256
    ISR_ENTRY %vec
    .set vec, vec + 1
    .endr

    .bss
    .align 8
syscall_user_rsp:
    .skip 8

    .section .note.GNU-stack, "", @progbits
