// The Mercury heap (helios/heap.h): boundary-tag first-fit allocator over pages mapped at vm::kHeapBase.
#include <helios/console.h>
#include <helios/heap.h>
#include <helios/invoke.h>
#include <helios/rt.h>
#include <helios/vm.h>

#include <new>

#include "lib/string.h"

namespace helios::heap {

namespace {

// Chunk layout (16-byte aligned; sizes are multiples of 16 and include the
// header): [prev_size][size | kInUse] payload... A free chunk keeps its
// free-list links in the payload. prev_size is the size of the chunk just
// below (0 for the first). The last 16 bytes of the heap are a sentinel
// header marked in use, so no chunk coalesces past the top.
struct Chunk {
    uint64_t prev_size;
    uint64_t size_flags;
    Chunk* next_free;  // free chunks only
    Chunk* prev_free;
};

constexpr uint64_t kInUse = 1;
constexpr uint64_t kHeader = 16;
constexpr uint64_t kMinChunk = 32;
constexpr size_t kGrowPages = 16;
constexpr size_t kMaxRequest = size_t{1} << 40;

uint64_t g_base = vm::kHeapBase;
uint64_t g_top = vm::kHeapBase;  // end of the mapped heap (sentinel just below, once grown)
Chunk* g_free = nullptr;         // doubly linked free list

uint64_t size_of(const Chunk* c) {
    return c->size_flags & ~uint64_t{15};
}
bool in_use(const Chunk* c) {
    return (c->size_flags & kInUse) != 0;
}
Chunk* at(uint64_t addr) {
    return reinterpret_cast<Chunk*>(addr);
}
uint64_t addr_of(const Chunk* c) {
    return reinterpret_cast<uint64_t>(c);
}
Chunk* next_of(const Chunk* c) {
    return at(addr_of(c) + size_of(c));
}
Chunk* sentinel() {
    return at(g_top - kHeader);
}

void list_remove(Chunk* c) {
    if (c->prev_free)
        c->prev_free->next_free = c->next_free;
    else
        g_free = c->next_free;
    if (c->next_free) c->next_free->prev_free = c->prev_free;
}

void list_push(Chunk* c) {
    c->prev_free = nullptr;
    c->next_free = g_free;
    if (g_free) g_free->prev_free = c;
    g_free = c;
}

void set_size(Chunk* c, uint64_t size, bool used) {
    c->size_flags = size | (used ? kInUse : 0);
    Chunk* n = next_of(c);
    n->prev_size = size;
}

// Makes c (not in the list) free, merging with free neighbours; returns the
// resulting chunk (in the list).
Chunk* release(Chunk* c) {
    uint64_t size = size_of(c);
    Chunk* n = next_of(c);
    if (!in_use(n)) {
        list_remove(n);
        size += size_of(n);
    }
    if (addr_of(c) != g_base && c->prev_size != 0) {
        Chunk* p = at(addr_of(c) - c->prev_size);
        if (!in_use(p)) {
            list_remove(p);
            size += size_of(p);
            c = p;
        }
    }
    set_size(c, size, false);
    list_push(c);
    return c;
}

[[noreturn]] void corrupt(const char* what, const void* p) {
    printf("[rt] heap: %s (%p); ending the task\n", what, p);
    rt::exit(-5);
}

// Maps at least `bytes` more (whole pages, at least kGrowPages) at the top.
bool grow(uint64_t bytes) {
    const vm::Self& s = vm::self();
    if (s.memory == HELIOS_CADDR_UNDEF || s.vspace == HELIOS_CADDR_UNDEF) return false;
    uint64_t pages = (bytes + kHeader + HELIOS_PAGE_SIZE - 1) / HELIOS_PAGE_SIZE;
    if (pages < kGrowPages) pages = kGrowPages;
    if (pages > (vm::kHeapLimit - g_top) / HELIOS_PAGE_SIZE) return false;
    uint64_t start = g_top;
    uint64_t mapped = 0;
    while (mapped < pages) {
        helios_caddr_t caps[HELIOS_MAX_CAPS];
        size_t n = pages - mapped < HELIOS_MAX_CAPS ? pages - mapped : HELIOS_MAX_CAPS;
        if (!vm::alloc_page_caps(s.memory, caps, n).ok()) break;
        size_t ok = 0;
        for (; ok < n; ++ok) {
            uint64_t va = start + (mapped + ok) * HELIOS_PAGE_SIZE;
            if (!vm::map_page(s.memory, s.vspace, caps[ok], va, HELIOS_MAP_WRITE).ok()) break;
        }
        if (ok < n) (void)vm::destroy_caps(caps + ok, n - ok);
        mapped += ok;
        if (ok < n) break;
    }
    if (mapped == 0) return false;  // a partial growth still helps smaller requests
    uint64_t added = mapped * HELIOS_PAGE_SIZE;
    Chunk* c;
    if (g_top == g_base) {
        // The first mapping: one free chunk and the sentinel.
        c = at(g_base);
        c->prev_size = 0;
        g_top = g_base + added;
        c->size_flags = added - kHeader;
    } else {
        // The old sentinel becomes the head of the new space.
        c = sentinel();
        g_top += added;
        c->size_flags = added;
    }
    Chunk* end = sentinel();
    end->prev_size = size_of(c);
    end->size_flags = kInUse;
    c->size_flags |= kInUse;  // release() expects a chunk not in the list
    release(c);
    return true;
}

Chunk* find_fit(uint64_t need) {
    for (Chunk* c = g_free; c; c = c->next_free)
        if (size_of(c) >= need) return c;
    return nullptr;
}

}  // namespace

void* alloc(size_t size) {
    if (size > kMaxRequest) return nullptr;
    uint64_t need = (size + kHeader + 15) & ~uint64_t{15};
    if (need < kMinChunk) need = kMinChunk;
    Chunk* c = find_fit(need);
    if (!c) {
        if (!grow(need)) return nullptr;
        c = find_fit(need);
        if (!c) return nullptr;
    }
    list_remove(c);
    uint64_t size_c = size_of(c);
    if (size_c - need >= kMinChunk) {
        set_size(c, need, true);
        Chunk* rest = next_of(c);
        rest->size_flags = kInUse;
        set_size(rest, size_c - need, true);
        release(rest);
    } else {
        set_size(c, size_c, true);
    }
    return reinterpret_cast<uint8_t*>(c) + kHeader;
}

void free(void* ptr) {
    if (!ptr) return;
    uint64_t a = reinterpret_cast<uint64_t>(ptr) - kHeader;
    if (a < g_base || a >= g_top || a % 16) corrupt("free of a pointer outside the heap", ptr);
    Chunk* c = at(a);
    if (!in_use(c) || c == sentinel()) corrupt("double free or corrupted chunk", ptr);
    release(c);
}

void* realloc(void* ptr, size_t size) {
    if (!ptr) return alloc(size);
    if (size == 0) {
        free(ptr);
        return nullptr;
    }
    Chunk* c = at(reinterpret_cast<uint64_t>(ptr) - kHeader);
    uint64_t have = size_of(c) - kHeader;
    if (have >= size) return ptr;
    void* fresh = alloc(size);
    if (!fresh) return nullptr;
    lib::copy(fresh, ptr, have);
    free(ptr);
    return fresh;
}

void* calloc(size_t count, size_t size) {
    uint64_t total;
    if (lib::mul_overflows(count, size, &total)) return nullptr;
    void* p = alloc(total);
    if (p) lib::fill(p, 0, total);
    return p;
}

Stats stats() {
    Stats s{};
    s.mapped = g_top - g_base;
    if (g_top == g_base) return s;
    for (Chunk* c = at(g_base); c != sentinel(); c = next_of(c)) {
        if (in_use(c)) {
            s.in_use += size_of(c);
            s.chunks++;
        } else {
            s.free += size_of(c);
            s.free_chunks++;
        }
    }
    return s;
}

bool check() {
    if (g_top == g_base) return g_free == nullptr;
    size_t free_seen = 0;
    uint64_t prev = 0;
    bool prev_free = false;
    for (Chunk* c = at(g_base);; c = next_of(c)) {
        uint64_t a = addr_of(c);
        if (a % 16 || a >= g_top) return false;
        if (c->prev_size != prev) return false;
        if (c == sentinel()) {
            size_t listed = 0;
            for (Chunk* f = g_free; f; f = f->next_free, ++listed)
                if (in_use(f) || addr_of(f) < g_base || addr_of(f) >= g_top) return false;
            return in_use(c) && size_of(c) == 0 && listed == free_seen;
        }
        uint64_t size = size_of(c);
        if (size < kMinChunk || a + size > g_top - kHeader) return false;
        if (!in_use(c)) {
            if (prev_free) return false;  // two free neighbours were not merged
            ++free_seen;
        }
        prev_free = !in_use(c);
        prev = size;
    }
}

}  // namespace helios::heap

namespace {
void* must_alloc(size_t size) {
    void* p = helios::heap::alloc(size);
    if (!p) {
        helios::printf("[rt] %s: out of memory (heap request of %zu bytes); ending the task\n",
                       helios::rt::bootinfo() ? "init" : "program", size);
        helios::rt::exit(-4);
    }
    return p;
}
}  // namespace

extern "C" {
void* malloc(size_t size) {
    return helios::heap::alloc(size);
}
void free(void* ptr) {
    helios::heap::free(ptr);
}
void* calloc(size_t count, size_t size) {
    return helios::heap::calloc(count, size);
}
void* realloc(void* ptr, size_t size) {
    return helios::heap::realloc(ptr, size);
}
}

void* operator new(size_t size) {
    return must_alloc(size);
}
void* operator new[](size_t size) {
    return must_alloc(size);
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
    return helios::heap::alloc(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    return helios::heap::alloc(size);
}
void operator delete(void* ptr) noexcept {
    helios::heap::free(ptr);
}
void operator delete[](void* ptr) noexcept {
    helios::heap::free(ptr);
}
void operator delete(void* ptr, size_t) noexcept {
    helios::heap::free(ptr);
}
void operator delete[](void* ptr, size_t) noexcept {
    helios::heap::free(ptr);
}
