// assert_failed: formats a broken invariant and hands it to the arch's panic.
#include "lib/assert.h"

#include "arch/arch.h"
#include "lib/line_buffer.h"

namespace helios {

void assert_failed(const char* expression, const char* file, int line) {
    LineBuffer message;
    message.put("kernel assertion failed: ").put(expression).put(" at ").put(file).put(":").put_dec(
        static_cast<uint64_t>(line));
    arch::panic(message.data(), message.size());
}

}  // namespace helios
