// Endpoint IPC, reply, notifications and poll.
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

uint64_t Uapi::transfer(Kernel& k, Task& from, Task& to, uint64_t tag, uint64_t badge, bool grant) {
    helios_ipcbuf* dst = k.ipcbuf_of(to);
    unsigned nparams = HELIOS_TAG_NPARAMS(tag);
    unsigned ncaps = grant ? HELIOS_TAG_NCAPS(tag) : 0;
    if (nparams > HELIOS_MAX_PARAMS) nparams = HELIOS_MAX_PARAMS;
    if (ncaps > HELIOS_MAX_CAPS) ncaps = HELIOS_MAX_CAPS;
    if (!dst) return HELIOS_TAG(HELIOS_TAG_LABEL(tag), 0, 0);
    dst->badge = badge;
    if (from.msg_is_fault) {
        for (unsigned i = 0; i < HELIOS_FAULT_NPARAMS; ++i) dst->params[i] = from.fault_params[i];
        return HELIOS_TAG(HELIOS_LABEL_FAULT, 0, HELIOS_FAULT_NPARAMS);
    }
    helios_ipcbuf* src = k.ipcbuf_of(from);
    if (!src) return HELIOS_TAG(HELIOS_TAG_LABEL(tag), 0, 0);
    if (src != dst)
        for (unsigned i = 0; i < nparams; ++i) dst->params[i] = src->params[i];
    // Capabilities move: each is installed in the receiver, then cleared in
    // the sender, so the object never loses its last owner on the way.
    unsigned moved = 0;
    helios_caddr_t chosen[HELIOS_MAX_CAPS];
    CSpace* scs = from.cspace();
    CSpace* dcs = to.cspace();
    for (; moved < ncaps && scs && dcs; ++moved) {
        auto s = scs->occupied(src->caps[moved]);
        if (!s.ok()) break;
        auto d = dcs->empty(dst->caps[moved], chosen, moved);
        if (!d.ok()) break;
        Slot& sslot = **s;
        Slot& dslot = **d;
        if (&sslot == &dslot) break;
        Caps::install(dslot, sslot.object, sslot.type, sslot.rights, sslot.badge);
        Caps::clear(sslot);
        chosen[moved] = dcs->caddr_of(&dslot);
    }
    for (unsigned i = 0; i < moved; ++i) dst->caps[i] = chosen[i];
    return HELIOS_TAG(HELIOS_TAG_LABEL(tag), moved, nparams);
}

void Uapi::ipc_send(Kernel& k, Task& t, Slot& slot, uint64_t tag, bool blocking, bool call) {
    if (slot.type == HELIOS_CT_NOTIFICATION) {
        if (!(slot.rights & HELIOS_RIGHT_SEND)) return t.set_result(Error::NO_RIGHTS);
        signal(k, *static_cast<Notification*>(slot.object), slot.badge ? slot.badge : 1);
        return t.set_result(Error::NONE, 0);
    }
    if (slot.type == HELIOS_CT_REPLY) {
        Status ok = check_message(k, t, tag, true);
        if (!ok.ok()) return t.set_result(ok.error());
        auto* caller = static_cast<Task*>(slot.object);
        Caps::clear(slot);  // a reply capability is used once
        caller->reply_stored = false;
        if (caller->blocked == BlockedOn::Reply) {
            uint64_t delivered = transfer(k, t, *caller, tag, 0, true);
            k.wake(*caller, Error::NONE, delivered);
        }
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

    auto* ep = static_cast<Endpoint*>(slot.object);
    if (Task* r = ep->receivers.front()) {
        k.unblock_silently(*r);
        uint64_t delivered = transfer(k, t, *r, tag, slot.badge, grant);
        if (call) {
            if (Task* old = r->reply_to) {
                r->reply_to = nullptr;
                old->replier = nullptr;
                k.wake(*old, Error::ABORTED, 0);
            }
            r->reply_to = &t;
            t.replier = r;
            k.block(t, BlockedOn::Reply, nullptr);
        } else {
            t.set_result(Error::NONE, 0);
        }
        r->set_result(Error::NONE, delivered);
        k.make_runnable(*r);
        return;
    }
    if (!blocking) return t.set_result(Error::WOULD_BLOCK);
    t.msg_tag = tag;
    t.msg_badge = slot.badge;
    t.msg_can_grant = grant;
    t.msg_is_call = call;
    t.msg_is_fault = false;
    ep->senders.push_back(&t);
    k.block(t, BlockedOn::Send, ep);
    k.poll_notify(ep->pollers);
}

void Uapi::ipc_recv(Kernel& k, Task& t, Slot& slot, bool blocking) {
    if (slot.type == HELIOS_CT_NOTIFICATION) {
        if (!(slot.rights & HELIOS_RIGHT_RECV)) return t.set_result(Error::NO_RIGHTS);
        return notification_wait(k, t, *static_cast<Notification*>(slot.object), blocking);
    }
    if (slot.type != HELIOS_CT_ENDPOINT) return t.set_result(Error::INVALID_CTYPE);
    if (!(slot.rights & HELIOS_RIGHT_RECV)) return t.set_result(Error::NO_RIGHTS);
    auto* ep = static_cast<Endpoint*>(slot.object);
    if (Task* s = ep->senders.front()) {
        bool is_fault = s->msg_is_fault, is_call = s->msg_is_call;
        s->wait_link.unlink();
        uint64_t delivered = transfer(k, *s, t, s->msg_tag, s->msg_badge, s->msg_can_grant);
        s->blocked = BlockedOn::None;
        s->blocked_object = nullptr;
        s->msg_is_fault = false;
        t.set_result(Error::NONE, delivered);
        if (is_fault) return;  // the faulting task stays suspended until resumed
        if (is_call) {
            if (Task* old = t.reply_to) {
                t.reply_to = nullptr;
                old->replier = nullptr;
                k.wake(*old, Error::ABORTED, 0);
            }
            t.reply_to = s;
            s->replier = &t;
            s->blocked = BlockedOn::Reply;
        } else {
            s->set_result(Error::NONE, 0);
            k.make_runnable(*s);
        }
        return;
    }
    if (!blocking) return t.set_result(Error::WOULD_BLOCK);
    ep->receivers.push_back(&t);
    k.block(t, BlockedOn::Recv, ep);
    k.poll_notify(ep->pollers);
}

void Uapi::reply_to_caller(Kernel& k, Task& t, Task& caller, uint64_t tag) {
    t.reply_to = nullptr;
    caller.replier = nullptr;
    uint64_t delivered = transfer(k, t, caller, tag, 0, true);
    k.wake(caller, Error::NONE, delivered);
}

void Uapi::signal(Kernel& k, Notification& n, uint64_t bits) {
    n.word |= bits;
    if (!n.waiters.empty()) {
        // Every waiter wakes with the same word; the word is consumed.
        uint64_t word = n.word;
        n.word = 0;
        while (Task* w = n.waiters.front()) k.wake(*w, Error::NONE, word);
    }
    k.poll_notify(n.pollers);
}

void Uapi::notification_wait(Kernel& k, Task& t, Notification& n, bool blocking) {
    if (n.word) {
        uint64_t word = n.word;
        n.word = 0;
        return t.set_result(Error::NONE, word);
    }
    if (!blocking) return t.set_result(Error::WOULD_BLOCK);
    n.waiters.push_back(&t);
    k.block(t, BlockedOn::Wait, &n);
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
            auto* ep = static_cast<Endpoint*>(slot.object);
            if ((e.events & HELIOS_POLL_RECV) && !ep->senders.empty()) e.revents |= HELIOS_POLL_RECV;
            if ((e.events & HELIOS_POLL_SEND) && !ep->receivers.empty()) e.revents |= HELIOS_POLL_SEND;
        } else if (slot.type == HELIOS_CT_NOTIFICATION) {
            auto* n = static_cast<Notification*>(slot.object);
            if ((e.events & HELIOS_POLL_RECV) && n->word) e.revents |= HELIOS_POLL_RECV;
            if (e.events & HELIOS_POLL_SEND) e.revents |= HELIOS_POLL_SEND;
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
