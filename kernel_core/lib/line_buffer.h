// LineBuffer: a fixed-size text builder for kernel log lines (no heap).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace helios {

class LineBuffer {
public:
    LineBuffer& put(const char* s) {
        while (*s) putc(*s++);
        return *this;
    }
    LineBuffer& put_dec(uint64_t v) {
        char tmp[20];
        int n = 0;
        do {
            tmp[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v);
        while (n) putc(tmp[--n]);
        return *this;
    }
    LineBuffer& put_hex(uint64_t v) {
        put("0x");
        bool started = false;
        for (int shift = 60; shift >= 0; shift -= 4) {
            unsigned d = (v >> shift) & 0xF;
            if (d || started || shift == 0) {
                putc("0123456789abcdef"[d]);
                started = true;
            }
        }
        return *this;
    }
    void putc(char c) {
        if (len_ < sizeof(buf_)) buf_[len_++] = c;
    }
    const char* data() const { return buf_; }
    size_t size() const { return len_; }

private:
    char buf_[192];
    size_t len_ = 0;
};

}  // namespace helios
