// The in-memory character backend.
#include "sim/devices/buffer_backend.h"

#include <algorithm>
#include <cstring>

namespace helios::sim {

void BufferBackend::push_input(const uint8_t* data, size_t len)
{
    input_.append(reinterpret_cast<const char*>(data), len);
}

std::string BufferBackend::take_output()
{
    std::string out;
    out.swap(output_);
    return out;
}

void BufferBackend::write(const uint8_t* data, size_t len)
{
    output_.append(reinterpret_cast<const char*>(data), len);
}

size_t BufferBackend::read(uint8_t* buf, size_t max)
{
    const size_t n = std::min(max, pending_input());
    if (n > 0) {
        std::memcpy(buf, input_.data() + input_pos_, n);
    }
    input_pos_ += n;
    // Drop consumed input once all of it is read, so a long-lived buffer
    // does not grow without bound.
    if (input_pos_ == input_.size()) {
        input_.clear();
        input_pos_ = 0;
    }
    return n;
}

}  // namespace helios::sim
