// memcpy, memmove, memset and memcmp for freestanding targets (user programs, x86_64 kernel).
//
// The compiler may emit calls to these four even in -ffreestanding code (struct
// copies, zero-initialisation), so every freestanding link needs them. Never
// link this file into a hosted program: it would replace the C library's.
#include <stddef.h>
#include <stdint.h>

// Keep GCC from recognising the loops below as memcpy/memset and compiling
// them into calls to themselves.
#if defined(__GNUC__) && !defined(__clang__)
#define HELIOS_NO_LOOP_IDIOMS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define HELIOS_NO_LOOP_IDIOMS
#endif

extern "C" {

// Copies n bytes from src to dst; the ranges must not overlap. Returns dst.
HELIOS_NO_LOOP_IDIOMS void* memcpy(void* __restrict dst, const void* __restrict src, size_t n) {
#if defined(__x86_64__)
    void* d = dst;
    asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
#else
    auto* d = static_cast<uint8_t*>(dst);
    auto* s = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
#endif
    return dst;
}

// Copies n bytes from src to dst; the ranges may overlap. Returns dst.
HELIOS_NO_LOOP_IDIOMS void* memmove(void* dst, const void* src, size_t n) {
    auto* d = static_cast<uint8_t*>(dst);
    auto* s = static_cast<const uint8_t*>(src);
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) return memcpy(dst, src, n);
    // Overlapping with dst above src: copy backwards.
    for (size_t i = n; i > 0; --i) d[i - 1] = s[i - 1];
    return dst;
}

// Sets n bytes at dst to (unsigned char)value. Returns dst.
HELIOS_NO_LOOP_IDIOMS void* memset(void* dst, int value, size_t n) {
#if defined(__x86_64__)
    void* d = dst;
    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(value) : "memory");
#else
    auto* d = static_cast<uint8_t*>(dst);
    for (size_t i = 0; i < n; ++i) d[i] = static_cast<uint8_t>(value);
#endif
    return dst;
}

// Compares n bytes as unsigned chars: <0, 0 or >0.
HELIOS_NO_LOOP_IDIOMS int memcmp(const void* a, const void* b, size_t n) {
    auto* pa = static_cast<const uint8_t*>(a);
    auto* pb = static_cast<const uint8_t*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (pa[i] != pb[i]) return pa[i] < pb[i] ? -1 : 1;
    }
    return 0;
}

}  // extern "C"
