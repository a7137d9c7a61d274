// Small freestanding byte and C-string helpers shared by the kernel core and userspace.
#ifndef HELIOS_LIB_STRING_H
#define HELIOS_LIB_STRING_H

#include <stddef.h>
#include <stdint.h>

// Include this file as "lib/string.h" with kernel_core/ on the include path;
// never put kernel_core/lib itself on the path (it would shadow <string.h>).

namespace helios::lib {

// Number of bytes before the first NUL of s. s must be NUL-terminated.
[[nodiscard]] size_t length(const char* s);

// Number of bytes before the first NUL of s, looking at no more than max bytes.
[[nodiscard]] size_t length_bounded(const char* s, size_t max);

// Lexicographic comparison of n bytes as unsigned values: <0, 0 or >0.
[[nodiscard]] int compare(const void* a, const void* b, size_t n);

// True when the n bytes at a and b are equal.
[[nodiscard]] inline bool equal(const void* a, const void* b, size_t n) { return compare(a, b, n) == 0; }

// True when the NUL-terminated strings a and b are equal.
[[nodiscard]] bool equal(const char* a, const char* b);

// True when the byte range [s, s + n) equals the NUL-terminated string z.
[[nodiscard]] bool equal(const char* s, size_t n, const char* z);

// True when [s, s + n) begins with the NUL-terminated string prefix.
[[nodiscard]] bool starts_with(const char* s, size_t n, const char* prefix);

// Copies n bytes from src to dst; the ranges must not overlap.
void copy(void* dst, const void* src, size_t n);

// Sets n bytes at dst to value.
void fill(void* dst, uint8_t value, size_t n);

// Copies the NUL-terminated src into dst[0, cap), always NUL-terminating when
// cap > 0. Returns length(src): a result >= cap means the copy was truncated.
size_t copy_string(char* dst, size_t cap, const char* src);

// Overflow-checked a + b into *out; returns true when it overflowed.
[[nodiscard]] inline bool add_overflows(uint64_t a, uint64_t b, uint64_t* out) {
    return __builtin_add_overflow(a, b, out);
}

// Overflow-checked a * b into *out; returns true when it overflowed.
[[nodiscard]] inline bool mul_overflows(uint64_t a, uint64_t b, uint64_t* out) {
    return __builtin_mul_overflow(a, b, out);
}

// True when [offset, offset + len) lies inside [0, size) without overflow.
[[nodiscard]] inline bool range_inside(uint64_t offset, uint64_t len, uint64_t size) {
    return offset <= size && len <= size - offset;
}

}  // namespace helios::lib

#endif
