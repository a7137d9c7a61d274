// Small freestanding byte and C-string helpers (no libc).
#include "lib/string.h"

namespace helios::lib {

size_t length(const char* s) {
    size_t n = 0;
    while (s[n] != '\0') ++n;
    return n;
}

size_t length_bounded(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n] != '\0') ++n;
    return n;
}

int compare(const void* a, const void* b, size_t n) {
    auto* pa = static_cast<const uint8_t*>(a);
    auto* pb = static_cast<const uint8_t*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (pa[i] != pb[i]) return pa[i] < pb[i] ? -1 : 1;
    }
    return 0;
}

bool equal(const char* a, const char* b) {
    size_t i = 0;
    for (; a[i] != '\0' && b[i] != '\0'; ++i) {
        if (a[i] != b[i]) return false;
    }
    return a[i] == b[i];
}

bool equal(const char* s, size_t n, const char* z) {
    for (size_t i = 0; i < n; ++i) {
        if (z[i] == '\0' || z[i] != s[i]) return false;
    }
    return z[n] == '\0';
}

bool starts_with(const char* s, size_t n, const char* prefix) {
    for (size_t i = 0; prefix[i] != '\0'; ++i) {
        if (i >= n || s[i] != prefix[i]) return false;
    }
    return true;
}

void copy(void* dst, const void* src, size_t n) {
    auto* d = static_cast<uint8_t*>(dst);
    auto* s = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
}

void fill(void* dst, uint8_t value, size_t n) {
    auto* d = static_cast<uint8_t*>(dst);
    for (size_t i = 0; i < n; ++i) d[i] = value;
}

size_t copy_string(char* dst, size_t cap, const char* src) {
    size_t n = length(src);
    if (cap > 0) {
        size_t m = n < cap - 1 ? n : cap - 1;
        copy(dst, src, m);
        dst[m] = '\0';
    }
    return n;
}

}  // namespace helios::lib
