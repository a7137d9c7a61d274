// Notification: signal and wait, its descriptor and teardown.
#include "objects/notification.h"

#include "core/kernel.h"
#include "objects/object_type.h"

#include <new>

namespace helios {

namespace {
Object* construct_notification(Kernel&, const Placement& p) { return new (p.frames) Notification(); }
void teardown_notification(Kernel& kernel, Object& object) {
    auto& n = static_cast<Notification&>(object);
    while (Task* t = n.waiters.front()) kernel.wake(*t, Error::ABORTED, 0);
    kernel.poll_notify(n.pollers);
}
}  // namespace

template <>
const ObjectType& object_type_of<HELIOS_CT_NOTIFICATION>() {
    static constexpr ObjectType kNotification{HELIOS_CT_NOTIFICATION, true, any_size, one_frame,
                                              construct_notification, nullptr,  teardown_notification, nullptr};
    return kNotification;
}

void Notification::signal(Kernel& k, uint64_t bits) {
    word |= bits;
    if (!waiters.empty()) {
        // Every waiter wakes with the same word; the word is consumed.
        uint64_t woken_with = word;
        word = 0;
        while (Task* w = waiters.front()) k.wake(*w, Error::NONE, woken_with);
    }
    k.poll_notify(pollers);
}

void Notification::wait(Kernel& k, Task& t, bool blocking) {
    if (word) {
        uint64_t taken = word;
        word = 0;
        return t.set_result(Error::NONE, taken);
    }
    if (!blocking) return t.set_result(Error::WOULD_BLOCK);
    waiters.push_back(&t);
    k.block(t, BlockedOn::Wait, this);
}

// A signal never blocks: SEND is always ready.
unsigned Notification::ready(unsigned events) const {
    unsigned revents = 0;
    if ((events & HELIOS_POLL_RECV) && word) revents |= HELIOS_POLL_RECV;
    if (events & HELIOS_POLL_SEND) revents |= HELIOS_POLL_SEND;
    return revents;
}

}  // namespace helios
