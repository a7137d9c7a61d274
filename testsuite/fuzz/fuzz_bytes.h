// FuzzBytes: the fuzzer's input read as a stream of choices, zeros once it runs out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace helios::fuzz {

class FuzzBytes {
public:
    FuzzBytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    bool empty() const { return pos_ >= size_; }
    size_t remaining() const { return empty() ? 0 : size_ - pos_; }

    // The next 8 bytes (fewer at the end, zero-filled) as a number.
    uint64_t u64() {
        uint64_t v = 0;
        size_t n = remaining() < sizeof v ? remaining() : sizeof v;
        std::memcpy(&v, data_ + pos_, n);
        pos_ += n == 0 ? 1 : n;  // running out still moves on, so loops end
        return v;
    }
    uint8_t u8() { return empty() ? (pos_++, 0) : data_[pos_++]; }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

// A fuzz target found a bug the sanitizers cannot see (a broken invariant,
// a disagreement with an oracle): say what, then crash so libFuzzer keeps
// the input.
[[noreturn]] void finding(const char* what);

}  // namespace helios::fuzz
