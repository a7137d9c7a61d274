// The calling task's IPC buffer and message passing (send, call, reply) over it.
#ifndef HELIOS_RT_IPC_H
#define HELIOS_RT_IPC_H

#include <helios/abi.h>
#include <helios/syscall.h>
#include <stddef.h>
#include <stdint.h>

#include <initializer_list>

// Set by the runtime; see helios::ipcbuf(). helios_rt_ipcbuf serves while
// the program has no TLS; once its main thread has TLS (tls::setup_main),
// helios_rt_tls_active is set and each thread uses its own
// helios_rt_thread_ipcbuf (mercury/rt/tls.cpp).
extern "C" helios_ipcbuf* helios_rt_ipcbuf;
extern "C" bool helios_rt_tls_active;
extern "C" constinit thread_local helios_ipcbuf* helios_rt_thread_ipcbuf __attribute__((tls_model("local-exec")));

namespace helios {

// The calling task's IPC buffer, or null while unknown. The runtime sets it
// at start from the startup block whose address the loader passes in rdi:
// init's helios_bootinfo (its `ipcbuf` field). Programs started without one
// (rdi = 0), and thread code giving each thread its own buffer, call
// set_ipcbuf(). Per thread once the program has TLS (helios/threads.h).
[[nodiscard]] inline helios_ipcbuf* ipcbuf() {
    return helios_rt_tls_active ? helios_rt_thread_ipcbuf : helios_rt_ipcbuf;
}

// Records the calling task's IPC buffer address (see ipcbuf()).
inline void set_ipcbuf(helios_ipcbuf* buffer) {
    if (helios_rt_tls_active) helios_rt_thread_ipcbuf = buffer;
    else helios_rt_ipcbuf = buffer;
}

// Message parameters for params[] of the IPC buffer: a braced list
// `{a, b}` (valid for the full expression it appears in) or pointer + count.
class Params {
public:
    constexpr Params() = default;
    // Keeps the list object itself (not list.begin()): the array behind it
    // lives until the end of the caller's full expression.
    constexpr Params(std::initializer_list<uint64_t> list) : list_(list), data_(nullptr), size_(list.size()) {}
    constexpr Params(const uint64_t* data, size_t size) : data_(data), size_(size) {}
    [[nodiscard]] constexpr const uint64_t* data() const { return data_ != nullptr ? data_ : list_.begin(); }
    [[nodiscard]] constexpr size_t size() const { return size_; }

private:
    std::initializer_list<uint64_t> list_{};
    const uint64_t* data_ = nullptr;
    size_t size_ = 0;
};

// Capability addresses for caps[] of the IPC buffer. A braced list `{a, b}`
// is input only. An array or pointer + count is also output: after a
// successful operation the kernel's written-back caddrs (e.g. slots it chose
// for HELIOS_CADDR_UNDEF) are copied back into it.
class Caps {
public:
    constexpr Caps() = default;
    constexpr Caps(std::initializer_list<helios_caddr_t> list) : list_(list), size_(list.size()) {}
    constexpr Caps(helios_caddr_t* inout, size_t size) : out_(inout), size_(size) {}
    template <size_t N>
    constexpr Caps(helios_caddr_t (&inout)[N]) : out_(inout), size_(N) {}
    [[nodiscard]] constexpr const helios_caddr_t* data() const { return out_ != nullptr ? out_ : list_.begin(); }
    [[nodiscard]] constexpr helios_caddr_t* out() const { return out_; }
    [[nodiscard]] constexpr size_t size() const { return size_; }

private:
    std::initializer_list<helios_caddr_t> list_{};
    helios_caddr_t* out_ = nullptr;
    size_t size_ = 0;
};

namespace detail {
// Copies params and caps into the IPC buffer; false when there is no buffer
// or too many of either.
inline bool load_ipcbuf(const Params& params, const Caps& caps) {
    if (params.size() > HELIOS_MAX_PARAMS || caps.size() > HELIOS_MAX_CAPS) return false;
    if (params.size() == 0 && caps.size() == 0) return true;
    helios_ipcbuf* buf = ipcbuf();
    if (buf == nullptr) return false;
    for (size_t i = 0; i < params.size(); ++i) buf->params[i] = params.data()[i];
    for (size_t i = 0; i < caps.size(); ++i) buf->caps[i] = caps.data()[i];
    return true;
}

inline void store_caps(const Caps& caps) {
    if (caps.out() == nullptr) return;
    for (size_t i = 0; i < caps.size(); ++i) caps.out()[i] = ipcbuf()->caps[i];
}

inline uint64_t tag(uint64_t label, const Params& params, const Caps& caps) {
    return HELIOS_TAG(label, caps.size(), params.size());
}
}  // namespace detail

// Sends (label, params, caps) to cap with the send syscall: an object
// invocation for kernel objects, a blocking send for endpoints. Returns
// INVALID_PARAM without trapping when the IPC buffer is unknown or the
// lists are too long. On success, output Caps receive the written-back caddrs.
inline SysResult invoke(helios_caddr_t cap, uint64_t label, Params params = {}, Caps caps = {}) {
    if (!detail::load_ipcbuf(params, caps)) return {HELIOS_EINVALID_PARAM, 0};
    SysResult r = sys::send(cap, detail::tag(label, params, caps));
    if (r.ok()) detail::store_caps(caps);
    return r;
}

// Sends (label, params, caps) on endpoint cap and waits for the reply:
// value is the reply tag; reply parameters and caps are in ipcbuf().
inline SysResult call(helios_caddr_t cap, uint64_t label, Params params = {}, Caps caps = {}) {
    if (!detail::load_ipcbuf(params, caps)) return {HELIOS_EINVALID_PARAM, 0};
    return sys::call(cap, detail::tag(label, params, caps));
}

// Answers the implicit reply with (label, params, caps).
inline SysResult reply(uint64_t label, Params params = {}, Caps caps = {}) {
    if (!detail::load_ipcbuf(params, caps)) return {HELIOS_EINVALID_PARAM, 0};
    return sys::reply(detail::tag(label, params, caps));
}

}  // namespace helios

#endif
