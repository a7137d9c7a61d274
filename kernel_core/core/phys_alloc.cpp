// PhysAllocator: a first-fit bitmap allocator, word at a time.
#include "core/phys_alloc.h"

namespace helios {

void PhysAllocator::init(uint64_t first_frame, uint64_t frames, uint64_t* bitmap) {
    first_ = first_frame;
    frames_ = frames;
    free_ = frames;
    bitmap_ = bitmap;
    for (uint64_t i = 0; i < (frames + 63) / 64; ++i) bitmap_[i] = 0;
    // Bits past the end of the range stay permanently "used".
    for (uint64_t i = frames; i < (frames + 63) / 64 * 64; ++i) set(i);
}

bool PhysAllocator::is_used(uint64_t frame) const {
    if (frame < first_ || frame >= first_ + frames_) return true;
    return test(frame - first_);
}

Result<uint64_t> PhysAllocator::alloc_one() {
    if (free_ == 0) return Error::NOMEM;
    uint64_t words = (frames_ + 63) / 64;
    for (uint64_t w = 0; w < words; ++w) {
        if (bitmap_[w] == ~0ull) continue;
        uint64_t bit = static_cast<uint64_t>(__builtin_ctzll(~bitmap_[w]));
        uint64_t index = w * 64 + bit;
        set(index);
        free_--;
        return first_ + index;
    }
    return Error::NOMEM;
}

Result<uint64_t> PhysAllocator::alloc_contiguous(uint64_t count) {
    if (count == 0) return Error::INVALID_PARAM;
    if (count == 1) return alloc_one();
    if (count > free_) return Error::NOMEM;
    uint64_t run = 0;
    for (uint64_t i = 0; i < frames_; ++i) {
        if (test(i)) {
            run = 0;
            // Skip whole used words quickly.
            if (i % 64 == 0 && bitmap_[i / 64] == ~0ull) i += 63;
            continue;
        }
        if (++run == count) {
            uint64_t start = i + 1 - count;
            for (uint64_t j = start; j <= i; ++j) set(j);
            free_ -= count;
            return first_ + start;
        }
    }
    return Error::NOMEM;
}

void PhysAllocator::free(uint64_t frame, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t index = frame - first_ + i;
        if (index < frames_ && test(index)) {
            clear(index);
            free_++;
        }
    }
}

void PhysAllocator::reserve(uint64_t frame, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t index = frame - first_ + i;
        if (index < frames_ && !test(index)) {
            set(index);
            free_--;
        }
    }
}

}  // namespace helios
