// Virtual memory from userspace: the program's memory map, page mapping with page-table allocation, mmap-style helpers.
#ifndef HELIOS_RT_VM_H
#define HELIOS_RT_VM_H

#include <helios/abi.h>
#include <helios/ipc.h>
#include <stddef.h>
#include <stdint.h>

// The user virtual memory map (docs/memory-map.md has the whole table):
//
//   0x0000000000400000  program image (mercury/rt/user.ld)
//   0x0000100000000000  heap, grows up (helios/heap.h), at most 64 GiB
//   0x0000200000000000  mmap region: map_anonymous / map_caps, 1 TiB
//   0x0000700000000000  thread windows (helios/threads.h)
//   0x00007FF000000000  init only: the loader's scratch window
//   0x00007FFE00000000  init only: module 0 (the initramfs), read-only
//   HELIOS_PROC_STACK_TOP - 16 pages .. HELIOS_PROC_STACK_TOP: initial stack
//   HELIOS_PROCINFO_ADDR (init: HELIOS_INIT_BOOTINFO_ADDR)   read-only
//   HELIOS_PROC_IPCBUF_ADDR (init: HELIOS_INIT_IPCBUF_ADDR)  IPC buffer
//   HELIOS_USER_TOP
//
// Not thread-safe: callers with several threads serialise use themselves.
namespace helios::vm {

inline constexpr uint64_t kHeapBase = 0x0000100000000000ull;
inline constexpr uint64_t kHeapLimit = 0x0000101000000000ull;
inline constexpr uint64_t kMmapBase = 0x0000200000000000ull;
inline constexpr uint64_t kMmapLimit = 0x0000210000000000ull;
inline constexpr uint64_t kScratchBase = 0x00007FF000000000ull;
inline constexpr uint64_t kScratchLimit = 0x00007FF000200000ull;  // 2 MiB: one page table
inline constexpr uint64_t kInitModuleBase = 0x00007FFE00000000ull;

static_assert(kScratchLimit <= kInitModuleBase && kInitModuleBase < HELIOS_PROC_STACK_TOP);

// The capabilities the runtime maps with: a Memory to allocate pages and
// page tables from, the program's own VSpace, and its own CSpace (needed
// only to destroy capabilities; may be HELIOS_CADDR_UNDEF). Init uses its
// well-known caddrs; other programs the manifest's `_:memory`, `_:vspace =
// self` and `_:cspace = self` entries, found in the aux vector.
struct Self {
    helios_caddr_t memory = HELIOS_CADDR_UNDEF;
    helios_caddr_t vspace = HELIOS_CADDR_UNDEF;
    helios_caddr_t cspace = HELIOS_CADDR_UNDEF;
};

// Resolved on first use as described above.
[[nodiscard]] const Self& self();

// Overrides self() (a program whose manifest puts these at fixed slots).
void set_self(const Self& caps);

// Called with each page table map_page() allocates (type: HELIOS_CT_PDPT,
// PD or PT), e.g. to move its capability elsewhere.
using TableSink = void (*)(void* ctx, helios_caddr_t table, uint64_t type);

// Maps page into vspace at vaddr with HELIOS_MAP_* flags, allocating from
// memory and installing each page table MISSING_TABLES asks for (highest
// level first). The table capabilities land in automatically chosen slots
// of the caller's cspace and are reported to sink when given.
SysResult map_page(helios_caddr_t memory, helios_caddr_t vspace, helios_caddr_t page, uint64_t vaddr, uint64_t flags,
                   TableSink sink = nullptr, void* ctx = nullptr);

// Allocates count fresh zeroed pages from memory into out[0, count) (slots
// chosen by the kernel), in batches of HELIOS_MAX_CAPS. On failure nothing
// stays allocated when self().cspace is known.
SysResult alloc_page_caps(helios_caddr_t memory, helios_caddr_t* out, size_t count);

// Destroys capabilities of the caller's cspace (self().cspace), up to
// HELIOS_MAX_CAPS at a time. UNSUPPORTED when the cspace is unknown.
SysResult destroy_caps(const helios_caddr_t* caps, size_t count);

// mmap: count fresh zeroed pages from self().memory mapped with flags at a
// free place of the mmap region (a guard page apart from its neighbours).
// value = the address.
SysResult map_anonymous(size_t count, uint64_t flags = HELIOS_MAP_WRITE);

// Maps page capabilities the caller holds at consecutive addresses: at
// addr, or at a free place of the mmap region when addr is 0. value = the
// address. The capabilities stay the caller's (unmap() unmaps, never
// destroys them).
SysResult map_caps(const helios_caddr_t* pages, size_t count, uint64_t flags, uint64_t addr = 0);

// Undoes map_anonymous (unmaps and destroys the pages; without a known
// cspace they are only unmapped) or map_caps (unmaps). addr is the address
// they returned. INVALID_PARAM when nothing was mapped there.
SysResult unmap(uint64_t addr);

// Number of live map_anonymous / map_caps regions (for tests).
[[nodiscard]] size_t region_count();

}  // namespace helios::vm

#endif
