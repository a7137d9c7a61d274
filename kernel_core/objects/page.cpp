// Page: its descriptor, teardown and invocations (map, unmap, phys, protect).
#include "core/kernel.h"
#include "objects/invocation.h"
#include "objects/object_type.h"
#include "objects/page.h"
#include "objects/paging.h"

#include <new>

namespace helios {

namespace {
// Placement::extra for a device page: its page-aligned physical address with
// this bit set. A plain address could not tell a device page at physical 0
// from a RAM page (extra == 0).
constexpr uint64_t kDevicePageTag = 1;

// A RAM page's record sits in its own frame's entry; a device page's record
// occupies a bookkeeping frame (first_frame) whose entry holds it as well.
Object* construct_page(Kernel&, const Placement& p) {
    bool device = p.extra & kDevicePageTag;
    uint64_t phys = device ? p.extra & ~HELIOS_PAGE_MASK : p.first_frame * HELIOS_PAGE_SIZE;
    return new (p.frame_record) Page(phys, device);
}
void teardown_page(Kernel& kernel, Object& page) { kernel.paging().unmap_page(static_cast<Page&>(page)); }

Error check_map_flags(const Invocation& invocation, uint64_t flags) {
    if (flags > 0xFF) return Error::INVALID_PARAM;
    if ((flags & HELIOS_MAP_WRITE) && !(invocation.cap.rights & HELIOS_RIGHT_WRITE)) return Error::NO_RIGHTS;
    return Error::NONE;
}
}  // namespace

uint64_t device_page_extra(uint64_t phys) { return phys | kDevicePageTag; }

template <>
const ObjectType& object_type_of<HELIOS_CT_PAGE>() {
    static constexpr ObjectType kPage{HELIOS_CT_PAGE, true, any_size, one_frame, construct_page, nullptr, teardown_page, nullptr};
    return kPage;
}

Error perform_page_map(Invocation& invocation, uint64_t vaddr, uint64_t flags) {
    auto* vs = invocation.argument<VSpace>(0);
    if (Error e = check_map_flags(invocation, flags); e != Error::NONE) return e;
    unsigned missing = 0;
    Status st = invocation.kernel.paging().map_page(*vs, invocation.target<Page>(), vaddr,
                                                  static_cast<unsigned>(flags), &missing);
    invocation.value = missing;
    return st.error();
}

Error perform_page_unmap(Invocation& invocation) {
    invocation.kernel.paging().unmap_page(invocation.target<Page>());
    return Error::NONE;
}

Error perform_page_phys(Invocation& invocation) {
    invocation.value = invocation.target<Page>().phys();
    return Error::NONE;
}

Error perform_page_protect(Invocation& invocation, uint64_t flags) {
    if (Error e = check_map_flags(invocation, flags); e != Error::NONE) return e;
    return invocation.kernel.paging().protect_page(invocation.target<Page>(), static_cast<unsigned>(flags)).error();
}

}  // namespace helios
