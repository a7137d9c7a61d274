// Inline Helios syscall stubs, one per HELIOS_SYSCALLS entry, generated from the ABI table.
#ifndef HELIOS_RT_SYSCALL_H
#define HELIOS_RT_SYSCALL_H

#include <helios/abi.h>
#include <helios/pp.h>
#include <stdint.h>

namespace helios::sys {

// What every syscall returns: status in rax (a helios_error, 0 = success)
// and a second value in rdx whose meaning depends on the call.
struct SysResult {
    uint64_t status;
    uint64_t value;

    [[nodiscard]] constexpr bool ok() const { return status == HELIOS_ENONE; }
};

// The raw trap. Arguments go in rdi, rsi, rdx, r10, r8, r9 (r10, not rcx:
// `syscall` overwrites rcx and r11). The ABI preserves every register except
// rax, rdx (results), rcx and r11.
namespace detail {
inline SysResult syscall0(uint64_t n) {
    uint64_t rax = n, rdx;
    asm volatile("syscall" : "+a"(rax), "=d"(rdx) : : "rcx", "r11", "memory");
    return {rax, rdx};
}
inline SysResult syscall1(uint64_t n, uint64_t a1) {
    uint64_t rax = n, rdx;
    asm volatile("syscall" : "+a"(rax), "=d"(rdx) : "D"(a1) : "rcx", "r11", "memory");
    return {rax, rdx};
}
inline SysResult syscall2(uint64_t n, uint64_t a1, uint64_t a2) {
    uint64_t rax = n, rdx;
    asm volatile("syscall" : "+a"(rax), "=d"(rdx) : "D"(a1), "S"(a2) : "rcx", "r11", "memory");
    return {rax, rdx};
}
inline SysResult syscall3(uint64_t n, uint64_t a1, uint64_t a2, uint64_t a3) {
    uint64_t rax = n, rdx = a3;
    asm volatile("syscall" : "+a"(rax), "+d"(rdx) : "D"(a1), "S"(a2) : "rcx", "r11", "memory");
    return {rax, rdx};
}
inline SysResult syscall4(uint64_t n, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) {
    uint64_t rax = n, rdx = a3;
    register uint64_t r10 asm("r10") = a4;
    asm volatile("syscall" : "+a"(rax), "+d"(rdx) : "D"(a1), "S"(a2), "r"(r10) : "rcx", "r11", "memory");
    return {rax, rdx};
}
inline SysResult syscall5(uint64_t n, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
    uint64_t rax = n, rdx = a3;
    register uint64_t r10 asm("r10") = a4;
    register uint64_t r8 asm("r8") = a5;
    asm volatile("syscall"
                 : "+a"(rax), "+d"(rdx)
                 : "D"(a1), "S"(a2), "r"(r10), "r"(r8)
                 : "rcx", "r11", "memory");
    return {rax, rdx};
}
inline SysResult syscall6(uint64_t n, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                          uint64_t a6) {
    uint64_t rax = n, rdx = a3;
    register uint64_t r10 asm("r10") = a4;
    register uint64_t r8 asm("r8") = a5;
    register uint64_t r9 asm("r9") = a6;
    asm volatile("syscall"
                 : "+a"(rax), "+d"(rdx)
                 : "D"(a1), "S"(a2), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    return {rax, rdx};
}
}  // namespace detail

// Any syscall number with all six argument registers set, for callers that
// pick the number at run time (tests of invalid numbers, tracers). Out of line
// in the rt library.
SysResult raw(uint64_t number, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
              uint64_t a5 = 0, uint64_t a6 = 0);

// ---- Generated stubs: `SysResult name(uint64_t arg...)` for each row of
// HELIOS_SYSCALLS, e.g. writecons(addr, len), send(cap, tag), exit(status).
#define HELIOS_SYS_STUB_(num, name, nargs, args, doc)                                      \
    inline SysResult name(HELIOS_PP_U64_PARAMS(args)) {                                   \
        return detail::HELIOS_PP_CAT(syscall, nargs)(HELIOS_SYS_##name HELIOS_PP_COMMA_ARGS(args)); \
    }
HELIOS_SYSCALLS(HELIOS_SYS_STUB_)
#undef HELIOS_SYS_STUB_

// Each generated stub takes exactly the table's argument count.
#define HELIOS_SYS_CHECK_(num, name, nargs, args, doc)                                    \
    static_assert(nargs == HELIOS_PP_NARGS(HELIOS_PP_UNPAREN args) && nargs <= 6,          \
                  "syscall " #name ": argument count disagrees with its names, or above 6");
HELIOS_SYSCALLS(HELIOS_SYS_CHECK_)
#undef HELIOS_SYS_CHECK_

}  // namespace helios::sys

namespace helios {
// The one result type of user code, also reachable as helios::SysResult (the
// same type under the same name, not an alias; the kernel's own result is
// helios::Result<T> in kernel_core/lib/result.h, never seen by user code).
using sys::SysResult;
}  // namespace helios

#endif
