// cspace: copy, move, destroy, automatic addresses, rights only shrink, identify, other cspaces.
#include "vulcan.h"

using namespace helios;
using namespace vulcan;

namespace {
constexpr helios_caddr_t CS = HELIOS_INIT_CAP_CSPACE;
constexpr helios_caddr_t VS = HELIOS_INIT_CAP_VSPACE;
}  // namespace

VULCAN_TEST(cspace, copy) {
    uint64_t before = used(ctx().mem);
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    SysResult r = cspace_copy(CS, HELIOS_CADDR_UNDEF, ep);
    CHECK_OK(r);
    auto copy = static_cast<helios_caddr_t>(r.value);
    CHECK_NE(copy, ep);
    CHECK_EQ(type_of(copy), HELIOS_CT_ENDPOINT);
    CHECK_EQ(rights_of(copy), HELIOS_RIGHTS_ALL);
    // A copy is no new object.
    CHECK_EQ(used(ctx().mem), before + 1);
    // The destination must be empty, the source not.
    CHECK_ERR(cspace_copy(CS, copy, ep), INVALID_CSLOT);
    CHECK_ERR(cspace_copy(CS, HELIOS_CADDR_UNDEF, empty_slot()), INVALID_CSLOT);
    // Copies are equals: the object lives while one remains.
    destroy(ep);
    CHECK_ERR(sys::nbrecv(copy), WOULD_BLOCK);
    CHECK_EQ(used(ctx().mem), before + 1);
    destroy(copy);
    CHECK_EQ(used(ctx().mem), before);
}

VULCAN_TEST(cspace, move) {
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    SysResult r = cspace_move(CS, HELIOS_CADDR_UNDEF, n);
    CHECK_OK(r);
    auto m = static_cast<helios_caddr_t>(r.value);
    CHECK_EQ(type_of(n), HELIOS_CT_NULL_CAP);
    CHECK_EQ(type_of(m), HELIOS_CT_NOTIFICATION);
    CHECK_ERR(sys::signal(n), INVALID_CSLOT);
    CHECK_OK(sys::signal(m));
    sys::SysResult w = sys::nbwait(m);
    CHECK_OK(w);
    CHECK_EQ(w.value, 1);
    // Moving onto an occupied slot (itself) fails and keeps the capability.
    CHECK_ERR(cspace_move(CS, m, m), INVALID_CSLOT);
    CHECK_EQ(type_of(m), HELIOS_CT_NOTIFICATION);
    // Moving keeps the rights.
    SysResult weak = cspace_copy(CS, HELIOS_CADDR_UNDEF, m, HELIOS_RIGHT_RECV);
    CHECK_OK(weak);
    SysResult moved = cspace_move(CS, HELIOS_CADDR_UNDEF, static_cast<helios_caddr_t>(weak.value));
    CHECK_OK(moved);
    CHECK_EQ(rights_of(static_cast<helios_caddr_t>(moved.value)), HELIOS_RIGHT_RECV);
    destroy(static_cast<helios_caddr_t>(moved.value));
    destroy(m);
}

VULCAN_TEST(cspace, destroy) {
    uint64_t before = used(ctx().mem);
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    helios_caddr_t e = alloc(HELIOS_CT_ENDPOINT);
    CHECK_EQ(used(ctx().mem), before + 2);
    CHECK_OK(cspace_destroy(CS, {n, e}));
    CHECK_EQ(type_of(n), HELIOS_CT_NULL_CAP);
    CHECK_EQ(type_of(e), HELIOS_CT_NULL_CAP);
    // The last capability gone, the memory returns.
    CHECK_EQ(used(ctx().mem), before);
    // Destroying an empty slot is harmless.
    CHECK_OK(cspace_destroy(CS, n));
    // A bad address anywhere in the list: nothing is destroyed.
    helios_caddr_t x = alloc(HELIOS_CT_NOTIFICATION);
    CHECK_ERR(cspace_destroy(CS, {x, 0xFFFF0}), INVALID_CADDR);
    CHECK_EQ(type_of(x), HELIOS_CT_NOTIFICATION);
    destroy(x);
}

VULCAN_TEST(cspace, automatic_addresses) {
    helios_caddr_t a = alloc(HELIOS_CT_NOTIFICATION);
    helios_caddr_t b = alloc(HELIOS_CT_NOTIFICATION);
    helios_caddr_t c = alloc(HELIOS_CT_NOTIFICATION);
    CHECK(a < b && b < c);
    // The kernel picks the lowest free slot.
    destroy(b);
    helios_caddr_t d = alloc(HELIOS_CT_NOTIFICATION);
    CHECK_EQ(d, b);
    // Several out-slots, some explicit: the automatic ones avoid those.
    helios_caddr_t free_slot = empty_slot();
    helios_caddr_t caps[3] = {free_slot, HELIOS_CADDR_UNDEF, HELIOS_CADDR_UNDEF};
    CHECK_OK(memory_allocate(ctx().mem, HELIOS_CT_ENDPOINT, 0, caps, 3));
    CHECK_EQ(caps[0], free_slot);
    CHECK(caps[1] != caps[0] && caps[2] != caps[0] && caps[1] != caps[2]);
    for (helios_caddr_t cap : caps) CHECK_EQ(type_of(cap), HELIOS_CT_ENDPOINT);
    CHECK_OK(cspace_destroy(CS, {a, c, d, caps[0], caps[1], caps[2]}));
    // A full cspace has no automatic slot.
    helios_caddr_t small = alloc(HELIOS_CT_CSPACE, 1);
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    SysResult r0 = cspace_copy_to(CS, small, HELIOS_CADDR_UNDEF, n);
    SysResult r1 = cspace_copy_to(CS, small, HELIOS_CADDR_UNDEF, n);
    CHECK_OK(r0);
    CHECK_OK(r1);
    CHECK_EQ(r0.value, 0);
    CHECK_EQ(r1.value, 1);
    CHECK_ERR(cspace_copy_to(CS, small, HELIOS_CADDR_UNDEF, n), INVALID_CSLOT);
    CHECK_OK(cspace_destroy(CS, {small, n}));
}

VULCAN_TEST(cspace, rights_only_shrink) {
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    SysResult s = cspace_copy(CS, HELIOS_CADDR_UNDEF, ep, HELIOS_RIGHT_SEND);
    CHECK_OK(s);
    auto send_only = static_cast<helios_caddr_t>(s.value);
    CHECK_EQ(rights_of(send_only), HELIOS_RIGHT_SEND);
    CHECK_ERR(sys::nbrecv(send_only), NO_RIGHTS);
    CHECK_ERR(sys::nbsend(send_only, HELIOS_TAG(1, 0, 0)), WOULD_BLOCK);
    // Asking for more than the source has gives no more.
    SysResult s2 = cspace_copy(CS, HELIOS_CADDR_UNDEF, send_only, HELIOS_RIGHTS_ALL);
    CHECK_OK(s2);
    CHECK_EQ(rights_of(static_cast<helios_caddr_t>(s2.value)), HELIOS_RIGHT_SEND);
    SysResult r = cspace_copy(CS, HELIOS_CADDR_UNDEF, ep, HELIOS_RIGHT_RECV);
    CHECK_OK(r);
    auto recv_only = static_cast<helios_caddr_t>(r.value);
    CHECK_ERR(sys::nbsend(recv_only, HELIOS_TAG(1, 0, 0)), NO_RIGHTS);
    CHECK_ERR(sys::nbrecv(recv_only), WOULD_BLOCK);
    // No rights at all: not even an invocation.
    SysResult z = cspace_copy(CS, HELIOS_CADDR_UNDEF, HELIOS_INIT_CAP_MEMORY, 0);
    CHECK_OK(z);
    CHECK_EQ(rights_of(static_cast<helios_caddr_t>(z.value)), 0);
    CHECK_ERR(memory_info(static_cast<helios_caddr_t>(z.value)), NO_RIGHTS);
    // A page without WRITE maps read-only only.
    helios_caddr_t page = alloc(HELIOS_CT_PAGE);
    SysResult ro = cspace_copy(CS, HELIOS_CADDR_UNDEF, page, HELIOS_RIGHT_SEND);
    CHECK_OK(ro);
    auto ro_page = static_cast<helios_caddr_t>(ro.value);
    CHECK_ERR(page_map(ro_page, VS, ctx().va, HELIOS_MAP_WRITE), NO_RIGHTS);
    CHECK_OK(map_page(ctx().mem, VS, ro_page, ctx().va, 0));
    CHECK_ERR(page_protect(ro_page, HELIOS_MAP_WRITE), NO_RIGHTS);
    CHECK_OK(cspace_destroy(CS, {send_only, static_cast<helios_caddr_t>(s2.value), recv_only,
                                 static_cast<helios_caddr_t>(z.value), ro_page, page, ep}));
}

VULCAN_TEST(cspace, identify) {
    CHECK_EQ(type_of(HELIOS_INIT_CAP_CSPACE), HELIOS_CT_CSPACE);
    CHECK_EQ(type_of(HELIOS_INIT_CAP_VSPACE), HELIOS_CT_VSPACE);
    CHECK_EQ(type_of(HELIOS_INIT_CAP_TASK), HELIOS_CT_TASK);
    CHECK_EQ(type_of(HELIOS_INIT_CAP_MEMORY), HELIOS_CT_MEMORY);
    CHECK_EQ(type_of(HELIOS_INIT_CAP_DEVMEM), HELIOS_CT_DEVMEM);
    CHECK_EQ(type_of(HELIOS_INIT_CAP_IRQCONTROL), HELIOS_CT_IRQCONTROL);
    CHECK_EQ(type_of(HELIOS_INIT_CAP_IOCONTROL), HELIOS_CT_IOCONTROL);
    CHECK_EQ(rights_of(HELIOS_INIT_CAP_MEMORY), HELIOS_RIGHTS_ALL);
    // identify: SEND bit 0, RECV bit 1, type bits 2-7, GRANT bit 8, WRITE bit 9.
    CHECK_EQ(identify(HELIOS_INIT_CAP_MEMORY), 0x3u | (HELIOS_CT_MEMORY << 2) | 0x300u);
    static const uint64_t kTypes[] = {HELIOS_CT_ENDPOINT, HELIOS_CT_NOTIFICATION, HELIOS_CT_PAGE, HELIOS_CT_TASK,
                                      HELIOS_CT_VSPACE,   HELIOS_CT_PDPT,         HELIOS_CT_PD,   HELIOS_CT_PT};
    for (uint64_t type : kTypes) {
        helios_caddr_t c = alloc(type);
        CHECK_EQ(type_of(c), type);
        destroy(c);
    }
    helios_caddr_t cs = alloc(HELIOS_CT_CSPACE, 3);
    CHECK_EQ(type_of(cs), HELIOS_CT_CSPACE);
    helios_caddr_t m = alloc_memory(2);
    CHECK_EQ(type_of(m), HELIOS_CT_MEMORY);
    CHECK_OK(cspace_destroy(CS, {cs, m}));
    // An empty slot is the null type; an address beyond the cspace an error.
    CHECK_EQ(type_of(empty_slot()), HELIOS_CT_NULL_CAP);
    CHECK_ERR(sys::identify(4096), INVALID_CADDR);
    CHECK_ERR(sys::identify(HELIOS_CADDR_UNDEF), INVALID_CADDR);
}

VULCAN_TEST(cspace, other_cspace) {
    helios_caddr_t cs = alloc(HELIOS_CT_CSPACE, 4);
    SysResult radix = inv::cspace_radix(cs);
    CHECK_OK(radix);
    CHECK_EQ(radix.value, 4);
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    SysResult to = cspace_copy_to(CS, cs, 3, n);
    CHECK_OK(to);
    CHECK_EQ(to.value, 3);
    CHECK_ERR(cspace_copy_to(CS, cs, 16, n), INVALID_CADDR);
    CHECK_ERR(cspace_copy_to(CS, cs, 3, n), INVALID_CSLOT);
    SysResult from = cspace_copy_from(CS, HELIOS_CADDR_UNDEF, cs, 3);
    CHECK_OK(from);
    auto back = static_cast<helios_caddr_t>(from.value);
    // The same object: a signal through one is seen through the other.
    CHECK_OK(sys::signal(back));
    CHECK_OK(sys::nbwait(n));
    CHECK_ERR(cspace_copy_from(CS, HELIOS_CADDR_UNDEF, cs, 5), INVALID_CSLOT);
    // Destroying the cspace drops the copy inside; ours live on.
    destroy(cs);
    CHECK_OK(sys::signal(back));
    CHECK_OK(sys::nbwait(n));
    CHECK_OK(cspace_destroy(CS, {n, back}));
}
