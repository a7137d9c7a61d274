// The Mercury heap: malloc/free over pages mapped at helios::vm::kHeapBase (and operator new/delete).
#ifndef HELIOS_RT_HEAP_H
#define HELIOS_RT_HEAP_H

#include <stddef.h>

// A first-fit allocator with boundary tags (neighbouring free chunks
// coalesce) over one contiguous region that grows upwards from
// vm::kHeapBase. It grows by at least 16 pages at a time, allocated from
// vm::self().memory and mapped through vm::self().vspace: init's own Memory,
// or the `_:memory` (with `_:vspace = self`) entries of a driver's
// manifest. Pages are never returned. Without those capabilities every
// allocation fails (null). Blocks are 16-byte aligned.
//
// Not thread-safe: programs with several threads serialise use themselves.
// operator new never returns null: out of memory it prints a message to the
// kernel console and ends the task (status -4).
namespace helios::heap {

[[nodiscard]] void* alloc(size_t size);
void free(void* ptr);
[[nodiscard]] void* realloc(void* ptr, size_t size);
[[nodiscard]] void* calloc(size_t count, size_t size);

struct Stats {
    size_t mapped;       // bytes of heap mapped so far
    size_t in_use;       // bytes in allocated chunks (headers included)
    size_t free;         // bytes in free chunks
    size_t chunks;       // allocated chunks
    size_t free_chunks;  // free chunks
};
[[nodiscard]] Stats stats();

// Walks the whole heap checking every boundary tag and the free list; false
// on any inconsistency (for tests).
[[nodiscard]] bool check();

}  // namespace helios::heap

extern "C" {
void* malloc(size_t size);
void free(void* ptr);
void* calloc(size_t count, size_t size);
void* realloc(void* ptr, size_t size);
}

#endif
