/* Guest code snippets for the HuskProcess tests: position-independent,
 * copied into a physical frame and run at kCodeVaddr by a guest thread. Each
 * snippet is the bytes between NAME_begin and NAME_end. */
        .intel_syntax noprefix
        .section .rodata.guest_code, "a", @progbits

#define SNIPPET(name) .globl name##_begin, name##_end; name##_begin:
#define END(name) name##_end:

/* Syscalls the simulator must intercept, Linux-numbered on purpose. */
SNIPPET(guest_syscalls)
        mov     eax, 42
        syscall                         /* stop 1: nr 42; the test sets rax */
        mov     rdi, rax
        mov     eax, 43
        syscall                         /* stop 2: rdi = what the test set */
        mov     eax, 1                  /* Linux write(1, msg, 5) */
        mov     edi, 1
        lea     rsi, [rip + guest_msg]
        mov     edx, 5
        syscall                         /* stop 3 */
        mov     rdi, rax
        mov     eax, 39                 /* Linux getpid */
        syscall                         /* stop 4: rdi = write's "result" */
        mov     rdi, rax
        mov     eax, 231                /* Linux exit_group(getpid's "result") */
        syscall                         /* stop 5 */
        mov     eax, 60                 /* Linux exit */
        syscall                         /* stop 6 */
        mov     eax, 1000
        syscall                         /* stop 7: still alive */
guest_msg:
        .ascii  "oops\n"
END(guest_syscalls)

/* Store a word at [rdi], then report with syscall 1000. */
SNIPPET(guest_store)
        mov     rax, 0x1122334455667788
        mov     [rdi], rax
        mov     eax, 1000
        syscall
END(guest_store)

/* Load a word from [rdi] into rdi, then report with syscall 1001. */
SNIPPET(guest_load)
        mov     rdi, [rdi]
        mov     eax, 1001
        syscall
END(guest_load)

/* Jump to rdi. */
SNIPPET(guest_jump)
        jmp     rdi
END(guest_jump)

/* Port I/O: out dx, al then in al, 0x60; the byte read is reported in rdi. */
SNIPPET(guest_port_io)
        mov     edx, 0x3f8
        mov     al, 0x41
        out     dx, al
        in      al, 0x60
        movzx   edi, al
        mov     eax, 1002
        syscall
END(guest_port_io)

/* Every other fault: int3 (SIGTRAP), ud2 (SIGILL), divide by zero (SIGFPE). */
SNIPPET(guest_faults)
        int3
        ud2
        xor     edx, edx
        xor     ecx, ecx
        mov     eax, 1
        div     ecx
        mov     eax, 1003
        syscall
END(guest_faults)

/* A counter per thread: rbx += 1, report with syscall 500, forever. */
SNIPPET(guest_counter)
        add     rbx, 1
        push    rbx                     /* touch the thread's own stack */
        pop     rsi                     /* not rcx: syscall itself overwrites rcx and r11 */
        mov     eax, 500
        syscall
        jmp     guest_counter_begin
END(guest_counter)

/* Read the word at absolute 0x600000 into rdi, report with syscall 700, forever. */
SNIPPET(guest_read_fixed)
        mov     rdi, qword ptr [0x600000]
        mov     eax, 700
        syscall
        jmp     guest_read_fixed_begin
END(guest_read_fixed)

/* Three nops, then syscall 600: for single-stepping. */
SNIPPET(guest_nops)
        nop
        nop
        nop
        mov     eax, 600
        syscall
END(guest_nops)

/* xmm0's low quadword into rdi, report with syscall 800. */
SNIPPET(guest_xmm)
        movq    rdi, xmm0
        mov     eax, 800
        syscall
END(guest_xmm)

/* Leave 64-bit mode: a far return into the 32-bit user code segment (0x23)
 * at the address in edi (the test puts 32-bit code there). */
SNIPPET(guest_compat)
        push    0x23
        push    rdi
        .byte   0x48, 0xcb              /* retf with REX.W: pops rip, then cs */
END(guest_compat)

/* Call into the vsyscall page (gettimeofday, time, getcpu slots) at rdi. */
SNIPPET(guest_vsyscall)
        xor     esi, esi
        mov     rax, rdi
        mov     rdi, rsp
        sub     rdi, 64
        call    rax
        mov     eax, 900
        syscall
END(guest_vsyscall)

/* int $0x80 from 64-bit mode with a Linux i386 number (getpid, 20). */
SNIPPET(guest_int80)
        mov     eax, 20
        int     0x80
        mov     eax, 901
        syscall
END(guest_int80)

/* cpuid leaf 0, then report with syscall 902. */
SNIPPET(guest_cpuid)
        xor     eax, eax
        cpuid
        mov     eax, 902
        syscall
END(guest_cpuid)

        .section .note.GNU-stack, "", @progbits
