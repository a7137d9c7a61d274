/* The husk's fixed layout and mailbox protocol, shared by husk.S and HuskProcess.
 *
 * Plain #defines (no C suffixes) so that the assembler can use them too; the
 * C struct below is checked against the offsets with static asserts. husk.ld
 * repeats HUSK_TEXT_ADDR and HUSK_SCRATCH_ADDR (a linker script cannot
 * include this file); the tests check the running husk's /proc maps. */
#ifndef HELIOS_SIM_HUSK_ABI_H
#define HELIOS_SIM_HUSK_ABI_H

/* Everything the husk owns lies at or above HUSK_TEXT_ADDR; guest mappings
 * must end at or below HUSK_USER_TOP. The gap between them is a guard. */
#define HUSK_USER_TOP 0x00007FFFC0000000
/* Linux refuses mappings below vm.mmap_min_addr (up to 65536) unless the
 * caller has CAP_SYS_RAWIO, which a sealed husk never has. Guest pages below
 * this address are never host mappings: the simulator emulates the accesses
 * to them (sim/machine/low_page_access.h), on every host and as any user. */
#define HUSK_USER_BOTTOM 0x0000000000010000
#define HUSK_TEXT_ADDR 0x00007FFFD0000000
/* One writable page: the (never used) stack handed to clone for new threads. */
#define HUSK_SCRATCH_ADDR 0x00007FFFD0001000
#define HUSK_CLONE_STACK_TOP (HUSK_SCRATCH_ADDR + 0x1000)
/* Gadget: SYS_exit(0) for the calling thread only (used by kill_thread). */
#define HUSK_THREAD_EXIT_OFFSET 0x40
#define HUSK_THREAD_EXIT_ADDR (HUSK_TEXT_ADDR + HUSK_THREAD_EXIT_OFFSET)

/* The mailbox: a small memfd shared by the simulator and the husk. */
#define HUSK_MAILBOX_ADDR 0x00007FFFD0100000
#define HUSK_MAILBOX_SIZE 0x10000

/* File descriptors the husk inherits across execve. */
#define HUSK_PHYS_FD 3
#define HUSK_MAILBOX_FD 4

/* Mailbox header (bytes). */
#define HUSK_MB_COUNT 0  /* ops in this batch, written by the simulator */
#define HUSK_MB_DONE 8   /* ops that succeeded, written by the husk */
#define HUSK_MB_MAGIC 16 /* HUSK_MAGIC, written by the husk once it is ready */
#define HUSK_MB_CPUID 24 /* the seal's arch_prctl(ARCH_SET_CPUID, 0) result: 0 = cpuid faults */
#define HUSK_MB_OPS 64
#define HUSK_MAGIC 0x48454C494F534856 /* "VHSOILEH": ABI version 2 (the seal op) */

/* The seccomp program for the seal op: a struct sock_fprog at
 * HUSK_MB_FILTER followed by its instructions. Only read by the seal. */
#define HUSK_MB_FILTER 0xC000
#define HUSK_MB_FILTER_MAX (HUSK_MAILBOX_SIZE - HUSK_MB_FILTER - 16)

/* One operation (bytes). */
#define HUSK_OP_KIND 0
#define HUSK_OP_ARG0 8  /* map/unmap/protect: address */
#define HUSK_OP_ARG1 16 /* map/unmap/protect: length */
#define HUSK_OP_ARG2 24 /* map/protect: prot */
#define HUSK_OP_ARG3 32 /* map: offset in the physical-memory memfd */
#define HUSK_OP_RESULT 40 /* raw syscall return: -errno on failure */
#define HUSK_OP_SIZE 64
#define HUSK_MAX_OPS ((HUSK_MB_FILTER - HUSK_MB_OPS) / HUSK_OP_SIZE)

#define HUSK_OP_MAP 1     /* mmap(a0, a1, a2, MAP_SHARED|MAP_FIXED, PHYS_FD, a3) */
#define HUSK_OP_UNMAP 2   /* munmap(a0, a1) */
#define HUSK_OP_PROTECT 3 /* mprotect(a0, a1, a2) */
#define HUSK_OP_CLONE 4   /* clone(HUSK_CLONE_FLAGS, HUSK_CLONE_STACK_TOP): result is the tid */
/* munmap(a0, a1) of one of the husk's own Linux mappings (vDSO, vvar, stack):
 * only valid before the seal, whose filter refuses it afterwards. */
#define HUSK_OP_DISCARD 5
/* The seal, run once before any guest thread exists: cpuid faulting
 * (result in HUSK_MB_CPUID; skipped when a1 != 0), no-new-privs, then the
 * seccomp filter whose sock_fprog is at a0. Result: the seccomp() return. */
#define HUSK_OP_SEAL 6

/* CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM */
#define HUSK_CLONE_FLAGS 0x50F00

#ifndef __ASSEMBLER__
#include <stdint.h>

struct HuskOp {
    uint64_t kind;
    uint64_t arg[4];
    int64_t result;
    uint64_t reserved[2];
};

struct HuskMailbox {
    uint64_t count;
    uint64_t done;
    uint64_t magic;
    int64_t cpuid_result;
    uint64_t reserved[4];
    struct HuskOp ops[HUSK_MAX_OPS];
};

#ifdef __cplusplus
#include <cstddef>
static_assert(sizeof(HuskOp) == HUSK_OP_SIZE);
static_assert(offsetof(HuskOp, arg) == HUSK_OP_ARG0);
static_assert(offsetof(HuskOp, result) == HUSK_OP_RESULT);
static_assert(offsetof(HuskMailbox, done) == HUSK_MB_DONE);
static_assert(offsetof(HuskMailbox, magic) == HUSK_MB_MAGIC);
static_assert(offsetof(HuskMailbox, cpuid_result) == HUSK_MB_CPUID);
static_assert(offsetof(HuskMailbox, ops) == HUSK_MB_OPS);
static_assert(sizeof(HuskMailbox) <= HUSK_MB_FILTER);
#endif
#endif /* __ASSEMBLER__ */

#endif /* HELIOS_SIM_HUSK_ABI_H */
