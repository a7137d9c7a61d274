/* _start: the entry point of every Helios user program.
 *
 * Entry state set by the loader (the kernel for init, mercury's loader for
 * everyone else):
 *   rsp  top of the initial stack (need not be aligned: we align it here);
 *   rdi  init: the address of its helios_bootinfo (HELIOS_INIT_BOOTINFO_ADDR);
 *        other programs: 0 or the address of a startup block documented by
 *        their loader. It reaches helios_rt_start(uint64_t arg) unchanged.
 *   fs_base  the TLS block, when the program has PT_TLS (set by the loader).
 * Other registers are undefined. _start never returns: helios_rt_start calls
 * main() and then the exit syscall. */
    .section .text.start, "ax", @progbits
    .cfi_sections .debug_frame
    .globl _start
    .type _start, @function
_start:
    .cfi_startproc
    .cfi_undefined rip          /* outermost frame: debuggers stop here */
    xorl %ebp, %ebp             /* frame-pointer chains end at 0 */
    andq $-16, %rsp             /* SysV: rsp % 16 == 0 before the call */
    call helios_rt_start
    /* Not reached. hlt faults in user mode (#GP), ending the task visibly. */
1:  hlt
    jmp 1b
    .cfi_endproc
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
