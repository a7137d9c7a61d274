// PhysAllocator: hands out physical frames, sparse or contiguous, and frees them.
#pragma once

#include "lib/result.h"

#include <stdint.h>

namespace helios {

// A bitmap allocator over one range of frames. A set bit is a used frame.
// Deterministic: always the lowest free frame (or run) at or after a rotating
// hint, so two runs allocate identically.
class PhysAllocator {
public:
    // bitmap: zeroed storage for ceil(frames / 64) words, owned by the caller.
    void init(uint64_t first_frame, uint64_t frames, uint64_t* bitmap);

    // One frame anywhere.
    Result<uint64_t> alloc_one();
    // `count` physically consecutive frames; returns the first.
    Result<uint64_t> alloc_contiguous(uint64_t count);
    // Return frames [frame, frame + count). Precondition: they were allocated.
    void free(uint64_t frame, uint64_t count);
    // Mark frames used (boot reservations). Precondition: in range.
    void reserve(uint64_t frame, uint64_t count);

    uint64_t free_frames() const { return free_; }
    uint64_t total_frames() const { return frames_; }
    uint64_t first_frame() const { return first_; }
    bool is_used(uint64_t frame) const;

private:
    bool test(uint64_t index) const { return bitmap_[index / 64] & (1ull << (index % 64)); }
    void set(uint64_t index) { bitmap_[index / 64] |= 1ull << (index % 64); }
    void clear(uint64_t index) { bitmap_[index / 64] &= ~(1ull << (index % 64)); }

    uint64_t first_ = 0;
    uint64_t frames_ = 0;
    uint64_t free_ = 0;
    uint64_t* bitmap_ = nullptr;
};

}  // namespace helios
