// The handlers of every syscall in HELIOS_SYSCALLS: decode, then hand to the objects.
#include "arch/arch.h"
#include "core/message.h"
#include "uapi/uapi.h"

namespace helios {

void Uapi::dispatch(Kernel& k, Task& task) {
    switch (task.regs.rax) {
#define HELIOS_X_CASE(num, name, nargs, args, doc) \
    case num: sys_##name(k, task); break;
        HELIOS_SYSCALLS(HELIOS_X_CASE)
#undef HELIOS_X_CASE
        default: task.set_result(Error::INVALID_SYSCALL); break;
    }
}

void Uapi::sys_writecons(Kernel& k, Task& t) {
    uint64_t addr = arg(t, 0), len = arg(t, 1);
    VSpace* vs = t.vspace();
    constexpr uint64_t kMax = 64 * 1024;
    if (len > kMax || !vs) return t.set_result(Error::INVALID_PARAM);
    char buf[256];
    // Validate the whole range first: all or nothing.
    // (kernel_may_touch: a device page must fail here, not half-way through.)
    auto readable = [&](uint64_t va) {
        auto phys = k.paging().translate(*vs, va, false);
        return phys.ok() && k.kernel_may_touch(*phys);
    };
    for (uint64_t off = 0; off < len; off += HELIOS_PAGE_SIZE) {
        if (!readable(addr + off)) return t.set_result(Error::INVALID_PARAM);
    }
    if (len && !readable(addr + len - 1)) return t.set_result(Error::INVALID_PARAM);
    for (uint64_t off = 0; off < len; off += sizeof buf) {
        uint64_t n = len - off < sizeof buf ? len - off : sizeof buf;
        if (!k.copy_from_user(*vs, addr + off, buf, n)) return t.set_result(Error::INVALID_PARAM);
        arch::console_write(buf, n);
    }
    t.set_result(Error::NONE, len);
}

void Uapi::sys_yield(Kernel&, Task& t) { t.set_result(Error::NONE, 0); }

void Uapi::sys_identify(Kernel&, Task& t) {
    CSpace* cs = t.cspace();
    auto slot = cs->slot(caddr_arg(t, 0));
    if (!slot.ok()) return t.set_result(slot.error());
    Slot& s = **slot;
    uint64_t v = (s.rights & 3u) | (static_cast<uint64_t>(s.type) << 2) |
                 ((s.rights & HELIOS_RIGHT_GRANT) ? 1u << 8 : 0) | ((s.rights & HELIOS_RIGHT_WRITE) ? 1u << 9 : 0);
    t.set_result(Error::NONE, v);
}

void Uapi::sys_send(Kernel& k, Task& t) {
    auto slot = t.cspace()->occupied(caddr_arg(t, 0));
    if (!slot.ok()) return t.set_result(slot.error());
    ipc_send(k, t, **slot, arg(t, 1), true, false);
}

void Uapi::sys_nbsend(Kernel& k, Task& t) {
    auto slot = t.cspace()->occupied(caddr_arg(t, 0));
    if (!slot.ok()) return t.set_result(slot.error());
    ipc_send(k, t, **slot, arg(t, 1), false, false);
}

void Uapi::sys_call(Kernel& k, Task& t) {
    auto slot = t.cspace()->occupied(caddr_arg(t, 0));
    if (!slot.ok()) return t.set_result(slot.error());
    ipc_send(k, t, **slot, arg(t, 1), true, true);
}

void Uapi::sys_recv(Kernel& k, Task& t) {
    auto slot = t.cspace()->occupied(caddr_arg(t, 0));
    if (!slot.ok()) return t.set_result(slot.error());
    ipc_recv(k, t, **slot, true);
}

void Uapi::sys_nbrecv(Kernel& k, Task& t) {
    auto slot = t.cspace()->occupied(caddr_arg(t, 0));
    if (!slot.ok()) return t.set_result(slot.error());
    ipc_recv(k, t, **slot, false);
}

void Uapi::sys_reply(Kernel& k, Task& t) {
    Task* caller = t.reply_to;
    if (!caller) return t.set_result(Error::INVALID_CSLOT);
    uint64_t tag = arg(t, 0);
    Status ok = check_message(k, t, tag, true);
    if (!ok.ok()) return t.set_result(ok.error());
    reply_to_caller(k, t, *caller, tag);
    t.set_result(Error::NONE, 0);
}

void Uapi::sys_replyrecv(Kernel& k, Task& t) {
    auto slot = t.cspace()->occupied(caddr_arg(t, 1));
    if (!slot.ok()) return t.set_result(slot.error());
    // Decode, then perform: every check ipc_recv would fail on comes before
    // the reply, so an error never leaves the reply sent and the receive undone.
    Slot& s = **slot;
    if (s.type != HELIOS_CT_ENDPOINT && s.type != HELIOS_CT_NOTIFICATION) return t.set_result(Error::INVALID_CTYPE);
    if (!(s.rights & HELIOS_RIGHT_RECV)) return t.set_result(Error::NO_RIGHTS);
    uint64_t tag = arg(t, 0);
    if (Task* caller = t.reply_to) {
        Status ok = check_message(k, t, tag, true);
        if (!ok.ok()) return t.set_result(ok.error());
        reply_to_caller(k, t, *caller, tag);
    }
    ipc_recv(k, t, **slot, true);
}

void Uapi::sys_signal(Kernel& k, Task& t) {
    Slot* s = nullptr;
    auto slot = t.cspace()->occupied(caddr_arg(t, 0));
    if (!slot.ok()) return t.set_result(slot.error());
    s = *slot;
    if (s->type != HELIOS_CT_NOTIFICATION) return t.set_result(Error::INVALID_CTYPE);
    if (!(s->rights & HELIOS_RIGHT_SEND)) return t.set_result(Error::NO_RIGHTS);
    static_cast<Notification*>(s->object)->signal(k, s->badge ? s->badge : 1);
    t.set_result(Error::NONE, 0);
}

static void wait_common(Kernel& k, Task& t, bool blocking) {
    auto n = t.cspace()->resolve<Notification>(Uapi::caddr_arg(t, 0), HELIOS_RIGHT_RECV);
    if (!n.ok()) return t.set_result(n.error());
    (*n)->wait(k, t, blocking);
}

void Uapi::sys_wait(Kernel& k, Task& t) { wait_common(k, t, true); }
void Uapi::sys_nbwait(Kernel& k, Task& t) { wait_common(k, t, false); }

void Uapi::sys_poll(Kernel& k, Task& t) {
    uint64_t count = arg(t, 1);
    if (count == 0 || count > Task::kMaxPoll) return t.set_result(Error::INVALID_PARAM);
    t.poll_user_ptr = arg(t, 0);
    t.poll_count = 0;
    t.polls[0].task = nullptr;
    // Remember the count in a register-independent place for re-evaluation.
    t.msg_tag = count;
    poll_evaluate(k, t, true);
}

void Uapi::sys_store_reply(Kernel&, Task& t) {
    Task* caller = t.reply_to;
    if (!caller) return t.set_result(Error::INVALID_CSLOT);
    auto dest = t.cspace()->empty(caddr_arg(t, 0));
    if (!dest.ok()) return t.set_result(dest.error());
    Caps::install(**dest, caller, HELIOS_CT_REPLY, HELIOS_RIGHT_SEND | HELIOS_RIGHT_GRANT, 0);
    t.reply_to = nullptr;
    caller->replier = nullptr;
    caller->reply_stored = true;
    t.set_result(Error::NONE, t.cspace()->caddr_of(*dest));
}

// Nothing to decode: the arguments are ignored, and the arch's clock is
// monotonic by contract (arch.h), so the value is passed through unchanged.
void Uapi::sys_clock(Kernel&, Task& t) { t.set_result(Error::NONE, arch::now_ns()); }

void Uapi::sys_exit(Kernel& k, Task& t) {
    t.exited = true;
    t.exit_status = arg(t, 0);
    t.set_result(Error::NONE, 0);
    k.scheduler().remove(t);
    arch::TraceEvent ev{};
    ev.kind = arch::TraceKind::Exit;
    ev.task_id = t.id();
    ev.number = t.exit_status;
    arch::trace(ev);
    arch::task_exited(t, t.exit_status);
}

}  // namespace helios
