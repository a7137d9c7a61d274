// User memory access: walk the vspace's own tables, copy through the direct map.
#include "arch/arch.h"
#include "core/kernel.h"

namespace helios {

namespace {
template <typename Fn>
bool for_each_user_chunk(Kernel& k, VSpace& vs, uint64_t vaddr, uint64_t len, bool write, Fn&& fn) {
    if (len == 0) return true;
    if (vaddr + len < vaddr || vaddr + len > HELIOS_USER_TOP) return false;
    uint64_t done = 0;
    while (done < len) {
        uint64_t va = vaddr + done;
        auto phys = k.translate(vs, va, write);
        if (!phys.ok() || !k.kernel_may_touch(*phys)) return false;
        uint64_t in_page = HELIOS_PAGE_SIZE - (va & HELIOS_PAGE_MASK);
        uint64_t chunk = in_page < len - done ? in_page : len - done;
        fn(static_cast<unsigned char*>(arch::phys_to_virt(*phys)), done, chunk);
        done += chunk;
    }
    return true;
}
}  // namespace

bool Kernel::copy_from_user(VSpace& vs, uint64_t vaddr, void* dst, uint64_t len) {
    // Check the whole range first, so a failed copy leaves dst untouched.
    if (!for_each_user_chunk(*this, vs, vaddr, len, false, [](unsigned char*, uint64_t, uint64_t) {}))
        return false;
    auto* out = static_cast<unsigned char*>(dst);
    return for_each_user_chunk(*this, vs, vaddr, len, false, [out](unsigned char* src, uint64_t off, uint64_t n) {
        for (uint64_t i = 0; i < n; ++i) out[off + i] = src[i];
    });
}

bool Kernel::copy_to_user(VSpace& vs, uint64_t vaddr, const void* src, uint64_t len) {
    if (!for_each_user_chunk(*this, vs, vaddr, len, true, [](unsigned char*, uint64_t, uint64_t) {}))
        return false;
    auto* in = static_cast<const unsigned char*>(src);
    return for_each_user_chunk(*this, vs, vaddr, len, true, [in](unsigned char* dst, uint64_t off, uint64_t n) {
        for (uint64_t i = 0; i < n; ++i) dst[i] = in[off + i];
    });
}

// User copies and IPC buffers go through the direct map. Only RAM pages may
// be touched that way: a device page (MMIO) mapped by a user must never be
// read or written by the kernel on the user's behalf (reads have side
// effects, and on hardware the direct map need not cover it at all).
bool Kernel::kernel_may_touch(uint64_t address) {
    uint64_t f = address / HELIOS_PAGE_SIZE;
    if (f < phys_.first_frame() || f - phys_.first_frame() >= phys_.total_frames()) return false;
    Object* owner = frame(f).owner;
    return owner && owner->type() == HELIOS_CT_PAGE && !static_cast<Page*>(owner)->device();
}

helios_ipcbuf* Kernel::ipcbuf_of(Task& task) {
    VSpace* vs = task.vspace();
    if (!vs || task.ipcbuf % HELIOS_PAGE_SIZE) return nullptr;
    auto where = paging_.translate(*vs, task.ipcbuf, true);
    if (!where.ok() || !kernel_may_touch(*where)) return nullptr;
    return static_cast<helios_ipcbuf*>(arch::phys_to_virt(*where));
}

}  // namespace helios
