// Kernel object invocations: raw stubs generated from HELIOS_INVOCATIONS and typed wrappers.
#ifndef HELIOS_RT_INVOKE_H
#define HELIOS_RT_INVOKE_H

#include <helios/abi.h>
#include <helios/ipc.h>
#include <helios/syscall.h>
#include <stddef.h>
#include <stdint.h>

namespace helios {

// ---- Generated: one stub per row of HELIOS_INVOCATIONS, taking the object
// capability, the row's parameters in table order, and the caps[] list, e.g.
//   inv::page_map(page, vaddr, flags, {vspace});
//   inv::memory_allocate(memory, HELIOS_CT_PAGE, 1, 1, out_array);
// The caps column of the table is documentation (it mixes in- and out-caps
// and optional entries), so the caller passes caps[] in the documented order.
namespace inv {
#define HELIOS_INV_STUB_(type, label, name, params, caps, doc)                               \
    inline SysResult name(helios_caddr_t object HELIOS_PP_COMMA_U64_PARAMS(params), Caps caps_ = {}) { \
        return invoke(object, HELIOS_INV_##name, Params{HELIOS_PP_UNPAREN params}, caps_);   \
    }
HELIOS_INVOCATIONS(HELIOS_INV_STUB_)
#undef HELIOS_INV_STUB_
}  // namespace inv

// ---- Typed wrappers. Out-caddrs may be HELIOS_CADDR_UNDEF (the kernel picks
// a free slot); wrappers that create one capability return its caddr in
// SysResult::value on success.

namespace detail {
inline SysResult one_out(SysResult r, const helios_caddr_t& slot) { return r.ok() ? SysResult{r.status, slot} : r; }
}  // namespace detail

// Allocates count objects of type (a helios_ctype; size is the cspace radix
// or the memory pages) from memory into out[0, count), atomically.
inline SysResult memory_allocate(helios_caddr_t memory, uint64_t type, uint64_t size, helios_caddr_t* out,
                              size_t count) {
    return inv::memory_allocate(memory, type, size, count, Caps(out, count));
}

// Allocates one object of type into dest; value = its caddr.
inline SysResult memory_allocate_one(helios_caddr_t memory, uint64_t type, uint64_t size = 0,
                                  helios_caddr_t dest = HELIOS_CADDR_UNDEF) {
    helios_caddr_t slot[1] = {dest};
    return detail::one_out(memory_allocate(memory, type, size, slot, 1), slot[0]);
}

// value = free pages; ipcbuf()->params[0] = quota, params[1] = used.
inline SysResult memory_info(helios_caddr_t memory) { return inv::memory_info(memory); }

// Copies src to dest, both in cspace, with rights & src's rights; value = dest.
inline SysResult cspace_copy(helios_caddr_t cspace, helios_caddr_t dest, helios_caddr_t src,
                          uint64_t rights = HELIOS_RIGHTS_ALL) {
    helios_caddr_t c[2] = {dest, src};
    return detail::one_out(inv::cspace_copy(cspace, rights, c), c[0]);
}

// Copies src (in cspace) to dest in the cspace target; value = dest.
inline SysResult cspace_copy_to(helios_caddr_t cspace, helios_caddr_t target, helios_caddr_t dest,
                             helios_caddr_t src, uint64_t rights = HELIOS_RIGHTS_ALL) {
    helios_caddr_t c[3] = {dest, src, target};
    return detail::one_out(inv::cspace_copy(cspace, rights, c), c[0]);
}

// Moves src to dest, both in cspace; value = dest.
inline SysResult cspace_move(helios_caddr_t cspace, helios_caddr_t dest, helios_caddr_t src) {
    helios_caddr_t c[2] = {dest, src};
    return detail::one_out(inv::cspace_move(cspace, c), c[0]);
}

// Moves src (in cspace) to dest in the cspace target; value = dest.
inline SysResult cspace_move_to(helios_caddr_t cspace, helios_caddr_t target, helios_caddr_t dest,
                             helios_caddr_t src) {
    helios_caddr_t c[3] = {dest, src, target};
    return detail::one_out(inv::cspace_move(cspace, c), c[0]);
}

// Destroys each listed capability of cspace.
inline SysResult cspace_destroy(helios_caddr_t cspace, Caps caps) { return inv::cspace_destroy(cspace, caps); }

// Destroys one capability of cspace.
inline SysResult cspace_destroy(helios_caddr_t cspace, helios_caddr_t cap) {
    return inv::cspace_destroy(cspace, {cap});
}

// Copies slot src of the cspace other into dest of cspace; value = dest.
inline SysResult cspace_copy_from(helios_caddr_t cspace, helios_caddr_t dest, helios_caddr_t other,
                               helios_caddr_t src, uint64_t rights = HELIOS_RIGHTS_ALL) {
    helios_caddr_t c[3] = {dest, src, other};
    return detail::one_out(inv::cspace_copy_from(cspace, rights, c), c[0]);
}

// Copies src to dest (both in cspace) with a badge; value = dest.
inline SysResult cspace_mint(helios_caddr_t cspace, helios_caddr_t dest, helios_caddr_t src, uint64_t rights,
                          uint64_t badge) {
    helios_caddr_t c[2] = {dest, src};
    return detail::one_out(inv::cspace_mint(cspace, rights, badge, c), c[0]);
}

// Sets task's cspace, vspace and IPC buffer address (page aligned, mapped).
inline SysResult task_configure(helios_caddr_t task, helios_caddr_t cspace, helios_caddr_t vspace,
                             uint64_t ipcbuf_addr) {
    return inv::task_configure(task, ipcbuf_addr, {cspace, vspace});
}

// Loads task's registers from *regs (task suspended).
inline SysResult task_write_registers(helios_caddr_t task, const helios_regs* regs) {
    return inv::task_write_registers(task, reinterpret_cast<uint64_t>(regs));
}

// Stores task's registers into *regs (task suspended).
inline SysResult task_read_registers(helios_caddr_t task, helios_regs* regs) {
    return inv::task_read_registers(task, reinterpret_cast<uint64_t>(regs));
}

// Sets task's TLS base (fs_base; task suspended).
inline SysResult task_write_tls_base(helios_caddr_t task, uint64_t base) {
    return inv::task_write_tls_base(task, base);
}

// Sends task's faults to endpoint, tagged with cookie (null caddr clears).
inline SysResult task_set_fault(helios_caddr_t task, helios_caddr_t endpoint, uint64_t cookie = 0) {
    return inv::task_set_fault(task, cookie, {endpoint});
}

inline SysResult task_clear_fault(helios_caddr_t task) { return inv::task_clear_fault(task); }
inline SysResult task_resume(helios_caddr_t task) { return inv::task_resume(task); }
inline SysResult task_suspend(helios_caddr_t task) { return inv::task_suspend(task); }
inline SysResult task_set_priority(helios_caddr_t task, uint64_t priority) {
    return inv::task_set_priority(task, priority);
}
// value = kernel id; ipcbuf()->params[0] = state flags, params[1] = priority.
inline SysResult task_info(helios_caddr_t task) { return inv::task_info(task); }

// Maps page into vspace at vaddr with HELIOS_MAP_* flags. MISSING_TABLES:
// value = the missing level (HELIOS_LEVEL_*); see map_page().
inline SysResult page_map(helios_caddr_t page, helios_caddr_t vspace, uint64_t vaddr, uint64_t flags) {
    return inv::page_map(page, vaddr, flags, {vspace});
}
inline SysResult page_unmap(helios_caddr_t page) { return inv::page_unmap(page); }
inline SysResult page_phys(helios_caddr_t page) { return inv::page_phys(page); }
inline SysResult page_protect(helios_caddr_t page, uint64_t flags) { return inv::page_protect(page, flags); }

// Installs a page table (PDPT, PD or PT capability) covering vaddr.
inline SysResult pdpt_map(helios_caddr_t pdpt, helios_caddr_t vspace, uint64_t vaddr) {
    return inv::pdpt_map(pdpt, vaddr, {vspace});
}
inline SysResult pd_map(helios_caddr_t pd, helios_caddr_t vspace, uint64_t vaddr) {
    return inv::pd_map(pd, vaddr, {vspace});
}
inline SysResult pt_map(helios_caddr_t pt, helios_caddr_t vspace, uint64_t vaddr) {
    return inv::pt_map(pt, vaddr, {vspace});
}

// Maps page at vaddr, allocating (from memory) and installing each page table
// MISSING_TABLES reports. The kernel walks from the top, so it reports the
// highest missing level first and each table installed here has its parent.
// The table capabilities stay in auto-allocated slots of the caller's cspace
// (also when a later step fails).
inline SysResult map_page(helios_caddr_t memory, helios_caddr_t vspace, helios_caddr_t page, uint64_t vaddr,
                       uint64_t flags) {
    for (int installed = 0;; ++installed) {
        SysResult r = page_map(page, vspace, vaddr, flags);
        if (r.status != HELIOS_EMISSING_TABLES || installed == 3) return r;
        uint64_t type = r.value == HELIOS_LEVEL_PDPT ? HELIOS_CT_PDPT
                        : r.value == HELIOS_LEVEL_PD ? HELIOS_CT_PD
                        : r.value == HELIOS_LEVEL_PT ? HELIOS_CT_PT
                                                     : 0;
        if (type == 0) return {HELIOS_EINVALID_PARAM, r.value};
        SysResult table = memory_allocate_one(memory, type);
        if (!table.ok()) return table;
        auto cap = static_cast<helios_caddr_t>(table.value);
        SysResult m = type == HELIOS_CT_PDPT ? pdpt_map(cap, vspace, vaddr)
                   : type == HELIOS_CT_PD ? pd_map(cap, vspace, vaddr)
                                          : pt_map(cap, vspace, vaddr);
        if (!m.ok()) return m;
    }
}

// value = physical address mapped at vaddr in vspace.
inline SysResult vspace_lookup(helios_caddr_t vspace, uint64_t vaddr) { return inv::vspace_lookup(vspace, vaddr); }

// Issues an IRQ capability for line irq bound to notification into dest;
// value = its caddr. The line stays masked until the first irq_ack.
inline SysResult irqcontrol_issue(helios_caddr_t irqcontrol, helios_caddr_t notification, uint64_t irq,
                               helios_caddr_t dest = HELIOS_CADDR_UNDEF) {
    helios_caddr_t c[2] = {notification, dest};
    return detail::one_out(inv::irqcontrol_issue(irqcontrol, irq, c), c[1]);
}

// Unmasks the IRQ line for the next interrupt.
inline SysResult irq_ack(helios_caddr_t irq) { return inv::irq_ack(irq); }

// Issues an IOPort capability for ports min..max (inclusive) into dest;
// value = its caddr.
inline SysResult iocontrol_issue(helios_caddr_t iocontrol, uint16_t min, uint16_t max,
                              helios_caddr_t dest = HELIOS_CADDR_UNDEF) {
    helios_caddr_t c[1] = {dest};
    return detail::one_out(inv::iocontrol_issue(iocontrol, min, max, c), c[0]);
}

// Reads width (1, 2 or 4) bytes from port through ioport; value = the data.
inline SysResult ioport_in(helios_caddr_t ioport, uint16_t port, unsigned width = 1) {
    return inv::ioport_in(ioport, port, width);
}

// Writes width (1, 2 or 4) bytes of value to port through ioport.
inline SysResult ioport_out(helios_caddr_t ioport, uint16_t port, uint32_t value, unsigned width = 1) {
    return inv::ioport_out(ioport, port, width, value);
}

}  // namespace helios

#endif
