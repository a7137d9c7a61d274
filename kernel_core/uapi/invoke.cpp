// Object invocations: send(cap, tag) on a kernel object, by type and label.
#include "arch/arch.h"
#include "uapi/uapi.h"

namespace helios {

namespace {
// Pick `count` distinct empty destination slots named by caps[first..].
// Explicit caddrs are claimed first, so an automatic (UNDEF) pick never takes
// a slot that a later entry of the same list names.
Status pick_out_slots(CSpace& cs, helios_ipcbuf& b, unsigned first, unsigned count, Slot** out) {
    helios_caddr_t chosen[HELIOS_MAX_CAPS];
    unsigned nchosen = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (unsigned i = 0; i < count; ++i) {
            bool automatic = b.caps[first + i] == HELIOS_CADDR_UNDEF;
            if (automatic != (pass == 1)) continue;
            Slot* s = TRY(cs.empty(b.caps[first + i], chosen, nchosen));
            for (unsigned j = 0; j < nchosen; ++j)
                if (chosen[j] == cs.caddr_of(s)) return Error::INVALID_CSLOT;  // the same slot named twice
            out[i] = s;
            chosen[nchosen++] = cs.caddr_of(s);
        }
    }
    return {};
}

// The atomic tail of every allocate invocation: make `count` objects with
// `make`, undoing those already made if one fails, then install them in the
// picked slots and report their caddrs.
template <typename Make>
Error allocate_into(Kernel& k, Task& t, helios_ipcbuf& b, CapType type, uint64_t count, Slot** out, Make&& make) {
    Object* made[HELIOS_MAX_CAPS];
    for (uint64_t i = 0; i < count; ++i) {
        auto o = make();
        if (!o.ok()) {
            for (uint64_t j = 0; j < i; ++j) k.destroy(made[j]);
            return o.error();
        }
        made[i] = *o;
    }
    for (uint64_t i = 0; i < count; ++i) {
        Caps::install(*out[i], made[i], type, HELIOS_RIGHTS_ALL, 0);
        b.caps[i] = t.cspace()->caddr_of(out[i]);
    }
    return Error::NONE;
}

}  // namespace

Error Uapi::invoke(Kernel& k, Task& t, Slot& slot, uint64_t tag, uint64_t* value) {
    if (!(slot.rights & HELIOS_RIGHT_SEND)) return Error::NO_RIGHTS;
    unsigned nparams = HELIOS_TAG_NPARAMS(tag), ncaps = HELIOS_TAG_NCAPS(tag);
    if (nparams > HELIOS_MAX_PARAMS || ncaps > HELIOS_MAX_CAPS) return Error::INVALID_PARAM;
    helios_ipcbuf* b = k.ipcbuf_of(t);
    if (!b) return Error::INVALID_PARAM;
    uint64_t label = HELIOS_TAG_LABEL(tag);
    switch (slot.type) {
        case HELIOS_CT_MEMORY: return invoke_memory(k, t, *static_cast<Memory*>(slot.object), label, *b, value);
        case HELIOS_CT_DEVMEM: return invoke_devmem(k, t, *static_cast<DevMem*>(slot.object), label, *b, value);
        case HELIOS_CT_CSPACE:
            return invoke_cspace(k, t, *static_cast<CSpace*>(slot.object), label, tag, *b, value);
        case HELIOS_CT_TASK: return invoke_task(k, t, *static_cast<Task*>(slot.object), label, *b, value);
        case HELIOS_CT_PAGE:
        case HELIOS_CT_PDPT:
        case HELIOS_CT_PD:
        case HELIOS_CT_PT:
        case HELIOS_CT_VSPACE: return invoke_paging(k, t, slot, label, *b, value);
        case HELIOS_CT_IRQCONTROL:
        case HELIOS_CT_IRQ:
        case HELIOS_CT_IOCONTROL:
        case HELIOS_CT_IOPORT: return invoke_device(k, t, slot, label, *b, value);
        default: return Error::UNSUPPORTED;
    }
}

Error Uapi::invoke_memory(Kernel& k, Task& t, Memory& m, uint64_t label, helios_ipcbuf& b, uint64_t* value) {
    if (label == HELIOS_INV_memory_info) {
        b.params[0] = m.quota();
        b.params[1] = m.used();
        *value = m.available();
        return Error::NONE;
    }
    if (label != HELIOS_INV_memory_allocate) return Error::INVALID_SYSCALL;
    uint64_t type = b.params[0], size = b.params[1], count = b.params[2];
    if (count == 0 || count > HELIOS_MAX_CAPS) return Error::INVALID_PARAM;
    if (type >= HELIOS_CTYPE_COUNT) return Error::INVALID_CTYPE;
    Slot* out[HELIOS_MAX_CAPS];
    TRY_STATUS(pick_out_slots(*t.cspace(), b, 0, static_cast<unsigned>(count), out));
    auto ctype = static_cast<CapType>(type);
    Error e = allocate_into(k, t, b, ctype, count, out, [&] { return k.create_object(m, ctype, size); });
    if (e == Error::NONE) *value = b.caps[0];
    return e;
}

Error Uapi::invoke_devmem(Kernel& k, Task& t, DevMem& d, uint64_t label, helios_ipcbuf& b, uint64_t* value) {
    if (label == HELIOS_INV_devmem_info) {
        b.params[0] = d.pages();
        b.params[1] = d.watermark();
        *value = d.base();
        return Error::NONE;
    }
    if (label != HELIOS_INV_devmem_allocate) return Error::INVALID_SYSCALL;
    uint64_t type = b.params[0], size = b.params[1], count = b.params[2];
    if (count == 0 || count > HELIOS_MAX_CAPS) return Error::INVALID_PARAM;
    if (type != HELIOS_CT_PAGE && type != HELIOS_CT_DEVMEM) return Error::INVALID_CTYPE;
    if (type == HELIOS_CT_DEVMEM && (size == 0 || count != 1)) return Error::INVALID_PARAM;
    uint64_t pages = type == HELIOS_CT_PAGE ? count : size;
    if (pages > d.remaining()) return Error::NOMEM;
    Slot* out[HELIOS_MAX_CAPS];
    TRY_STATUS(pick_out_slots(*t.cspace(), b, 0, static_cast<unsigned>(count), out));
    auto ctype = static_cast<CapType>(type);
    Error e = allocate_into(k, t, b, ctype, count, out, [&] { return k.create_device_object(d, ctype, size); });
    if (e == Error::NONE) *value = b.caps[0];
    return e;
}

Error Uapi::invoke_cspace(Kernel& k, Task& t, CSpace& cs, uint64_t label, uint64_t tag, helios_ipcbuf& b,
                          uint64_t* value) {
    unsigned ncaps = HELIOS_TAG_NCAPS(tag);
    CSpace& mine = *t.cspace();
    switch (label) {
        case HELIOS_INV_cspace_radix: *value = cs.radix(); return Error::NONE;
        case HELIOS_INV_cspace_destroy: {
            for (unsigned i = 0; i < ncaps; ++i) TRY_STATUS(cs.slot(b.caps[i]));
            for (unsigned i = 0; i < ncaps; ++i) k.delete_cap(**cs.slot(b.caps[i]));
            return Error::NONE;
        }
        case HELIOS_INV_cspace_copy:
        case HELIOS_INV_cspace_move:
        case HELIOS_INV_cspace_mint:
        case HELIOS_INV_cspace_copy_from: {
            if (ncaps < 2) return Error::INVALID_PARAM;
            bool from = label == HELIOS_INV_cspace_copy_from;
            if (from && ncaps < 3) return Error::INVALID_PARAM;
            CSpace* src_cs = &cs;
            CSpace* dst_cs = &cs;
            if (ncaps >= 3) {
                CSpace* other = TRY(mine.resolve<CSpace>(b.caps[2], HELIOS_RIGHT_SEND));
                (from ? src_cs : dst_cs) = other;
            }
            Slot* src = TRY(src_cs->occupied(b.caps[1]));
            Slot* dst = TRY(dst_cs->empty(b.caps[0]));
            bool move = label == HELIOS_INV_cspace_move;
            if (!move && src->type == HELIOS_CT_REPLY) return Error::UNSUPPORTED;
            uint8_t rights = move ? src->rights : static_cast<uint8_t>(src->rights & b.params[0]);
            uint64_t badge = label == HELIOS_INV_cspace_mint ? b.params[1] : src->badge;
            Caps::install(*dst, src->object, src->type, rights, badge);
            if (move) Caps::clear(*src);
            *value = dst_cs->caddr_of(dst);
            b.caps[0] = static_cast<helios_caddr_t>(*value);
            return Error::NONE;
        }
        default: return Error::INVALID_SYSCALL;
    }
}

Error Uapi::invoke_task(Kernel& k, Task& t, Task& target, uint64_t label, helios_ipcbuf& b, uint64_t* value) {
    CSpace& mine = *t.cspace();
    VSpace& my_vs = *t.vspace();
    bool stopped = target.suspended || !target.configured() || target.exited;
    switch (label) {
        case HELIOS_INV_task_configure: {
            CSpace* cs = TRY(mine.resolve<CSpace>(b.caps[0]));
            VSpace* vs = TRY(mine.resolve<VSpace>(b.caps[1]));
            uint64_t ipcbuf = b.params[0];
            auto where = k.paging.translate(*vs, ipcbuf, true);
            // ipcbuf 0 means "not configured" (Task::configured): a page mapped at
            // 0 must not be accepted, or a queued target would become unrunnable
            // while still on the run queue.
            if (ipcbuf == 0 || ipcbuf % HELIOS_PAGE_SIZE || !where.ok() || !kernel_may_touch(k, *where))
                return Error::INVALID_PARAM;
            Slot* cs_src = *mine.slot(b.caps[0]);
            Slot* vs_src = *mine.slot(b.caps[1]);
            Slot old_cs_holder, old_vs_holder;  // keep old objects alive until the new are in
            if (!target.cspace_slot.is_null()) {
                Caps::install(old_cs_holder, target.cspace_slot.object, HELIOS_CT_CSPACE, 0, 0);
                Caps::clear(target.cspace_slot);
            }
            if (!target.vspace_slot.is_null()) {
                Caps::install(old_vs_holder, target.vspace_slot.object, HELIOS_CT_VSPACE, 0, 0);
                Caps::clear(target.vspace_slot);
            }
            Caps::install(target.cspace_slot, cs, HELIOS_CT_CSPACE, cs_src->rights, 0, &target);
            Caps::install(target.vspace_slot, vs, HELIOS_CT_VSPACE, vs_src->rights, 0, &target);
            target.ipcbuf = ipcbuf;
            k.delete_cap(old_cs_holder);
            k.delete_cap(old_vs_holder);
            k.make_runnable(target);
            return Error::NONE;
        }
        case HELIOS_INV_task_write_registers: {
            if (!stopped) return Error::BUSY;
            helios_regs regs;
            if (!k.copy_from_user(my_vs, b.params[0], &regs, sizeof regs)) return Error::INVALID_PARAM;
            if (regs.rip >= HELIOS_USER_TOP || regs.fs_base >= HELIOS_USER_TOP || regs.gs_base >= HELIOS_USER_TOP)
                return Error::INVALID_PARAM;
            // Users may set only the arithmetic flags, TF and DF; IF is always on.
            regs.rflags = (regs.rflags & 0xDD5u) | 0x202u;
            target.regs = regs;
            target.mark_all_dirty();
            return Error::NONE;
        }
        case HELIOS_INV_task_read_registers: {
            if (!stopped) return Error::BUSY;
            if (!k.copy_to_user(my_vs, b.params[0], &target.regs, sizeof target.regs)) return Error::INVALID_PARAM;
            return Error::NONE;
        }
        case HELIOS_INV_task_write_tls_base: {
            if (!stopped && &target != &t) return Error::BUSY;
            if (b.params[0] >= HELIOS_USER_TOP) return Error::INVALID_PARAM;
            target.regs.fs_base = b.params[0];
            target.mark_all_dirty();
            return Error::NONE;
        }
        case HELIOS_INV_task_set_fault: {
            // The ABI says "null caddr clears": naming an empty slot is
            // task_clear_fault, not an INVALID_CSLOT error.
            Slot* named = TRY(mine.slot(b.caps[0]));
            if (named->is_null()) {
                k.delete_cap(target.fault_slot);
                return Error::NONE;
            }
            Endpoint* ep = TRY(mine.resolve<Endpoint>(b.caps[0], HELIOS_RIGHT_SEND));
            Slot holder;
            if (!target.fault_slot.is_null()) {
                Caps::install(holder, target.fault_slot.object, HELIOS_CT_ENDPOINT, 0, 0);
                Caps::clear(target.fault_slot);
            }
            Caps::install(target.fault_slot, ep, HELIOS_CT_ENDPOINT, HELIOS_RIGHT_SEND, 0, &target);
            target.fault_cookie = b.params[0];
            k.delete_cap(holder);
            return Error::NONE;
        }
        case HELIOS_INV_task_clear_fault: k.delete_cap(target.fault_slot); return Error::NONE;
        case HELIOS_INV_task_resume: {
            if (target.exited) return Error::INVALID_PARAM;
            if (target.msg_is_fault && target.blocked == BlockedOn::Send) k.unblock_silently(target);
            target.faulted = false;
            k.set_suspended(target, false);
            return Error::NONE;
        }
        case HELIOS_INV_task_suspend: k.set_suspended(target, true); return Error::NONE;
        case HELIOS_INV_task_set_priority: {
            if (b.params[0] > HELIOS_PRIORITY_MAX) return Error::INVALID_PARAM;
            bool queued = k.scheduler.queued(target);
            k.scheduler.remove(target);
            target.priority = static_cast<uint8_t>(b.params[0]);
            if (queued) k.scheduler.enqueue(target);
            return Error::NONE;
        }
        case HELIOS_INV_task_info: {
            uint64_t flags = (target.configured() ? HELIOS_TASK_CONFIGURED : 0) |
                             (target.suspended ? HELIOS_TASK_SUSPENDED : 0) |
                             (target.blocked != BlockedOn::None ? HELIOS_TASK_BLOCKED : 0) |
                             (target.faulted ? HELIOS_TASK_FAULTED : 0) | (target.exited ? HELIOS_TASK_EXITED : 0);
            b.params[0] = flags;
            b.params[1] = target.priority;
            b.params[2] = target.exit_status;
            *value = target.id();
            return Error::NONE;
        }
        default: return Error::INVALID_SYSCALL;
    }
}

Error Uapi::invoke_paging(Kernel& k, Task& t, Slot& slot, uint64_t label, helios_ipcbuf& b, uint64_t* value) {
    CSpace& mine = *t.cspace();
    if (slot.type == HELIOS_CT_VSPACE) {
        if (label != HELIOS_INV_vspace_lookup) return Error::INVALID_SYSCALL;
        *value = TRY(k.paging.translate(*static_cast<VSpace*>(slot.object), b.params[0], false));
        return Error::NONE;
    }
    if (slot.type == HELIOS_CT_PAGE) {
        auto& page = *static_cast<Page*>(slot.object);
        switch (label) {
            case HELIOS_INV_page_map: {
                VSpace* vs = TRY(mine.resolve<VSpace>(b.caps[0], HELIOS_RIGHT_SEND));
                unsigned flags = static_cast<unsigned>(b.params[1]);
                if (b.params[1] > 0xFF) return Error::INVALID_PARAM;
                if ((flags & HELIOS_MAP_WRITE) && !(slot.rights & HELIOS_RIGHT_WRITE)) return Error::NO_RIGHTS;
                unsigned missing = 0;
                Status st = k.paging.map_page(*vs, page, b.params[0], flags, &missing);
                *value = missing;
                return st.error();
            }
            case HELIOS_INV_page_unmap: k.paging.unmap_page(page); return Error::NONE;
            case HELIOS_INV_page_phys: *value = page.phys(); return Error::NONE;
            case HELIOS_INV_page_protect: {
                if (b.params[0] > 0xFF) return Error::INVALID_PARAM;
                unsigned flags = static_cast<unsigned>(b.params[0]);
                if ((flags & HELIOS_MAP_WRITE) && !(slot.rights & HELIOS_RIGHT_WRITE)) return Error::NO_RIGHTS;
                return k.paging.protect_page(page, flags).error();
            }
            default: return Error::INVALID_SYSCALL;
        }
    }
    // A page table: PDPT, PD and PT share one operation.
    if (label != 1) return Error::INVALID_SYSCALL;
    VSpace* vs = TRY(mine.resolve<VSpace>(b.caps[0], HELIOS_RIGHT_SEND));
    unsigned missing = 0;
    Status st = k.paging.map_table(*vs, *static_cast<PageTable*>(slot.object), b.params[0], &missing);
    *value = missing;
    return st.error();
}

Error Uapi::invoke_device(Kernel& k, Task& t, Slot& slot, uint64_t label, helios_ipcbuf& b, uint64_t* value) {
    CSpace& mine = *t.cspace();
    switch (slot.type) {
        case HELIOS_CT_IRQCONTROL: {
            if (label != HELIOS_INV_irqcontrol_issue) return Error::INVALID_SYSCALL;
            uint64_t line = b.params[0];
            if (line >= Irq::kLines || line == 0 || line == 2) return Error::INVALID_PARAM;  // timer, cascade
            if (k.irq_lines[line]) return Error::BUSY;
            Notification* n = TRY(mine.resolve<Notification>(b.caps[0], HELIOS_RIGHT_SEND));
            Slot* out = TRY(mine.empty(b.caps[1]));
            if (k.irqs.size() >= Kernel::kMaxUnchargedObjects) return Error::NOMEM;
            auto* irq = static_cast<Irq*>(TRY(k.create_boot_object(HELIOS_CT_IRQ, line, 0)));
            k.irqs.push_back(irq);
            Caps::install(irq->notification, n, HELIOS_CT_NOTIFICATION, HELIOS_RIGHT_SEND, 0, irq);
            k.irq_lines[line] = irq;
            arch::irq_mask(static_cast<unsigned>(line));
            Caps::install(*out, irq, HELIOS_CT_IRQ, HELIOS_RIGHT_SEND, 0);
            *value = mine.caddr_of(out);
            b.caps[1] = static_cast<helios_caddr_t>(*value);
            return Error::NONE;
        }
        case HELIOS_CT_IRQ: {
            if (label != HELIOS_INV_irq_ack) return Error::INVALID_SYSCALL;
            auto* irq = static_cast<Irq*>(slot.object);
            irq->pending_ack = false;
            arch::irq_unmask(irq->line());
            return Error::NONE;
        }
        case HELIOS_CT_IOCONTROL: {
            if (label != HELIOS_INV_iocontrol_issue) return Error::INVALID_SYSCALL;
            uint64_t min = b.params[0], max = b.params[1];
            if (min > max || max > 0xFFFF) return Error::INVALID_PARAM;
            Slot* out = TRY(mine.empty(b.caps[0]));
            if (k.ioports.size() >= Kernel::kMaxUnchargedObjects) return Error::NOMEM;
            Object* io = TRY(k.create_boot_object(HELIOS_CT_IOPORT, min, max));
            k.ioports.push_back(io);
            Caps::install(*out, io, HELIOS_CT_IOPORT, HELIOS_RIGHT_SEND, 0);
            *value = mine.caddr_of(out);
            b.caps[0] = static_cast<helios_caddr_t>(*value);
            return Error::NONE;
        }
        case HELIOS_CT_IOPORT: {
            auto* io = static_cast<IoPort*>(slot.object);
            uint64_t port = b.params[0], width = b.params[1];
            if (width != 1 && width != 2 && width != 4) return Error::INVALID_PARAM;
            if (port > 0xFFFF || !io->covers(static_cast<uint32_t>(port), static_cast<unsigned>(width)))
                return Error::INVALID_PARAM;
            if (label == HELIOS_INV_ioport_in) {
                *value = arch::port_in(static_cast<uint16_t>(port), static_cast<unsigned>(width));
                return Error::NONE;
            }
            if (label == HELIOS_INV_ioport_out) {
                arch::port_out(static_cast<uint16_t>(port), static_cast<unsigned>(width),
                               static_cast<uint32_t>(b.params[2]));
                return Error::NONE;
            }
            return Error::INVALID_SYSCALL;
        }
        default: return Error::UNSUPPORTED;
    }
}

}  // namespace helios
