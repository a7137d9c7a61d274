// Decoding of the IPC syscalls: send, recv, replies and poll, before the objects act.
#include "core/message.h"
#include "uapi/uapi.h"

namespace helios {

Status Uapi::check_message(Kernel& k, Task& t, uint64_t tag, bool grant) {
    unsigned nparams = HELIOS_TAG_NPARAMS(tag), ncaps = HELIOS_TAG_NCAPS(tag);
    if (nparams > HELIOS_MAX_PARAMS || ncaps > HELIOS_MAX_CAPS) return Error::INVALID_PARAM;
    if (ncaps && !grant) return Error::NO_RIGHTS;
    if (nparams == 0 && ncaps == 0) return {};
    helios_ipcbuf* b = k.ipcbuf_of(t);
    if (!b) return Error::INVALID_PARAM;
    for (unsigned i = 0; i < ncaps; ++i) {
        auto s = t.cspace()->occupied(b->caps[i]);
        if (!s.ok()) return s.error();
    }
    return {};
}

void Uapi::ipc_send(Kernel& k, Task& t, Slot& slot, uint64_t tag, bool blocking, bool call) {
    if (slot.type == HELIOS_CT_NOTIFICATION) {
        if (!(slot.rights & HELIOS_RIGHT_SEND)) return t.set_result(Error::NO_RIGHTS);
        static_cast<Notification*>(slot.object)->signal(k, slot.badge ? slot.badge : 1);
        return t.set_result(Error::NONE, 0);
    }
    if (slot.type == HELIOS_CT_REPLY) {
        Status ok = check_message(k, t, tag, true);
        if (!ok.ok()) return t.set_result(ok.error());
        reply_through_cap(k, t, slot, tag);
        return t.set_result(Error::NONE, 0);
    }
    if (slot.type != HELIOS_CT_ENDPOINT) {
        uint64_t value = 0;
        Error e = invoke(k, t, slot, tag, &value);
        // A task may have destroyed itself; only a live caller gets a result.
        return t.set_result(e, value);
    }
    if (!(slot.rights & HELIOS_RIGHT_SEND)) return t.set_result(Error::NO_RIGHTS);
    bool grant = slot.rights & HELIOS_RIGHT_GRANT;
    Status ok = check_message(k, t, tag, grant);
    if (!ok.ok()) return t.set_result(ok.error());
    static_cast<Endpoint*>(slot.object)->send(k, t, tag, slot.badge, grant, blocking, call);
}

void Uapi::ipc_recv(Kernel& k, Task& t, Slot& slot, bool blocking) {
    if (slot.type == HELIOS_CT_NOTIFICATION) {
        if (!(slot.rights & HELIOS_RIGHT_RECV)) return t.set_result(Error::NO_RIGHTS);
        return static_cast<Notification*>(slot.object)->wait(k, t, blocking);
    }
    if (slot.type != HELIOS_CT_ENDPOINT) return t.set_result(Error::INVALID_CTYPE);
    if (!(slot.rights & HELIOS_RIGHT_RECV)) return t.set_result(Error::NO_RIGHTS);
    static_cast<Endpoint*>(slot.object)->receive(k, t, blocking);
}

void Uapi::poll_evaluate(Kernel& k, Task& t, bool may_block) {
    uint64_t count = t.msg_tag;
    helios_pollcap entries[Task::kMaxPoll];
    VSpace* vs = t.vspace();
    if (!vs || !k.copy_from_user(*vs, t.poll_user_ptr, entries, count * sizeof(helios_pollcap)))
        return t.set_result(Error::INVALID_PARAM);
    // A blocked poller is re-evaluated when an object it polls changes, even
    // after it lost its cspace (the cspace was destroyed under it).
    CSpace* cs = t.cspace();
    if (!cs) return t.set_result(Error::INVALID_CSLOT);
    Object* objects[Task::kMaxPoll];
    uint64_t ready = 0;
    for (uint64_t i = 0; i < count; ++i) {
        helios_pollcap& e = entries[i];
        e.revents = 0;
        auto s = cs->occupied(e.cap);
        if (!s.ok()) return t.set_result(s.error());
        Slot& slot = **s;
        if ((e.events & ~(HELIOS_POLL_RECV | HELIOS_POLL_SEND)) || e.events == 0)
            return t.set_result(Error::INVALID_PARAM);
        if ((e.events & HELIOS_POLL_RECV) && !(slot.rights & HELIOS_RIGHT_RECV)) return t.set_result(Error::NO_RIGHTS);
        if ((e.events & HELIOS_POLL_SEND) && !(slot.rights & HELIOS_RIGHT_SEND)) return t.set_result(Error::NO_RIGHTS);
        objects[i] = slot.object;
        if (slot.type == HELIOS_CT_ENDPOINT) {
            e.revents = static_cast<uint16_t>(static_cast<Endpoint*>(slot.object)->ready(e.events));
        } else if (slot.type == HELIOS_CT_NOTIFICATION) {
            e.revents = static_cast<uint16_t>(static_cast<Notification*>(slot.object)->ready(e.events));
        } else {
            return t.set_result(Error::INVALID_CTYPE);
        }
        if (e.revents) ready++;
    }
    if (ready || !may_block) {
        if (!k.copy_to_user(*vs, t.poll_user_ptr, entries, count * sizeof(helios_pollcap)))
            return t.set_result(Error::INVALID_PARAM);
        return t.set_result(ready ? Error::NONE : Error::WOULD_BLOCK, ready);
    }
    for (uint64_t i = 0; i < count; ++i) {
        PollWait& pw = t.polls[i];
        pw.task = &t;
        if (objects[i]->type() == HELIOS_CT_ENDPOINT)
            static_cast<Endpoint*>(objects[i])->pollers.push_back(&pw);
        else
            static_cast<Notification*>(objects[i])->pollers.push_back(&pw);
    }
    t.poll_count = static_cast<uint32_t>(count);
    k.block(t, BlockedOn::Poll, nullptr);
}

void Kernel::poll_notify(List<PollWait, &PollWait::link>& pollers) {
    // Take the current pollers aside first: a re-evaluation that blocks
    // again registers on `pollers` and must not be visited twice.
    List<PollWait, &PollWait::link> woken;
    while (PollWait* pw = pollers.pop_front()) woken.push_back(pw);
    while (PollWait* pw = woken.front()) {
        Task& t = *pw->task;
        uint64_t count = t.msg_tag;
        unblock_silently(t);
        t.msg_tag = count;
        Uapi::poll_evaluate(*this, t, true);
        if (t.blocked == BlockedOn::None) make_runnable(t);
    }
}

}  // namespace helios
