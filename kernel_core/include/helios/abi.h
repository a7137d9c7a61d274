/* The Helios ABI: every number and layout shared between the kernel and
 * userspace. C-compatible; included by the kernel core, mercury, drivers,
 * Vulcan and the simulator's trace printer. docs/abi.md explains the
 * decisions taken where the original Helios is unknown. */
#ifndef HELIOS_ABI_H
#define HELIOS_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t helios_caddr_t;

/* A caddr that asks the kernel to choose the lowest free slot; the chosen
 * address is returned (in rdx, or written back into ipcbuf.caps[i]). */
#define HELIOS_CADDR_UNDEF 0xFFFFFFFFu

#define HELIOS_PAGE_SIZE 4096ull
#define HELIOS_PAGE_MASK (HELIOS_PAGE_SIZE - 1)

/* ---- Errors: returned in rax (0 = success). 0..3 are Helios's own. ---- */
#define HELIOS_ERRORS(X)                                                        \
    X(0, NONE, "success")                                                       \
    X(1, NOMEM, "insufficient memory or quota")                                 \
    X(2, INVALID_CADDR, "capability address outside the cspace")                \
    X(3, INVALID_CSLOT, "slot not in the state the operation needs")            \
    X(4, INVALID_CTYPE, "capability of the wrong type for this operation")      \
    X(5, INVALID_PARAM, "bad parameter, misalignment or unmapped user buffer")  \
    X(6, UNSUPPORTED, "operation not supported by this object type")            \
    X(7, MISSING_TABLES, "a page-table level is missing (rdx: which)")          \
    X(8, WOULD_BLOCK, "a non-blocking operation would have blocked")            \
    X(9, NO_RIGHTS, "the capability lacks a right the operation needs")         \
    X(10, ABORTED, "the peer or object went away while waiting")                \
    X(11, INVALID_SYSCALL, "no such syscall or invocation label")               \
    X(12, BUSY, "the object is in use (already mapped, bound, configured)")

enum helios_error {
#define HELIOS_X_ENUM(num, name, text) HELIOS_E##name = num,
    HELIOS_ERRORS(HELIOS_X_ENUM)
#undef HELIOS_X_ENUM
    HELIOS_ERROR_COUNT
};

/* ---- Capability types: identify() returns them in bits 2..7. ---- */
#define HELIOS_CTYPES(X)      \
    X(0, NULL_CAP, "null")    \
    X(1, MEMORY, "memory")    \
    X(2, DEVMEM, "devmem")    \
    X(3, CSPACE, "cspace")    \
    X(4, VSPACE, "vspace")    \
    X(5, TASK, "task")        \
    X(6, ENDPOINT, "endpoint") \
    X(7, NOTIFICATION, "notification") \
    X(8, REPLY, "reply")      \
    X(9, PAGE, "page")        \
    X(10, PDPT, "pdpt")       \
    X(11, PD, "pd")           \
    X(12, PT, "pt")           \
    X(13, IRQCONTROL, "irqcontrol") \
    X(14, IRQ, "irq")         \
    X(15, IOCONTROL, "iocontrol") \
    X(16, IOPORT, "ioport")

enum helios_ctype {
#define HELIOS_X_ENUM(num, name, text) HELIOS_CT_##name = num,
    HELIOS_CTYPES(HELIOS_X_ENUM)
#undef HELIOS_X_ENUM
    HELIOS_CTYPE_COUNT
};

/* ---- Rights. SEND and RECV are Helios's (identify bits 0 and 1). ----
 * SEND: invoke / send / signal / map.  RECV: recv / wait / poll.
 * GRANT: capabilities may travel through this endpoint.
 * WRITE: a page may be mapped writable. */
#define HELIOS_RIGHT_SEND 0x1u
#define HELIOS_RIGHT_RECV 0x2u
#define HELIOS_RIGHT_GRANT 0x4u
#define HELIOS_RIGHT_WRITE 0x8u
#define HELIOS_RIGHTS_ALL 0xFu

/* identify() value: rights bits 0-1 (SEND, RECV), type bits 2-7, GRANT bit 8,
 * WRITE bit 9. */
#define HELIOS_IDENTIFY_TYPE(v) ((unsigned)(((v) >> 2) & 0x3F))
#define HELIOS_IDENTIFY_RIGHTS(v) ((unsigned)(((v) & 0x3) | (((v) >> 6) & 0xC)))

/* ---- Message tag: label in bits 16..63, capability count in bits 8..11,
 * parameter count in bits 0..6 (at most HELIOS_MAX_PARAMS). ---- */
#define HELIOS_MAX_PARAMS 64u
#define HELIOS_MAX_CAPS 8u
#define HELIOS_TAG(label, ncaps, nparams) \
    (((uint64_t)(label) << 16) | (((uint64_t)(ncaps) & 0xF) << 8) | ((uint64_t)(nparams) & 0x7F))
#define HELIOS_TAG_LABEL(tag) ((uint64_t)(tag) >> 16)
#define HELIOS_TAG_NCAPS(tag) ((unsigned)(((tag) >> 8) & 0xF))
#define HELIOS_TAG_NPARAMS(tag) ((unsigned)((tag) & 0x7F))

/* ---- IPC buffer: one page per task, address set by Task CONFIGURE. ----
 * params: message parameters, in and out.
 * caps:   in a send, caddrs of capabilities passed along (transferred over an
 *         endpoint, or arguments of an invocation); before a recv, the slots
 *         where received capabilities go (HELIOS_CADDR_UNDEF: kernel picks);
 *         after, the caddrs that were filled. Out-caddrs of an invocation are
 *         written back here.
 * badge:  after recv, the badge of the capability the sender used. */
struct helios_ipcbuf {
    uint64_t params[HELIOS_MAX_PARAMS];
    helios_caddr_t caps[HELIOS_MAX_CAPS];
    uint64_t badge;
    uint64_t reserved[3];
};

/* ---- Saved user registers (x86_64), as WRITE/READ_REGISTERS take them. ---- */
struct helios_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags, fs_base, gs_base;
};

/* ---- Faults: the message a task's fault endpoint receives. ----
 * tag label = HELIOS_LABEL_FAULT; params as below. */
#define HELIOS_FAULT_KINDS(X)                     \
    X(0, PAGE, "page fault")                      \
    X(1, GENERAL_PROTECTION, "general protection") \
    X(2, INVALID_OPCODE, "invalid opcode")        \
    X(3, DIVIDE, "divide error")                  \
    X(4, BREAKPOINT, "breakpoint")                \
    X(5, IOPORT, "I/O port without permission")   \
    X(6, DEBUG, "single step")                    \
    X(7, INJECTED, "injected fault")

enum helios_fault_kind {
#define HELIOS_X_ENUM(num, name, text) HELIOS_FAULT_##name = num,
    HELIOS_FAULT_KINDS(HELIOS_X_ENUM)
#undef HELIOS_X_ENUM
    HELIOS_FAULT_KIND_COUNT
};

#define HELIOS_ACCESS_READ 0x1u
#define HELIOS_ACCESS_WRITE 0x2u
#define HELIOS_ACCESS_EXEC 0x4u
#define HELIOS_ACCESS_PRESENT 0x8u /* the page was mapped; protection faulted */

#define HELIOS_LABEL_FAULT 0xFA017ull
enum helios_fault_param {
    HELIOS_FAULT_P_KIND = 0,
    HELIOS_FAULT_P_ADDR = 1,
    HELIOS_FAULT_P_IP = 2,
    HELIOS_FAULT_P_ACCESS = 3,
    HELIOS_FAULT_P_TASK = 4,   /* the task's kernel id */
    HELIOS_FAULT_P_COOKIE = 5, /* value given with SET_FAULT */
    HELIOS_FAULT_NPARAMS = 6
};

/* ---- Page-table levels reported by MISSING_TABLES in rdx. ---- */
#define HELIOS_LEVEL_PDPT 3u
#define HELIOS_LEVEL_PD 2u
#define HELIOS_LEVEL_PT 1u

/* Map flags (Page MAP param 1). */
#define HELIOS_MAP_WRITE 0x1u
#define HELIOS_MAP_EXEC 0x2u

/* Poll entries (syscall poll: rdi = user pointer, rsi = count). */
#define HELIOS_POLL_RECV 0x1u
#define HELIOS_POLL_SEND 0x2u
#define HELIOS_POLL_MAX 32u
struct helios_pollcap {
    helios_caddr_t cap;
    uint16_t events;
    uint16_t revents;
};

/* ---- The user virtual memory map (documented in docs/abi.md). ---- */
#define HELIOS_USER_TOP 0x00007FFFC0000000ull        /* first address users may not map */
#define HELIOS_INIT_STACK_TOP 0x00007FFF80000000ull  /* init's stack grows down from here */
#define HELIOS_INIT_STACK_PAGES 16u
#define HELIOS_INIT_BOOTINFO_ADDR 0x00007FFF80000000ull
#define HELIOS_INIT_IPCBUF_ADDR 0x00007FFF80001000ull

/* ---- Init's well-known capability addresses. ---- */
enum helios_init_cap {
    HELIOS_INIT_CAP_CSPACE = 0,
    HELIOS_INIT_CAP_VSPACE = 1,
    HELIOS_INIT_CAP_TASK = 2,
    HELIOS_INIT_CAP_MEMORY = 3,
    HELIOS_INIT_CAP_DEVMEM = 4,
    HELIOS_INIT_CAP_IRQCONTROL = 5,
    HELIOS_INIT_CAP_IOCONTROL = 6,
    HELIOS_INIT_CAP_FIRST_FREE = 16
};

#define HELIOS_BOOTINFO_MAGIC 0x48454C494F53424Full /* "HELIOSBO" */
#define HELIOS_BOOTINFO_MAX_MODULES 8u
struct helios_caprange {
    helios_caddr_t start;
    helios_caddr_t count;
};
struct helios_module {
    struct helios_caprange pages; /* Page caps holding the module, in order */
    uint64_t length;              /* bytes */
    uint64_t vaddr;               /* where the kernel mapped it in init, or 0 */
    char name[32];
};
/* The bootinfo page, mapped read-only at HELIOS_INIT_BOOTINFO_ADDR; its
 * address is also passed in rdi. */
struct helios_bootinfo {
    uint64_t magic;
    uint64_t ipcbuf;               /* init's IPC buffer address */
    uint64_t memory_pages;         /* quota of INIT_CAP_MEMORY */
    uint64_t devmem_base, devmem_pages;
    struct helios_caprange unused; /* free slots in init's cspace */
    uint32_t cspace_radix;
    uint32_t module_count;
    struct helios_module modules[HELIOS_BOOTINFO_MAX_MODULES];
    uint64_t tls_base, tls_size;
    char cmdline[256];
};

/* ---- Programs started by a loader (every program but init) ----
 * The loader maps a read-only procinfo page at HELIOS_PROCINFO_ADDR and
 * starts the program with rdi = that address, rsp = HELIOS_PROC_STACK_TOP,
 * its IPC buffer mapped at HELIOS_PROC_IPCBUF_ADDR. The auxiliary vector
 * names capabilities the loader placed (manifest `_` slots and services)
 * and passes small values; it ends with an entry of type HELIOS_AT_NULL. */
#define HELIOS_PROCINFO_MAGIC 0x48454C494F535049ull /* "HELIOSPI" */
#define HELIOS_PROCINFO_ADDR 0x00007FFF80000000ull
#define HELIOS_PROC_STACK_TOP 0x00007FFF80000000ull
#define HELIOS_PROC_STACK_PAGES 16u
#define HELIOS_PROC_IPCBUF_ADDR 0x00007FFF80001000ull
#define HELIOS_AUX_MAX 64u
enum helios_aux_type {
    HELIOS_AT_NULL = 0,    /* end of the vector */
    HELIOS_AT_CAP = 1,     /* cap = a caddr in the program's cspace, value = its ctype, name = manifest key */
    HELIOS_AT_SERVICE = 2, /* cap = an endpoint for the service called name */
    HELIOS_AT_VALUE = 3    /* value = a number called name (e.g. "restarts") */
};
struct helios_auxv {
    uint32_t type;
    helios_caddr_t cap;
    uint64_t value;
    char name[16];
};
struct helios_procinfo {
    uint64_t magic;
    uint64_t ipcbuf;
    uint64_t tls_base, tls_size; /* the ELF's TLS template (vaddr, memsz), 0 if none */
    char name[32];               /* program name, e.g. "serial" */
    uint32_t auxc;
    uint32_t reserved;
    struct helios_auxv aux[HELIOS_AUX_MAX];
};

/* ---- Syscalls: number, name, argument count, argument names. ----
 * Register convention (x86_64): rax = number; arguments in rdi, rsi, rdx,
 * r10, r8, r9 (r10, not rcx: `syscall` destroys rcx and r11). Results: rax =
 * status (helios_error), rdx = second value. Every other register is
 * preserved except rcx and r11.
 * Message parameters and capabilities travel in the IPC buffer; the tag
 * (label, ncaps, nparams) in a register.
 *
 * Time (`clock`): the only clock a program may use for its logic. It never
 * fails and never blocks; rdx = nanoseconds since boot, never smaller than
 * any value returned before, to any task. Hardware: the PIT's 100 Hz ticks
 * plus its count within the tick (about 0.84 us resolution); the simulator:
 * its virtual time. A syscall and not a page the kernel keeps current (a
 * vDSO-like field) or the TSC: one kernel entry per read is cheap enough for
 * what the OS times (restart windows, timeouts), and it makes every read a
 * kernel event, in the trace and in a recording, whose value follows from
 * the run alone; a shared page or `rdtsc` would be read with no event at
 * all, so a replay could not reproduce it on another host. */
#define HELIOS_SYSCALLS(X)                                                    \
    X(0, writecons, 2, (addr, len), "write len (<= 64 KiB) bytes to the kernel console; rdx = bytes written") \
    X(1, yield, 0, (), "give up the rest of the time slice")                  \
    X(2, identify, 1, (cap), "rdx = rights bits 0-1 (SEND, RECV), type bits 2-7, GRANT bit 8, WRITE bit 9")         \
    X(3, send, 2, (cap, tag), "send a message / invoke a kernel object; rdx = result value") \
    X(4, nbsend, 2, (cap, tag), "send without blocking (WOULD_BLOCK)")        \
    X(5, recv, 1, (cap), "receive from an endpoint or wait on a notification; rdx = tag or word") \
    X(6, nbrecv, 1, (cap), "receive without blocking (WOULD_BLOCK)")          \
    X(7, call, 2, (cap, tag), "send and wait for the reply; rdx = reply tag") \
    X(8, reply, 1, (tag), "answer the implicit reply (INVALID_CSLOT if none)") \
    X(9, signal, 1, (cap), "signal a notification (never blocks)")           \
    X(10, wait, 1, (cap), "wait on a notification; rdx = word")               \
    X(11, nbwait, 1, (cap), "poll a notification (WOULD_BLOCK); rdx = word")  \
    X(12, poll, 2, (pollcaps, count), "block until one of count (1..32) entries is ready; rdx = ready count") \
    X(13, store_reply, 1, (dest), "move the implicit reply into slot dest (or UNDEF); rdx = caddr") \
    X(14, replyrecv, 2, (tag, cap), "reply, then receive on cap; rdx = tag")  \
    X(15, exit, 1, (status), "end the calling task; init's status ends the system") \
    X(16, clock, 0, (), "rdx = the kernel's monotonic clock, nanoseconds since boot")

enum helios_syscall {
#define HELIOS_X_ENUM(num, name, nargs, args, doc) HELIOS_SYS_##name = num,
    HELIOS_SYSCALLS(HELIOS_X_ENUM)
#undef HELIOS_X_ENUM
    HELIOS_SYSCALL_COUNT
};

/* ---- Object invocations: send(cap, tag) with tag label = the operation.
 * Columns: object type, label, name, params, caps, doc.
 *   params  what params[] must hold, in order; the tag must carry at least
 *           this many (fewer: INVALID_PARAM).
 *   caps    what caps[] holds, in order, one HELIOS_CAP(name, kind, ctype,
 *           rights) per entry; the tag must carry every entry but the
 *           OPTIONAL and LIST ones, and at most HELIOS_MAX_CAPS (else
 *           INVALID_PARAM). Kinds:
 *     IN        a capability in the caller's cspace to an object of ctype
 *               holding at least `rights`; the kernel resolves it before the
 *               operation runs (INVALID_CADDR, INVALID_CSLOT, INVALID_CTYPE,
 *               NO_RIGHTS).
 *     OPTIONAL  the same, when the tag carries it.
 *     NULLABLE  the same, or an empty slot (which means "none").
 *     SLOT      a caddr the operation interprets itself (a source or
 *               destination slot, possibly in another cspace).
 *     OUT       an empty slot of the caller's cspace, or HELIOS_CADDR_UNDEF
 *               (the kernel picks the lowest free slot), that receives a new
 *               capability; its caddr is written back into caps[].
 *     OUT_LIST  one OUT per object made (params[count]).
 *     SLOT_LIST any number of SLOT entries, none required.
 * rdx = result value. A consumer defines HELIOS_CAP before expanding the
 * table (HELIOS_CAP_KINDS names the kinds). */
#define HELIOS_CAP_KINDS(X) X(IN) X(OPTIONAL) X(NULLABLE) X(SLOT) X(OUT) X(OUT_LIST) X(SLOT_LIST)

#define HELIOS_INVOCATIONS(X)                                                                          \
    X(MEMORY, 1, memory_allocate, (type, size, count), (HELIOS_CAP(out, OUT_LIST, NULL_CAP, 0)),          \
      "allocate count objects of type (size: radix for cspace, pages for memory); atomic")                \
    X(MEMORY, 2, memory_info, (), (), "rdx = free pages; params[0] = quota, params[1] = used")            \
    X(DEVMEM, 1, devmem_allocate, (type, size, count), (HELIOS_CAP(out, OUT_LIST, NULL_CAP, 0)),          \
      "type PAGE: count consecutive device pages; type DEVMEM: a sub-range of size pages")                \
    X(DEVMEM, 2, devmem_info, (), (), "rdx = physical base; params[0] = pages, params[1] = watermark")    \
    X(CSPACE, 1, cspace_copy, (rights),                                                                 \
      (HELIOS_CAP(dest, SLOT, NULL_CAP, 0), HELIOS_CAP(src, SLOT, NULL_CAP, 0),                           \
       HELIOS_CAP(target, OPTIONAL, CSPACE, HELIOS_RIGHT_SEND)),                                          \
      "copy src (in this cspace) to dest in target (default this); rights & src rights")                 \
    X(CSPACE, 2, cspace_move, (),                                                                       \
      (HELIOS_CAP(dest, SLOT, NULL_CAP, 0), HELIOS_CAP(src, SLOT, NULL_CAP, 0),                           \
       HELIOS_CAP(target, OPTIONAL, CSPACE, HELIOS_RIGHT_SEND)),                                          \
      "move src (in this cspace) to dest in target (default this)")                                      \
    X(CSPACE, 3, cspace_destroy, (), (HELIOS_CAP(caps, SLOT_LIST, NULL_CAP, 0)),                          \
      "destroy each listed capability of this cspace")                                                    \
    X(CSPACE, 4, cspace_copy_from, (rights),                                                            \
      (HELIOS_CAP(dest, SLOT, NULL_CAP, 0), HELIOS_CAP(src, SLOT, NULL_CAP, 0),                           \
       HELIOS_CAP(other, IN, CSPACE, HELIOS_RIGHT_SEND)),                                                 \
      "copy slot src of cspace other into dest of this cspace")                                          \
    X(CSPACE, 5, cspace_mint, (rights, badge),                                                          \
      (HELIOS_CAP(dest, SLOT, NULL_CAP, 0), HELIOS_CAP(src, SLOT, NULL_CAP, 0),                           \
       HELIOS_CAP(target, OPTIONAL, CSPACE, HELIOS_RIGHT_SEND)),                                          \
      "copy with a badge (endpoints and notifications)")                                                  \
    X(CSPACE, 6, cspace_radix, (), (), "rdx = radix of this cspace")                                     \
    X(TASK, 1, task_configure, (ipcbuf),                                                                \
      (HELIOS_CAP(cspace, IN, CSPACE, 0), HELIOS_CAP(vspace, IN, VSPACE, 0)),                             \
      "set cspace, vspace and IPC buffer address")                                                        \
    X(TASK, 2, task_write_registers, (regs_ptr), (),                                                    \
      "copy a helios_regs from the caller's memory; task must be suspended")                              \
    X(TASK, 3, task_read_registers, (regs_ptr), (),                                                     \
      "copy the task's registers to the caller's memory; task must be suspended")                         \
    X(TASK, 4, task_write_tls_base, (base), (), "set fs_base; task must be suspended")                  \
    X(TASK, 5, task_set_fault, (cookie), (HELIOS_CAP(endpoint, NULLABLE, ENDPOINT, HELIOS_RIGHT_SEND)),   \
      "set the fault endpoint (an empty slot clears)")                                                    \
    X(TASK, 6, task_resume, (), (), "clear suspended; a faulted task retries")                           \
    X(TASK, 7, task_suspend, (), (), "set suspended")                                                    \
    X(TASK, 8, task_set_priority, (priority), (), "0 (lowest) .. 31")                                   \
    X(TASK, 9, task_info, (), (),                                                                       \
      "rdx = kernel id; params[0] = state flags, params[1] = priority, params[2] = exit status")          \
    X(TASK, 10, task_clear_fault, (), (), "forget the fault endpoint")                                   \
    X(PAGE, 1, page_map, (vaddr, flags), (HELIOS_CAP(vspace, IN, VSPACE, HELIOS_RIGHT_SEND)),             \
      "map at vaddr (MISSING_TABLES: rdx = level); WRITE needs the WRITE right")                          \
    X(PAGE, 2, page_unmap, (), (), "unmap wherever mapped")                                              \
    X(PAGE, 3, page_phys, (), (), "rdx = physical address")                                              \
    X(PAGE, 4, page_protect, (flags), (), "change the mapping's flags")                                 \
    X(PDPT, 1, pdpt_map, (vaddr), (HELIOS_CAP(vspace, IN, VSPACE, HELIOS_RIGHT_SEND)),                   \
      "install the table covering vaddr")                                                                 \
    X(PD, 1, pd_map, (vaddr), (HELIOS_CAP(vspace, IN, VSPACE, HELIOS_RIGHT_SEND)),                       \
      "install the table covering vaddr")                                                                 \
    X(PT, 1, pt_map, (vaddr), (HELIOS_CAP(vspace, IN, VSPACE, HELIOS_RIGHT_SEND)),                       \
      "install the table covering vaddr")                                                                 \
    X(IRQCONTROL, 1, irqcontrol_issue, (irq),                                                           \
      (HELIOS_CAP(notification, IN, NOTIFICATION, HELIOS_RIGHT_SEND), HELIOS_CAP(out, OUT, IRQ, 0)),      \
      "make an IRQ capability bound to notification (bit 1<<irq); line masked until ack")                \
    X(IRQ, 1, irq_ack, (), (), "unmask the line for the next interrupt")                                 \
    X(IOCONTROL, 1, iocontrol_issue, (min, max), (HELIOS_CAP(out, OUT, IOPORT, 0)),                      \
      "an IOPort for ports min..max inclusive")                                                           \
    X(IOPORT, 1, ioport_in, (port, width), (), "rdx = value read (width 1, 2 or 4)")                    \
    X(IOPORT, 2, ioport_out, (port, width, value), (), "write value")                                   \
    X(VSPACE, 1, vspace_lookup, (vaddr), (), "rdx = physical address mapped at vaddr")

#define HELIOS_LABEL(object, name) HELIOS_INV_##name
enum helios_invocation {
#define HELIOS_X_ENUM(type, label, name, params, caps, doc) HELIOS_INV_##name = label,
    HELIOS_INVOCATIONS(HELIOS_X_ENUM)
#undef HELIOS_X_ENUM
};

/* The name of the operation in row `row` (0-based) of HELIOS_INVOCATIONS,
 * or null (the kernel's trace identifies invocations by row). */
static inline const char* helios_invocation_row_name(unsigned long long row) {
    static const char* const names[] = {
#define HELIOS_X_NAME(type, label, name, params, caps, doc) #name,
        HELIOS_INVOCATIONS(HELIOS_X_NAME)
#undef HELIOS_X_NAME
    };
    return row < sizeof names / sizeof names[0] ? names[row] : 0;
}

/* ---- Names, from the tables above: null for a number not in the table. */
static inline const char* helios_error_name(unsigned long long e) {
    switch (e) {
#define HELIOS_X_CASE(num, name, text) \
    case num: return #name;
        HELIOS_ERRORS(HELIOS_X_CASE)
#undef HELIOS_X_CASE
    }
    return 0;
}
static inline const char* helios_error_text(unsigned long long e) {
    switch (e) {
#define HELIOS_X_CASE(num, name, text) \
    case num: return text;
        HELIOS_ERRORS(HELIOS_X_CASE)
#undef HELIOS_X_CASE
    }
    return 0;
}
static inline const char* helios_fault_kind_name(unsigned long long k) {
    switch (k) {
#define HELIOS_X_CASE(num, name, text) \
    case num: return #name;
        HELIOS_FAULT_KINDS(HELIOS_X_CASE)
#undef HELIOS_X_CASE
    }
    return 0;
}
static inline const char* helios_fault_kind_text(unsigned long long k) {
    switch (k) {
#define HELIOS_X_CASE(num, name, text) \
    case num: return text;
        HELIOS_FAULT_KINDS(HELIOS_X_CASE)
#undef HELIOS_X_CASE
    }
    return 0;
}

/* ---- User rflags (x86_64): what a task may set, by its own instructions'
 * results or through task_write_registers: CF PF AF ZF SF TF DF OF and ID.
 * IF is always on and IOPL 0 (ports go through IOPort capabilities). AC is
 * not granted: whether it traps depends on the machine's CR0.AM, so the two
 * machines would differ. Both the kernel core (task_write_registers) and the
 * x86_64 return path apply this one mask. */
#define HELIOS_USER_RFLAGS_MASK 0x200DD5ull
#define HELIOS_USER_RFLAGS_FIXED 0x202ull
#define HELIOS_RFLAGS_TF 0x100ull

/* Task state flags (task_info params[0]). */
#define HELIOS_TASK_CONFIGURED 0x1u
#define HELIOS_TASK_SUSPENDED 0x2u
#define HELIOS_TASK_BLOCKED 0x4u
#define HELIOS_TASK_FAULTED 0x8u
#define HELIOS_TASK_EXITED 0x10u

#define HELIOS_PRIORITY_MAX 31u
#define HELIOS_PRIORITY_DEFAULT 16u

#ifdef __cplusplus
}
#endif

#endif
