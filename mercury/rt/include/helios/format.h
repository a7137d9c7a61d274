// A tiny freestanding printf-style formatter (header-only) for user programs.
#ifndef HELIOS_RT_FORMAT_H
#define HELIOS_RT_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

namespace helios {

// Formats fmt with ap, passing each output character to put(char). Supported:
// %d %i %u %x %X %o %c %s %p %%, with flags '-' and '0', a width (digits or
// '*'), and length modifiers hh h l ll z j t (so %lx, %lu, %zu, %llx). No
// floating point. %s of a null pointer prints "(null)". An unknown conversion
// is printed as written.
template <class Put>
void format_to(Put&& put, const char* fmt, va_list ap) {
    for (const char* p = fmt; *p != '\0'; ++p) {
        if (*p != '%') {
            put(*p);
            continue;
        }
        const char* start = p++;
        bool left = false;
        bool zero = false;
        for (;; ++p) {
            if (*p == '-') left = true;
            else if (*p == '0') zero = true;
            else break;
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = true;
                width = -width;
            }
            ++p;
        } else {
            while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
        }
        int longs = 0;  // 0: int, 1: long, 2: long long / size_t / intmax_t
        while (*p == 'l' || *p == 'h' || *p == 'z' || *p == 'j' || *p == 't') {
            if (*p == 'l') ++longs;
            else if (*p != 'h') longs = 2;
            ++p;
        }
        char buf[24];  // 22 octal digits for 64 bits
        const char* text = buf;
        size_t len = 0;
        bool negative = false;
        bool numeric = true;
        uint64_t value = 0;
        unsigned base = 10;
        bool upper = false;
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = longs == 0 ? va_arg(ap, int) : longs == 1 ? va_arg(ap, long) : va_arg(ap, long long);
            negative = v < 0;
            value = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            value = longs == 0   ? va_arg(ap, unsigned)
                    : longs == 1 ? va_arg(ap, unsigned long)
                                 : va_arg(ap, unsigned long long);
            base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
            upper = *p == 'X';
            break;
        case 'p':
            value = reinterpret_cast<uintptr_t>(va_arg(ap, void*));
            base = 16;
            put('0');
            put('x');
            break;
        case 'c':
            buf[0] = static_cast<char>(va_arg(ap, int));
            len = 1;
            numeric = false;
            break;
        case 's':
            text = va_arg(ap, const char*);
            if (text == nullptr) text = "(null)";
            while (text[len] != '\0') ++len;
            numeric = false;
            zero = false;
            break;
        case '%': put('%'); continue;
        default:  // unknown, or a lone '%' at the end: print as written
            for (const char* q = start; q <= p && *q != '\0'; ++q) put(*q);
            if (*p == '\0') return;
            continue;
        }
        if (numeric) {
            char* end = buf + sizeof buf;
            char* d = end;
            do {
                unsigned digit = static_cast<unsigned>(value % base);
                *--d = static_cast<char>(digit < 10 ? '0' + digit : (upper ? 'A' : 'a') + digit - 10);
                value /= base;
            } while (value != 0);
            text = d;
            len = static_cast<size_t>(end - d);
        }
        size_t total = len + (negative ? 1 : 0);
        size_t pad = width > 0 && static_cast<size_t>(width) > total ? static_cast<size_t>(width) - total : 0;
        if (!left && !zero)
            for (; pad > 0; --pad) put(' ');
        if (negative) put('-');
        if (!left && zero)
            for (; pad > 0; --pad) put('0');
        for (size_t i = 0; i < len; ++i) put(text[i]);
        for (; pad > 0; --pad) put(' ');
    }
}

// Formats into out[0, cap), always NUL-terminated when cap > 0. Returns the
// length of the whole output (excluding the NUL); >= cap means truncated.
inline size_t vformat(char* out, size_t cap, const char* fmt, va_list ap) {
    size_t n = 0;
    format_to(
        [&](char c) {
            if (n + 1 < cap) out[n] = c;
            ++n;
        },
        fmt, ap);
    if (cap > 0) out[n < cap ? n : cap - 1] = '\0';
    return n;
}

// As vformat, with the arguments inline.
__attribute__((format(printf, 3, 4))) inline size_t format(char* out, size_t cap, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = vformat(out, cap, fmt, ap);
    va_end(ap);
    return n;
}

}  // namespace helios

#endif
