// Helpers shared by the hostile guest programs: the canary path, supervised probes, pages placed into other vspaces,
// 32-bit code.
#ifndef HELIOS_SECURITY_GUEST_ATTACK_H
#define HELIOS_SECURITY_GUEST_ATTACK_H

#include "../../system/guest/common.h"

namespace attack {

// Where a page is mapped in our own vspace while we fill it for another vspace.
constexpr uint64_t kStagingAddr = 0x3F000000;

// The canary: word 0 of the command line, a host path that must never be
// created. Copied into out (NUL-terminated, at most cap bytes).
inline void canary_path(char* out, size_t cap) {
    if (!systest::cmdline_word(0, out, cap)) {
        const char fallback[] = "/tmp/helios-security-canary";
        size_t i = 0;
        for (; i + 1 < cap && fallback[i] != '\0'; ++i) out[i] = fallback[i];
        out[i] = '\0';
    }
}

inline void copy_bytes(void* dst, const void* src, size_t n) {
    auto* d = static_cast<volatile uint8_t*>(dst);
    const auto* s = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
}

// Allocates a page, fills it through a temporary mapping in our own vspace
// (a page is mapped in one place at a time), then maps it at vaddr in
// vspace with flags. Returns the page capability.
template <typename Fill>
helios_caddr_t place_page(const char* prog, helios_caddr_t vspace, uint64_t vaddr, uint64_t flags, Fill fill) {
    helios_caddr_t page = systest::map_new_page(prog, kStagingAddr);
    fill(reinterpret_cast<uint8_t*>(kStagingAddr));
    systest::expect_ok(prog, "unmap the staging page", helios::page_unmap(page));
    systest::expect_ok(prog, "map the page into the target vspace",
                       helios::map_page(HELIOS_INIT_CAP_MEMORY, vspace, page, vaddr, flags));
    return page;
}

// Writes x86 machine code byte by byte. The encodings used here are the same
// in 32- and 64-bit mode unless the name says otherwise.
class Code {
public:
    explicit Code(uint8_t* at) : p_(at) {}
    Code& byte(uint8_t b) {
        *p_++ = b;
        return *this;
    }
    Code& imm32(uint32_t v) {
        for (int i = 0; i < 4; ++i) byte(static_cast<uint8_t>(v >> (8 * i)));
        return *this;
    }
    Code& mov_eax(uint32_t v) { return byte(0xB8).imm32(v); }
    Code& mov_ebx(uint32_t v) { return byte(0xBB).imm32(v); }
    Code& mov_ecx(uint32_t v) { return byte(0xB9).imm32(v); }
    Code& mov_edx(uint32_t v) { return byte(0xBA).imm32(v); }
    Code& mov_edi(uint32_t v) { return byte(0xBF).imm32(v); }
    Code& int80() { return byte(0xCD).byte(0x80); }
    Code& syscall() { return byte(0x0F).byte(0x05); }
    Code& sysenter() { return byte(0x0F).byte(0x34); }
    Code& hlt() { return byte(0xF4); }
    Code& spin() { return byte(0xEB).byte(0xFE); }  // jmp $
    // 64-bit mode: far return to cs:eip (push cs; mov eax, eip; push rax; lretq).
    Code& far_return64(uint8_t cs, uint32_t eip) {
        return byte(0x6A).byte(cs).mov_eax(eip).byte(0x50).byte(0x48).byte(0xCB);
    }

private:
    uint8_t* p_;
};

// Label of the message a probe worker sends when its probe returned.
constexpr uint64_t kLabelReturned = 0x80;

// One probe run in a supervised worker thread of our own vspace: the worker
// calls fn(arg); if it returns, the worker sends its value (params[0]) to
// the supervisor; if it faults, the supervisor gets the fault. Either way
// the worker is destroyed afterwards, so the next probe starts clean.
struct Outcome {
    bool faulted = false;
    uint64_t kind = 0;   // fault kind
    uint64_t addr = 0;   // fault address
    uint64_t value = 0;  // the probe's return value
};

namespace detail {
inline helios_caddr_t g_probe_ep = 0;
inline uint64_t (*g_probe_fn)(uint64_t) = nullptr;
// The value travels in memory, not in the worker's IPC buffer: the worker
// has no TLS, so helios::ipcbuf() (a thread-local lookup) is not for it.
inline volatile uint64_t g_probe_value = 0;

extern "C" [[noreturn]] inline void probe_worker(uint64_t arg) {
    g_probe_value = g_probe_fn(arg);
    (void)helios::sys::send(g_probe_ep, HELIOS_TAG(kLabelReturned, 0, 0));
    for (;;) (void)helios::sys::yield();
}
}  // namespace detail

// Runs fn(arg) as described above; `index` picks a fresh stack and IPC
// buffer region (0x10000000 + index MiB) for each probe.
inline Outcome probe(const char* prog, unsigned index, uint64_t (*fn)(uint64_t), uint64_t arg) {
    if (detail::g_probe_ep == 0) detail::g_probe_ep = systest::make(prog, HELIOS_CT_ENDPOINT, "allocate endpoint");
    detail::g_probe_fn = fn;
    systest::Thread t = systest::start_thread(prog, 0x10000000 + uint64_t{index} * 0x100000, detail::probe_worker, arg,
                                              detail::g_probe_ep, index);
    helios::SysResult got = helios::sys::recv(detail::g_probe_ep);
    systest::expect_ok(prog, "recv from the probe worker", got);
    Outcome o;
    const uint64_t* p = helios::ipcbuf()->params;
    if (HELIOS_TAG_LABEL(got.value) == HELIOS_LABEL_FAULT) {
        o.faulted = true;
        o.kind = p[HELIOS_FAULT_P_KIND];
        o.addr = p[HELIOS_FAULT_P_ADDR];
    } else {
        o.value = detail::g_probe_value;
    }
    systest::expect_ok(prog, "destroy the probe worker", helios::cspace_destroy(HELIOS_INIT_CAP_CSPACE, t.task));
    return o;
}

inline const char* fault_name(uint64_t kind) {
    switch (kind) {
        case HELIOS_FAULT_PAGE: return "PAGE";
        case HELIOS_FAULT_GENERAL_PROTECTION: return "GENERAL_PROTECTION";
        case HELIOS_FAULT_INVALID_OPCODE: return "INVALID_OPCODE";
        case HELIOS_FAULT_DIVIDE: return "DIVIDE";
        case HELIOS_FAULT_BREAKPOINT: return "BREAKPOINT";
        case HELIOS_FAULT_IOPORT: return "IOPORT";
        case HELIOS_FAULT_DEBUG: return "DEBUG";
        case HELIOS_FAULT_INJECTED: return "INJECTED";
        default: return "?";
    }
}

// Prints "<prog>: <what> -> fault KIND addr A" or "-> returned V": one line
// per probe, which the host test records.
inline void report(const char* prog, const char* what, const Outcome& o) {
    if (o.faulted)
        helios::printf("%s: %s -> fault %s addr 0x%lx\n", prog, what, fault_name(o.kind),
                       static_cast<unsigned long>(o.addr));
    else
        helios::printf("%s: %s -> returned 0x%lx\n", prog, what, static_cast<unsigned long>(o.value));
}

// Parses a hexadecimal number (optional 0x); false if it is not one.
inline bool parse_hex(const char* s, uint64_t& out) {
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
    if (*s == '\0') return false;
    uint64_t v = 0;
    for (; *s != '\0'; ++s) {
        char c = *s;
        uint64_t d = c >= '0' && c <= '9'   ? static_cast<uint64_t>(c - '0')
                     : c >= 'a' && c <= 'f' ? static_cast<uint64_t>(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? static_cast<uint64_t>(c - 'A' + 10)
                                            : 16;
        if (d == 16) return false;
        v = v << 4 | d;
    }
    out = v;
    return true;
}

}  // namespace attack

#endif
