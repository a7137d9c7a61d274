// Endpoint: rendezvous send and receive, fault delivery, its descriptor and teardown.
#include "objects/endpoint.h"

#include "core/kernel.h"
#include "core/message.h"
#include "objects/object_type.h"

#include <new>

namespace helios {

namespace {
Object* construct_endpoint(Kernel&, const Placement& p) { return new (p.frames) Endpoint(); }

// Every waiter learns the endpoint is gone; a queued fault stays unhandled
// (its task stays suspended; nobody will handle it).
void teardown_endpoint(Kernel& kernel, Object& object) {
    auto& ep = static_cast<Endpoint&>(object);
    while (Task* t = ep.senders.front()) {
        if (t->msg_is_fault) {
            kernel.unblock_silently(*t);
        } else {
            kernel.wake(*t, Error::ABORTED, 0);
        }
    }
    while (Task* t = ep.receivers.front()) kernel.wake(*t, Error::ABORTED, 0);
    kernel.poll_notify(ep.pollers);
}

// `receiver` now owes `caller` a reply; a reply it still owed is abandoned.
void owe_reply(Kernel& kernel, Task& receiver, Task& caller) {
    if (Task* old = receiver.reply_to) {
        receiver.reply_to = nullptr;
        old->replier = nullptr;
        kernel.wake(*old, Error::ABORTED, 0);
    }
    receiver.reply_to = &caller;
    caller.replier = &receiver;
}
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_ENDPOINT>() {
    static constexpr ObjectType kEndpoint{
        HELIOS_CT_ENDPOINT, true, any_size, one_frame, construct_endpoint, nullptr, teardown_endpoint, nullptr};
    return kEndpoint;
}

void Endpoint::send(Kernel& k, Task& t, uint64_t tag, uint64_t badge, bool grant, bool blocking, bool call) {
    if (Task* r = receivers.front()) {
        k.unblock_silently(*r);
        uint64_t delivered = transfer_message(k, t, *r, tag, badge, grant);
        if (call) {
            owe_reply(k, *r, t);
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
    t.msg_badge = badge;
    t.msg_can_grant = grant;
    t.msg_is_call = call;
    t.msg_is_fault = false;
    senders.push_back(&t);
    k.block(t, BlockedOn::Send, this);
    k.poll_notify(pollers);
}

void Endpoint::receive(Kernel& k, Task& t, bool blocking) {
    if (Task* s = senders.front()) {
        bool is_fault = s->msg_is_fault, is_call = s->msg_is_call;
        s->wait_link.unlink();
        uint64_t delivered = transfer_message(k, *s, t, s->msg_tag, s->msg_badge, s->msg_can_grant);
        s->blocked = BlockedOn::None;
        s->blocked_object = nullptr;
        s->msg_is_fault = false;
        t.set_result(Error::NONE, delivered);
        if (is_fault) return;  // the faulting task stays suspended until resumed
        if (is_call) {
            owe_reply(k, t, *s);
            s->blocked = BlockedOn::Reply;
        } else {
            s->set_result(Error::NONE, 0);
            k.make_runnable(*s);
        }
        return;
    }
    if (!blocking) return t.set_result(Error::WOULD_BLOCK);
    receivers.push_back(&t);
    k.block(t, BlockedOn::Recv, this);
    k.poll_notify(pollers);
}

void Endpoint::send_fault(Kernel& k, Task& task) {
    task.msg_is_fault = true;
    task.msg_tag = HELIOS_TAG(HELIOS_LABEL_FAULT, 0, HELIOS_FAULT_NPARAMS);
    task.msg_badge = task.fault_slot.badge;
    task.msg_can_grant = false;
    task.msg_is_call = false;
    if (Task* r = receivers.front()) {
        k.unblock_silently(*r);
        uint64_t delivered = transfer_message(k, task, *r, task.msg_tag, task.msg_badge, false);
        task.msg_is_fault = false;
        r->set_result(Error::NONE, delivered);
        k.make_runnable(*r);
        return;
    }
    // Queue like a blocked sender; the supervisor's recv takes it.
    senders.push_back(&task);
    task.blocked = BlockedOn::Send;
    task.blocked_object = this;
    k.poll_notify(pollers);
}

unsigned Endpoint::ready(unsigned events) const {
    unsigned revents = 0;
    if ((events & HELIOS_POLL_RECV) && !senders.empty()) revents |= HELIOS_POLL_RECV;
    if ((events & HELIOS_POLL_SEND) && !receivers.empty()) revents |= HELIOS_POLL_SEND;
    return revents;
}

}  // namespace helios
