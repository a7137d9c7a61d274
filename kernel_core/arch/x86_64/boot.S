/* Multiboot (v1) entry of the x86_64 kernel: from 32-bit protected mode to
 * long mode in the higher half, then kmain(magic, info).
 *
 * The image is an ELF64, which a multiboot loader only takes through the
 * a.out kludge (flag 16): the header below gives the physical load range
 * and entry, and the file is flat from the header on (one PT_LOAD segment,
 * kernel.ld). QEMU's -kernel and GRUB's `multiboot` both accept it.
 *
 * Boot page tables (in .bss, zeroed here):
 *   PML4[0]   -> boot_pdpt_direct   identity map of 0..4 GiB, dropped in C++ land
 *   PML4[256] -> boot_pdpt_direct   direct map: DIRECT_MAP + p -> p (2 MiB pages)
 *   PML4[511] -> boot_pdpt_kernel   [510] -> boot_pd[0]: KERNEL_VMA + p -> p, 1 GiB
 * The PML4's upper half never changes after boot; every user vspace gets a
 * copy of it (arch::vspace_created), so the kernel is mapped everywhere. */
#include "layout.h"

#define PHYS(x) ((x) - KERNEL_VMA)
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00010003 /* page-aligned modules, memory map, a.out kludge */

    .section .multiboot, "a"
    .align 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long PHYS(mb_header)      /* header_addr */
    .long PHYS(__kernel_start) /* load_addr */
    .long PHYS(__load_end)     /* load_end_addr */
    .long PHYS(__kernel_end)   /* bss_end_addr */
    .long PHYS(_start32)       /* entry_addr */

    .section .text.boot, "ax"
    .code32
    .globl _start32
_start32:
    cli
    cld
    movl $PHYS(kernel_stack_top), %esp
    movl %eax, PHYS(boot_magic)
    movl %ebx, PHYS(boot_info)

    /* Long mode (CPUID 0x80000001 EDX bit 29) and NX (bit 20) are required:
     * the core's page tables set NX on every non-executable page. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    testl $(1 << 20), %edx
    jz no_long_mode

    /* Zero the tables (the loader zeroes .bss, but be sure). */
    movl $PHYS(boot_tables_start), %edi
    movl $(boot_tables_end - boot_tables_start) / 4, %ecx
    xorl %eax, %eax
    rep stosl

    /* boot_pd[0..3]: 2048 entries of 2 MiB (present, writable, large). */
    movl $PHYS(boot_pd), %edi
    movl $0x83, %eax
    movl $2048, %ecx
1:  movl %eax, (%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    movl $(PHYS(boot_pd) + 3), %eax
    movl %eax, PHYS(boot_pdpt_direct) + 0
    addl $4096, %eax
    movl %eax, PHYS(boot_pdpt_direct) + 8
    addl $4096, %eax
    movl %eax, PHYS(boot_pdpt_direct) + 16
    addl $4096, %eax
    movl %eax, PHYS(boot_pdpt_direct) + 24
    movl $(PHYS(boot_pd) + 3), PHYS(boot_pdpt_kernel) + 510 * 8

    movl $(PHYS(boot_pdpt_direct) + 3), %eax
    movl %eax, PHYS(boot_pml4)
    movl %eax, PHYS(boot_pml4) + 256 * 8
    movl $(PHYS(boot_pdpt_kernel) + 3), PHYS(boot_pml4) + 511 * 8
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3

    /* CR4: PAE, OSFXSR, OSXMMEXCPT. */
    movl %cr4, %eax
    orl $((1 << 5) | (1 << 9) | (1 << 10)), %eax
    movl %eax, %cr4
    /* EFER: SCE (syscall), LME (long mode), NXE (no-execute). */
    movl $0xC0000080, %ecx
    rdmsr
    orl $((1 << 0) | (1 << 8) | (1 << 11)), %eax
    wrmsr
    /* CR0: PG, WP, MP and TS (the FPU is handed out lazily), EM clear. */
    movl %cr0, %eax
    andl $~(1 << 2), %eax
    orl $((1 << 31) | (1 << 16) | (1 << 3) | (1 << 1)), %eax
    movl %eax, %cr0

    lgdt PHYS(gdt_ptr32)
    ljmp $SEL_KERNEL_CODE, $PHYS(long_mode_entry)

no_long_mode:
    movl $PHYS(no_long_mode_msg), %esi
2:  lodsb
    testb %al, %al
    jz 4f
    movb %al, %bl
    movw $0x3FD, %dx
3:  inb %dx, %al
    testb $0x20, %al
    jz 3b
    movw $0x3F8, %dx
    movb %bl, %al
    outb %al, %dx
    jmp 2b
4:  cli
    hlt
    jmp 4b

    .code64
long_mode_entry:
    movabsq $higher_half, %rax
    jmpq *%rax

    .text
higher_half:
    lgdt gdt_ptr64(%rip)
    movw $SEL_KERNEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs
    leaq kernel_stack_top(%rip), %rsp
    subq $TRAP_FRAME_RESERVE, %rsp
    xorl %ebp, %ebp
    movl boot_magic(%rip), %edi
    movl boot_info(%rip), %esi
    call kmain
5:  cli
    hlt
    jmp 5b

    .section .rodata
no_long_mode_msg:
    .asciz "helios: this CPU has no long mode or no NX; cannot boot\n"

    .data
    .align 16
    .globl gdt
gdt:
    .quad 0                  /* null */
    .quad 0x00AF9A000000FFFF /* 0x08 kernel code, 64-bit */
    .quad 0x00CF92000000FFFF /* 0x10 kernel data */
    .quad 0x00CFF2000000FFFF /* 0x18 user data (DPL 3) */
    .quad 0x00AFFA000000FFFF /* 0x20 user code, 64-bit (DPL 3) */
    .quad 0, 0               /* 0x28 TSS, filled by cpu_init() */
gdt_end:
    .align 4
gdt_ptr32:
    .word gdt_end - gdt - 1
    .long PHYS(gdt)
    .align 8
gdt_ptr64:
    .word gdt_end - gdt - 1
    .quad gdt
boot_magic:
    .long 0
boot_info:
    .long 0

    .bss
    .align 4096
boot_tables_start:
    .globl boot_pml4, boot_pdpt_direct
boot_pml4:
    .skip 4096
boot_pdpt_direct:
    .skip 4096
boot_pdpt_kernel:
    .skip 4096
boot_pd:
    .skip 4096 * BOOT_DIRECT_GIB
boot_tables_end:
    .align 16
    .globl kernel_stack_top, ist_stack_top
kernel_stack:
    .skip KERNEL_STACK_SIZE
kernel_stack_top:
    /* The trap frame of the user entry being handled (trap.h, TrapFrame). */
    .globl user_trap_frame
    .set user_trap_frame, kernel_stack_top - TRAP_FRAME_SIZE
ist_stack:
    .skip IST_STACK_SIZE
ist_stack_top:

    .section .note.GNU-stack, "", @progbits
