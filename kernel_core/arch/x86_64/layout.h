/* Addresses and selectors of the x86_64 kernel, shared by the assembly
 * (boot.S, entry.S) and C++. Plain #defines: included from .S files. */
#ifndef HELIOS_X86_64_LAYOUT_H
#define HELIOS_X86_64_LAYOUT_H

/* The kernel image: linked here, loaded at physical 1 MiB (kernel.ld). */
#define KERNEL_VMA 0xFFFFFFFF80000000
/* The direct map: physical address p is at DIRECT_MAP + p. */
#define DIRECT_MAP 0xFFFF800000000000
/* Physical memory the boot page tables map (identity while switching to
 * long mode, and the first part of the direct map); the rest of RAM is added
 * by paging_init() from the memory map. */
#define BOOT_DIRECT_GIB 4

/* GDT selectors (boot.S lays the table out). sysret needs user data right
 * below user code: STAR[63:48] = 0x10 gives SS = 0x18 | 3, CS = 0x20 | 3. */
#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_USER_DATA 0x1B
#define SEL_USER_CODE 0x23
#define SEL_TSS 0x28

/* Kernel stack (one: uniprocessor, no kernel threads) and the double-fault
 * stack. The top TRAP_FRAME_RESERVE bytes of the kernel stack hold the trap
 * frame of the current user entry; C++ runs below them. */
#define KERNEL_STACK_SIZE 32768
#define IST_STACK_SIZE 8192
#define TRAP_FRAME_SIZE (22 * 8)
#define TRAP_FRAME_RESERVE 192

/* Trap frame "vector" of a syscall entry (not an IDT vector). */
#define VECTOR_SYSCALL 0x100

#endif
