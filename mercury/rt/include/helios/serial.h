// The serial device protocol (drivers/serial): labels, message layout and client helpers. See docs/serial-protocol.md.
#ifndef HELIOS_RT_SERIAL_H
#define HELIOS_RT_SERIAL_H

#include <helios/abi.h>
#include <helios/ipc.h>
#include <stddef.h>
#include <stdint.h>

// One endpoint per serial port; every request is a `call` on it.
//
//   label                 request params                reply (label = status)
//   read                  [0] max bytes (<= kMaxData)    [0] n, [1..] n bytes
//   write                 [0] n, [1..] n bytes           [0] bytes accepted
//   get_baud              -                              [0] bits per second
//   set_baud              [0] bits per second            -
//   get_charlen / set     [0] 5..8                       [0] / -
//   get_stopbits / set    [0] 1 or 2                     [0] / -
//   get_parity / set      [0] a Parity                   [0] / -
//
// Bytes are packed little-endian into consecutive u64 parameters from
// params[1] (8 per parameter), so one message carries up to kMaxData = 504
// bytes. The reply's label is HELIOS_ENONE or a helios_error: INVALID_PARAM
// (bad length or setting), BUSY (another read or write of this port is
// already waiting), INVALID_SYSCALL (unknown label).
//
// read answers at once with what is buffered (1..max bytes); with nothing
// buffered it answers when bytes arrive. write accepts what fits in the
// transmit ring and answers at once; with the ring full it answers when
// room appears, so write never returns 0 for a non-empty buffer.
namespace helios::serial {

// Labels follow ipcgen: interface id (32-bit FNV-1a of "dev::serial") << 16
// | method number, methods counted from 1.
constexpr uint64_t fnv1a32(const char* s) {
    uint32_t h = 2166136261u;
    for (; *s; ++s) h = (h ^ static_cast<uint8_t>(*s)) * 16777619u;
    return h;
}
inline constexpr uint64_t kInterface = fnv1a32("dev::serial");

enum Method : uint64_t {
    kRead = 1,
    kWrite,
    kGetBaud,
    kSetBaud,
    kGetCharlen,
    kSetCharlen,
    kGetStopbits,
    kSetStopbits,
    kGetParity,
    kSetParity,
};

constexpr uint64_t label(uint64_t method) {
    return kInterface << 16 | method;
}
constexpr uint64_t method_of(uint64_t label) {
    return (label >> 16) == kInterface ? (label & 0xFFFF) : 0;
}

inline constexpr size_t kMaxData = (HELIOS_MAX_PARAMS - 1) * 8;

enum class Parity : uint64_t { none = 0, odd = 1, even = 2, mark = 3, space = 4 };

// Packs data[0, n) into params starting at params[first] (n <= kMaxData);
// returns the number of parameters used.
inline size_t pack(uint64_t* params, size_t first, const void* data, size_t n) {
    auto* out = reinterpret_cast<uint8_t*>(params + first);
    auto* in = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) out[i] = in[i];
    size_t words = (n + 7) / 8;
    for (size_t i = n; i < words * 8; ++i) out[i] = 0;
    return words;
}

inline void unpack(const uint64_t* params, size_t first, void* data, size_t n) {
    auto* in = reinterpret_cast<const uint8_t*>(params + first);
    auto* out = static_cast<uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) out[i] = in[i];
}

namespace detail {
// status: the IPC error, else the reply's label; value = params[0].
inline SysResult finish(SysResult r) {
    if (!r.ok()) return r;
    uint64_t status = HELIOS_TAG_LABEL(r.value);
    if (status != HELIOS_ENONE) return {status, 0};
    return {HELIOS_ENONE, HELIOS_TAG_NPARAMS(r.value) > 0 ? ipcbuf()->params[0] : 0};
}
}  // namespace detail

// One write call: value = bytes accepted (at most kMaxData per call).
inline SysResult write(helios_caddr_t ep, const void* data, size_t len) {
    helios_ipcbuf* b = ipcbuf();
    if (!b) return {HELIOS_EINVALID_PARAM, 0};
    if (len > kMaxData) len = kMaxData;
    b->params[0] = len;
    size_t words = pack(b->params, 1, data, len);
    return detail::finish(sys::call(ep, HELIOS_TAG(label(kWrite), 0, 1 + words)));
}

// Writes everything (as many calls as needed); value = len on success.
inline SysResult write_all(helios_caddr_t ep, const void* data, size_t len) {
    auto* p = static_cast<const uint8_t*>(data);
    size_t done = 0;
    while (done < len) {
        SysResult r = write(ep, p + done, len - done);
        if (!r.ok()) return {r.status, done};
        done += r.value;
    }
    return {HELIOS_ENONE, done};
}

// One read call: waits for at least one byte; value = bytes stored in buf.
inline SysResult read(helios_caddr_t ep, void* buf, size_t max) {
    if (max > kMaxData) max = kMaxData;
    SysResult r = detail::finish(call(ep, label(kRead), {max}));
    if (!r.ok()) return r;
    size_t n = r.value <= max ? r.value : max;
    unpack(ipcbuf()->params, 1, buf, n);
    return {HELIOS_ENONE, n};
}

// get_* (value = the setting) and set_* requests.
inline SysResult get(helios_caddr_t ep, Method m) {
    return detail::finish(call(ep, label(m), {}));
}
inline SysResult set(helios_caddr_t ep, Method m, uint64_t value) {
    return detail::finish(call(ep, label(m), {value}));
}

}  // namespace helios::serial

#endif
