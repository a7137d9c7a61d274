// Virtual memory helpers: page mapping with page-table allocation, anonymous memory and mapped page capabilities.
#include <helios/heap.h>
#include <helios/invoke.h>
#include <helios/procinfo.h>
#include <helios/rt.h>
#include <helios/vm.h>

namespace helios::vm {

namespace {

bool g_self_known = false;
Self g_self;

// One map_anonymous / map_caps region. caps[] is heap memory.
struct Region {
    uint64_t addr;
    size_t count;
    bool anonymous;
    helios_caddr_t* caps;
};

Region* g_regions = nullptr;  // sorted by addr
size_t g_region_count = 0;
size_t g_region_cap = 0;

uint64_t table_type(uint64_t level) {
    return level == HELIOS_LEVEL_PDPT ? HELIOS_CT_PDPT
           : level == HELIOS_LEVEL_PD ? HELIOS_CT_PD
           : level == HELIOS_LEVEL_PT ? HELIOS_CT_PT
                                      : 0;
}

// A free range of count pages (plus a guard page on each side) in the mmap
// region; 0 when there is none.
uint64_t find_gap(size_t count) {
    uint64_t need = (count + 1) * HELIOS_PAGE_SIZE;  // the region and one guard page after it
    uint64_t cursor = kMmapBase + HELIOS_PAGE_SIZE;
    for (size_t i = 0; i < g_region_count; ++i) {
        const Region& r = g_regions[i];
        uint64_t end = r.addr + r.count * HELIOS_PAGE_SIZE;
        if (end <= kMmapBase || r.addr >= kMmapLimit) continue;
        if (r.addr >= cursor && r.addr - cursor >= need) return cursor;
        if (end + HELIOS_PAGE_SIZE > cursor) cursor = end + HELIOS_PAGE_SIZE;
    }
    return cursor + need <= kMmapLimit ? cursor : 0;
}

bool overlaps(uint64_t addr, size_t count) {
    uint64_t end = addr + count * HELIOS_PAGE_SIZE;
    for (size_t i = 0; i < g_region_count; ++i) {
        const Region& r = g_regions[i];
        if (addr < r.addr + r.count * HELIOS_PAGE_SIZE && r.addr < end) return true;
    }
    return false;
}

bool add_region(const Region& region) {
    if (g_region_count == g_region_cap) {
        size_t cap = g_region_cap ? g_region_cap * 2 : 16;
        auto* grown = static_cast<Region*>(heap::realloc(g_regions, cap * sizeof(Region)));
        if (!grown) return false;
        g_regions = grown;
        g_region_cap = cap;
    }
    size_t at = g_region_count;
    while (at > 0 && g_regions[at - 1].addr > region.addr) {
        g_regions[at] = g_regions[at - 1];
        --at;
    }
    g_regions[at] = region;
    ++g_region_count;
    return true;
}

// Unmaps pages[0, count) (each wherever it is mapped).
void unmap_caps(const helios_caddr_t* pages, size_t count) {
    for (size_t i = 0; i < count; ++i) (void)page_unmap(pages[i]);
}

// Maps pages at consecutive addresses from addr; on failure unmaps those done.
SysResult map_run(const helios_caddr_t* pages, size_t count, uint64_t flags, uint64_t addr) {
    const Self& s = self();
    for (size_t i = 0; i < count; ++i) {
        SysResult r = map_page(s.memory, s.vspace, pages[i], addr + i * HELIOS_PAGE_SIZE, flags);
        if (!r.ok()) {
            unmap_caps(pages, i);
            return r;
        }
    }
    return {HELIOS_ENONE, addr};
}

}  // namespace

const Self& self() {
    if (!g_self_known) {
        g_self_known = true;
        if (rt::bootinfo()) {
            g_self = {HELIOS_INIT_CAP_MEMORY, HELIOS_INIT_CAP_VSPACE, HELIOS_INIT_CAP_CSPACE};
        } else {
            g_self.memory = rt::find_aux_cap("memory");
            g_self.vspace = rt::find_aux_cap("vspace");
            g_self.cspace = rt::find_aux_cap("cspace");
        }
    }
    return g_self;
}

void set_self(const Self& caps) {
    g_self = caps;
    g_self_known = true;
}

SysResult map_page(helios_caddr_t memory, helios_caddr_t vspace, helios_caddr_t page, uint64_t vaddr, uint64_t flags,
                   TableSink sink, void* ctx) {
    // At most one table per level can be missing, so four tries suffice.
    for (int installed = 0;; ++installed) {
        SysResult r = page_map(page, vspace, vaddr, flags);
        if (r.status != HELIOS_EMISSING_TABLES || installed == 3) return r;
        uint64_t type = table_type(r.value);
        if (type == 0) return {HELIOS_EINVALID_PARAM, r.value};
        SysResult table = memory_allocate_one(memory, type);
        if (!table.ok()) return table;
        auto cap = static_cast<helios_caddr_t>(table.value);
        SysResult m = type == HELIOS_CT_PDPT ? pdpt_map(cap, vspace, vaddr)
                      : type == HELIOS_CT_PD ? pd_map(cap, vspace, vaddr)
                                             : pt_map(cap, vspace, vaddr);
        if (!m.ok()) {
            if (self().cspace != HELIOS_CADDR_UNDEF) (void)cspace_destroy(self().cspace, cap);
            return m;
        }
        if (sink) sink(ctx, cap, type);
    }
}

SysResult destroy_caps(const helios_caddr_t* caps, size_t count) {
    helios_caddr_t cs = self().cspace;
    if (cs == HELIOS_CADDR_UNDEF) return {HELIOS_EUNSUPPORTED, 0};
    while (count > 0) {
        size_t n = count < HELIOS_MAX_CAPS ? count : HELIOS_MAX_CAPS;
        helios_caddr_t batch[HELIOS_MAX_CAPS];
        for (size_t i = 0; i < n; ++i) batch[i] = caps[i];
        SysResult r = cspace_destroy(cs, Caps(batch, n));
        if (!r.ok()) return r;
        caps += n;
        count -= n;
    }
    return {HELIOS_ENONE, 0};
}

SysResult alloc_page_caps(helios_caddr_t memory, helios_caddr_t* out, size_t count) {
    size_t done = 0;
    while (done < count) {
        size_t n = count - done < HELIOS_MAX_CAPS ? count - done : HELIOS_MAX_CAPS;
        for (size_t i = 0; i < n; ++i) out[done + i] = HELIOS_CADDR_UNDEF;
        SysResult r = memory_allocate(memory, HELIOS_CT_PAGE, 0, out + done, n);
        if (!r.ok()) {
            (void)destroy_caps(out, done);
            return r;
        }
        done += n;
    }
    return {HELIOS_ENONE, 0};
}

SysResult map_anonymous(size_t count, uint64_t flags) {
    const Self& s = self();
    if (count == 0 || count > (kMmapLimit - kMmapBase) / HELIOS_PAGE_SIZE) return {HELIOS_EINVALID_PARAM, 0};
    if (s.memory == HELIOS_CADDR_UNDEF || s.vspace == HELIOS_CADDR_UNDEF) return {HELIOS_EUNSUPPORTED, 0};
    uint64_t addr = find_gap(count);
    if (addr == 0) return {HELIOS_ENOMEM, 0};
    auto* caps = static_cast<helios_caddr_t*>(heap::alloc(count * sizeof(helios_caddr_t)));
    if (!caps) return {HELIOS_ENOMEM, 0};
    SysResult r = alloc_page_caps(s.memory, caps, count);
    if (r.ok()) r = map_run(caps, count, flags, addr);
    if (r.ok() && !add_region({addr, count, true, caps})) {
        unmap_caps(caps, count);
        r = {HELIOS_ENOMEM, 0};
    }
    if (!r.ok()) {
        (void)destroy_caps(caps, count);
        heap::free(caps);
        return r;
    }
    return {HELIOS_ENONE, addr};
}

SysResult map_caps(const helios_caddr_t* pages, size_t count, uint64_t flags, uint64_t addr) {
    if (count == 0 || count > (kMmapLimit - kMmapBase) / HELIOS_PAGE_SIZE) return {HELIOS_EINVALID_PARAM, 0};
    if (addr % HELIOS_PAGE_SIZE) return {HELIOS_EINVALID_PARAM, 0};
    if (self().vspace == HELIOS_CADDR_UNDEF) return {HELIOS_EUNSUPPORTED, 0};
    if (addr == 0) {
        addr = find_gap(count);
        if (addr == 0) return {HELIOS_ENOMEM, 0};
    } else if (overlaps(addr, count)) {
        return {HELIOS_EBUSY, 0};
    }
    auto* caps = static_cast<helios_caddr_t*>(heap::alloc(count * sizeof(helios_caddr_t)));
    if (!caps) return {HELIOS_ENOMEM, 0};
    for (size_t i = 0; i < count; ++i) caps[i] = pages[i];
    SysResult r = map_run(caps, count, flags, addr);
    if (r.ok() && !add_region({addr, count, false, caps})) {
        unmap_caps(caps, count);
        r = {HELIOS_ENOMEM, 0};
    }
    if (!r.ok()) {
        heap::free(caps);
        return r;
    }
    return {HELIOS_ENONE, addr};
}

SysResult unmap(uint64_t addr) {
    for (size_t i = 0; i < g_region_count; ++i) {
        if (g_regions[i].addr != addr) continue;
        Region r = g_regions[i];
        for (size_t j = i + 1; j < g_region_count; ++j) g_regions[j - 1] = g_regions[j];
        --g_region_count;
        unmap_caps(r.caps, r.count);
        if (r.anonymous) (void)destroy_caps(r.caps, r.count);  // the pages are gone with them
        heap::free(r.caps);
        return {HELIOS_ENONE, 0};
    }
    return {HELIOS_EINVALID_PARAM, 0};
}

size_t region_count() {
    return g_region_count;
}

}  // namespace helios::vm
