// The out-of-line raw syscall with all six argument registers (helios::sys::raw).
#include <helios/syscall.h>

namespace helios::sys {

SysResult raw(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6) {
    return detail::syscall6(number, a1, a2, a3, a4, a5, a6);
}

}  // namespace helios::sys
