// Message transfer and replies: the rendezvous steps shared by every IPC path.
#include "core/message.h"

#include "core/kernel.h"

namespace helios {

uint64_t transfer_message(Kernel& k, Task& from, Task& to, uint64_t tag, uint64_t badge, bool grant) {
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

void reply_to_caller(Kernel& k, Task& replier, Task& caller, uint64_t tag) {
    replier.reply_to = nullptr;
    caller.replier = nullptr;
    uint64_t delivered = transfer_message(k, replier, caller, tag, 0, true);
    k.wake(caller, Error::NONE, delivered);
}

void reply_through_cap(Kernel& k, Task& sender, Slot& reply_cap, uint64_t tag) {
    auto* caller = static_cast<Task*>(reply_cap.object);
    Caps::clear(reply_cap);  // a reply capability is used once
    caller->reply_stored = false;
    if (caller->blocked == BlockedOn::Reply) {
        uint64_t delivered = transfer_message(k, sender, *caller, tag, 0, true);
        k.wake(*caller, Error::NONE, delivered);
    }
}

}  // namespace helios
