// The 16550 UART driver for the PC's COM1 (0x3F8, IRQ 4) and COM2 (0x2F8, IRQ 3), serving docs/serial-protocol.md.
#include <helios/console.h>
#include <helios/invoke.h>
#include <helios/ipc.h>
#include <helios/manifest.h>
#include <helios/portio.h>
#include <helios/serial.h>
#include <helios/syscall.h>

// Exactly what the driver uses: an endpoint per port (registered with init
// as serial devices 0 and 1), each UART's eight registers, and one
// notification for both IRQ lines. It cannot allocate memory, map pages or
// destroy capabilities.
HELIOS_MANIFEST(
    "[driver]\n"
    "name = serial\n"
    "desc = 16550 UART driver for COM1 and COM2\n"
    "[cspace]\n"
    "radix = 5\n"
    "[capabilities]\n"
    "# one endpoint per port, registered with init as serial devices 0 and 1\n"
    "0:serial\n"
    "1:serial\n"
    "2:ioport = min=3F8, max=3FF\n"
    "3:ioport = min=2F8, max=2FF\n"
    "4:note\n"
    "5:irq = irq=4, note=4\n"
    "6:irq = irq=3, note=4\n");

namespace {

namespace serial = helios::serial;
using helios::SysResult;

enum : helios_caddr_t {
    kCapCom1 = 0,
    kCapCom2 = 1,
    kCapNote = 4,
    kCapIrq4 = 5,
    kCapIrq3 = 6,
};

// 16550 registers (offsets from the base) and bits.
enum : uint16_t {
    kRbr = 0,
    kThr = 0,
    kDll = 0,
    kIer = 1,
    kDlm = 1,
    kIir = 2,
    kFcr = 2,
    kLcr = 3,
    kMcr = 4,
    kLsr = 5,
    kMsr = 6
};
constexpr uint8_t kIerRda = 0x01, kIerThre = 0x02;
constexpr uint8_t kIirNone = 0x01, kIirIdMask = 0x0E, kIirMsr = 0x00, kIirThre = 0x02, kIirRda = 0x04, kIirLsr = 0x06,
                  kIirTimeout = 0x0C;
constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut2 = 0x08;  // OUT2 gates the IRQ line on a PC
constexpr uint8_t kLsrDr = 0x01, kLsrOe = 0x02, kLsrThre = 0x20;
constexpr uint8_t kFcrEnable = 0x01, kFcrClearTx = 0x04, kFcrTrigger14 = 0xC0;
constexpr unsigned kTrigger = 14;
constexpr unsigned kFifo = 16;
constexpr uint32_t kBaseBaud = 115200;

constexpr size_t kRing = 4096;

// A byte ring with contiguous views for string I/O.
struct Ring {
    uint8_t data[kRing];
    size_t head = 0;  // oldest byte
    size_t count = 0;

    [[nodiscard]] size_t room() const { return kRing - count; }
    [[nodiscard]] bool empty() const { return count == 0; }
    // The contiguous run of bytes at the head.
    [[nodiscard]] size_t readable_run() const {
        size_t to_end = kRing - head;
        return count < to_end ? count : to_end;
    }
    // The contiguous run of free space after the tail.
    uint8_t* writable_run(size_t* n) {
        size_t tail = (head + count) % kRing;
        size_t to_end = kRing - tail;
        size_t r = room();
        *n = r < to_end ? r : to_end;
        return data + tail;
    }
    void produced(size_t n) { count += n; }
    void consumed(size_t n) {
        head = (head + n) % kRing;
        count -= n;
    }
    size_t push(const uint8_t* in, size_t n) {
        size_t done = 0;
        while (done < n && room() > 0) {
            size_t run;
            uint8_t* p = writable_run(&run);
            size_t k = n - done < run ? n - done : run;
            for (size_t i = 0; i < k; ++i) p[i] = in[done + i];
            produced(k);
            done += k;
        }
        return done;
    }
    size_t pop(uint8_t* out, size_t n) {
        size_t done = 0;
        while (done < n && !empty()) {
            size_t run = readable_run();
            size_t k = n - done < run ? n - done : run;
            for (size_t i = 0; i < k; ++i) out[done + i] = data[head + i];
            consumed(k);
            done += k;
        }
        return done;
    }
};

struct Port {
    const char* name;
    uint16_t base;
    helios_caddr_t endpoint;
    Ring rx;
    Ring tx;
    uint8_t ier = 0;
    bool rx_stopped = false;  // the RX ring is full: received-data interrupts are off
    // A read waiting for bytes, and a write waiting for room (stored replies).
    helios_caddr_t read_reply = HELIOS_CADDR_UNDEF;
    size_t read_max = 0;
    helios_caddr_t write_reply = HELIOS_CADDR_UNDEF;
    uint8_t write_data[serial::kMaxData];
    size_t write_len = 0;
    // Line settings.
    uint32_t baud = kBaseBaud;
    uint8_t charlen = 8;
    uint8_t stopbits = 1;
    serial::Parity parity = serial::Parity::none;
    uint64_t overruns = 0;

    void out(uint16_t reg, uint8_t v) const { helios::port::outb(static_cast<uint16_t>(base + reg), v); }
    [[nodiscard]] uint8_t in(uint16_t reg) const { return helios::port::inb(static_cast<uint16_t>(base + reg)); }
    void set_ier(uint8_t v) {
        if (v != ier) out(kIer, ier = v);
    }
};

Port g_ports[2] = {{"COM1", 0x3F8, kCapCom1, {}, {}}, {"COM2", 0x2F8, kCapCom2, {}, {}}};

// `rep insb` / `rep outsb`: one instruction for a run of bytes (one trap in
// the simulator instead of one per byte).
void insb(uint16_t port, uint8_t* dst, size_t n) {
    asm volatile("rep insb" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
}
void outsb(uint16_t port, const uint8_t* src, size_t n) {
    asm volatile("rep outsb" : "+S"(src), "+c"(n) : "d"(port) : "memory");
}

#ifdef HELIOS_SERIAL_CRASH_BYTE
// Test builds only (testsuite/sim/mercury): the byte makes the driver fault,
// so that init's supervision can be watched restarting it.
void check_crash(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] == HELIOS_SERIAL_CRASH_BYTE) *reinterpret_cast<volatile uint64_t*>(0xdead0000) = p[i];
}
#else
void check_crash(const uint8_t*, size_t) {}
#endif

uint8_t lcr_bits(const Port& p) {
    static constexpr uint8_t kParity[] = {0x00, 0x08, 0x18, 0x28, 0x38};  // none odd even mark space
    return static_cast<uint8_t>((p.charlen - 5) | (p.stopbits == 2 ? 0x04 : 0) |
                                kParity[static_cast<uint64_t>(p.parity)]);
}

void program_line(Port& p) {
    uint16_t divisor = static_cast<uint16_t>(kBaseBaud / p.baud);
    p.out(kLcr, kLcrDlab);
    p.out(kDll, static_cast<uint8_t>(divisor));
    p.out(kDlm, static_cast<uint8_t>(divisor >> 8));
    p.out(kLcr, lcr_bits(p));
}

// Brings a UART up: interrupts off, 115200 8N1, FIFOs on (14-byte trigger),
// DTR, RTS and OUT2 (without OUT2 a PC's UART never interrupts), then the
// received-data interrupt. Input that arrived before (while the driver was
// down, or before it started) is kept: it is read into the ring before the
// FIFO mode switch (which empties the receiver), and the RX FIFO is not
// cleared.
//
// The switch itself cannot be made atomic with the drain: a byte that reaches
// the receiver between the last LSR read and the FCR write is dropped by the
// switch (a 16550, QEMU's too, clears its FIFOs whenever FCR's enable bit
// changes; in non-FIFO mode QEMU hands over the next byte as soon as RBR is
// read). That only happens at the first start (the kernel leaves FIFOs off;
// after a restart the enable bit is already set and nothing is cleared), so
// the far end must wait until the system says it is ready (usrinit's
// greeting, which comes through this driver). A test that typed on init's
// "started usrinit ... echo loop" line instead lost the `i` of `ping-2041`
// that way (docs/serial-protocol.md, Start-up).
void init_port(Port& p) {
    p.out(kIer, 0);
    program_line(p);
    while (p.rx.room() > 0 && (p.in(kLsr)&kLsrDr)) {
        uint8_t byte = p.in(kRbr);
        check_crash(&byte, 1);
        p.rx.push(&byte, 1);
    }
    p.out(kFcr, kFcrEnable | kFcrClearTx | kFcrTrigger14);
    p.out(kMcr, kMcrDtr | kMcrRts | kMcrOut2);
    (void)p.in(kLsr);
    (void)p.in(kMsr);
    (void)p.in(kIir);
    p.set_ier(kIerRda);
}

// ---- transmit ------------------------------------------------------------

// Writes bursts of up to 16 bytes (the FIFO) while the transmitter is empty;
// with bytes left, the THR-empty interrupt brings us back.
void tx_kick(Port& p) {
    while (!p.tx.empty()) {
        if (!(p.in(kLsr)&kLsrThre)) break;
        size_t burst = 0;
        while (burst < kFifo && !p.tx.empty()) {
            size_t run = p.tx.readable_run();
            size_t k = kFifo - burst < run ? kFifo - burst : run;
            outsb(static_cast<uint16_t>(p.base + kThr), p.tx.data + p.tx.head, k);
            p.tx.consumed(k);
            burst += k;
        }
    }
    p.set_ier(static_cast<uint8_t>(p.tx.empty() ? p.ier & ~kIerThre : p.ier | kIerThre));
}

// ---- receive -------------------------------------------------------------

// Reads n bytes (n <= room) from RBR with string I/O, across the ring's end.
void rx_string(Port& p, size_t n) {
    while (n > 0) {
        size_t run;
        uint8_t* dst = p.rx.writable_run(&run);
        size_t k = n < run ? n : run;
        insb(static_cast<uint16_t>(p.base + kRbr), dst, k);
        check_crash(dst, k);
        p.rx.produced(k);
        n -= k;
    }
}

// The ring is full: received-data interrupts go off, so the FIFO (and the
// far end behind it) hold further input until a client reads.
void rx_stop(Port& p) {
    p.rx_stopped = true;
    p.set_ier(static_cast<uint8_t>(p.ier & ~kIerRda));
}

// Services the UART until it reports nothing pending. IIR doubles as the
// receive FIFO's level indicator: a received-data interrupt means at least
// the trigger level (14 bytes, read with one string instruction), a
// character timeout at least one byte.
void handle_irq(Port& p) {
    for (unsigned guard = 0; guard < 1024; ++guard) {
        uint8_t iir = p.in(kIir);
        if (iir & kIirNone) return;
        switch (iir & kIirIdMask) {
            case kIirLsr:
                if (p.in(kLsr)&kLsrOe) ++p.overruns;
                break;
            case kIirRda:
                rx_string(p, p.rx.room() < kTrigger ? p.rx.room() : kTrigger);
                if (p.rx.room() == 0) rx_stop(p);
                break;
            case kIirTimeout:
                if (p.rx.room() > 0)
                    rx_string(p, 1);
                else
                    rx_stop(p);
                break;
            case kIirThre: tx_kick(p); break;  // reading IIR acknowledged it
            case kIirMsr: (void)p.in(kMsr); break;
            default: return;
        }
    }
}

// ---- the client protocol --------------------------------------------------

helios_ipcbuf* buf() {
    return helios::ipcbuf();
}

// Answers the implicit reply (reply_cap UNDEF) or a stored one.
void answer(helios_caddr_t reply_cap, uint64_t status, size_t nparams) {
    uint64_t tag = HELIOS_TAG(status, 0, nparams);
    if (reply_cap == HELIOS_CADDR_UNDEF)
        (void)helios::sys::reply(tag);
    else
        (void)helios::sys::send(reply_cap, tag);  // fails harmlessly if the caller went away
}

void answer_value(helios_caddr_t reply_cap, uint64_t status, uint64_t value) {
    buf()->params[0] = value;
    answer(reply_cap, status, 1);
}

// Sends up to max buffered bytes (at least one is buffered, or max is 0).
void answer_read(Port& p, helios_caddr_t reply_cap, size_t max) {
    size_t n = p.rx.pop(reinterpret_cast<uint8_t*>(&buf()->params[1]), max);
    buf()->params[0] = n;
    answer(reply_cap, HELIOS_ENONE, 1 + (n + 7) / 8);
    if (p.rx_stopped && p.rx.room() > 0) {
        p.rx_stopped = false;
        p.set_ier(static_cast<uint8_t>(p.ier | kIerRda));
        handle_irq(p);
    }
}

// Completes waiting requests after an interrupt.
void complete(Port& p) {
    if (p.read_reply != HELIOS_CADDR_UNDEF && !p.rx.empty()) {
        helios_caddr_t r = p.read_reply;
        p.read_reply = HELIOS_CADDR_UNDEF;
        answer_read(p, r, p.read_max);
    }
    if (p.write_reply != HELIOS_CADDR_UNDEF && p.tx.room() > 0) {
        size_t accepted = p.tx.push(p.write_data, p.write_len);
        helios_caddr_t r = p.write_reply;
        p.write_reply = HELIOS_CADDR_UNDEF;
        answer_value(r, HELIOS_ENONE, accepted);
        tx_kick(p);
    }
}

// Defers the implicit reply; false when it cannot be stored.
bool defer(helios_caddr_t* slot) {
    SysResult r = helios::sys::store_reply(HELIOS_CADDR_UNDEF);
    if (!r.ok()) return false;
    *slot = static_cast<helios_caddr_t>(r.value);
    return true;
}

void handle_write(Port& p, unsigned nparams) {
    const uint64_t* in = buf()->params;
    size_t n = in[0];
    if (nparams < 1 || n > serial::kMaxData || nparams < 1 + (n + 7) / 8)
        return answer(HELIOS_CADDR_UNDEF, HELIOS_EINVALID_PARAM, 0);
    if (p.write_reply != HELIOS_CADDR_UNDEF) return answer(HELIOS_CADDR_UNDEF, HELIOS_EBUSY, 0);
    auto* data = reinterpret_cast<const uint8_t*>(&in[1]);
    if (n > 0 && p.tx.room() == 0) {
        // Full: keep the bytes and answer when the transmitter makes room.
        for (size_t i = 0; i < n; ++i) p.write_data[i] = data[i];
        p.write_len = n;
        if (!defer(&p.write_reply)) answer_value(HELIOS_CADDR_UNDEF, HELIOS_ENONE, 0);
        tx_kick(p);
        return;
    }
    size_t accepted = p.tx.push(data, n);
    answer_value(HELIOS_CADDR_UNDEF, HELIOS_ENONE, accepted);
    tx_kick(p);
}

void handle_read(Port& p, unsigned nparams) {
    if (nparams < 1) return answer(HELIOS_CADDR_UNDEF, HELIOS_EINVALID_PARAM, 0);
    size_t max = buf()->params[0] < serial::kMaxData ? buf()->params[0] : serial::kMaxData;
    if (p.read_reply != HELIOS_CADDR_UNDEF) return answer(HELIOS_CADDR_UNDEF, HELIOS_EBUSY, 0);
    if (!p.rx.empty() || max == 0) return answer_read(p, HELIOS_CADDR_UNDEF, max);
    p.read_max = max;
    if (!defer(&p.read_reply)) answer_read(p, HELIOS_CADDR_UNDEF, 0);
}

void handle_setting(Port& p, uint64_t method, unsigned nparams) {
    uint64_t v = buf()->params[0];
    switch (method) {
        case serial::kGetBaud: return answer_value(HELIOS_CADDR_UNDEF, HELIOS_ENONE, p.baud);
        case serial::kGetCharlen: return answer_value(HELIOS_CADDR_UNDEF, HELIOS_ENONE, p.charlen);
        case serial::kGetStopbits: return answer_value(HELIOS_CADDR_UNDEF, HELIOS_ENONE, p.stopbits);
        case serial::kGetParity: return answer_value(HELIOS_CADDR_UNDEF, HELIOS_ENONE, static_cast<uint64_t>(p.parity));
        default: break;
    }
    bool ok = nparams >= 1;
    switch (method) {
        case serial::kSetBaud:
            ok = ok && v > 0 && v <= kBaseBaud && kBaseBaud % v == 0;
            if (ok) p.baud = static_cast<uint32_t>(v);
            break;
        case serial::kSetCharlen:
            ok = ok && v >= 5 && v <= 8;
            if (ok) p.charlen = static_cast<uint8_t>(v);
            break;
        case serial::kSetStopbits:
            ok = ok && (v == 1 || v == 2);
            if (ok) p.stopbits = static_cast<uint8_t>(v);
            break;
        case serial::kSetParity:
            ok = ok && v <= static_cast<uint64_t>(serial::Parity::space);
            if (ok) p.parity = static_cast<serial::Parity>(v);
            break;
        default: return answer(HELIOS_CADDR_UNDEF, HELIOS_EINVALID_SYSCALL, 0);
    }
    if (!ok) return answer(HELIOS_CADDR_UNDEF, HELIOS_EINVALID_PARAM, 0);
    // The divisor latch shares IER's address: program with interrupts as they are.
    program_line(p);
    answer(HELIOS_CADDR_UNDEF, HELIOS_ENONE, 0);
}

void handle_request(Port& p, uint64_t tag) {
    unsigned nparams = HELIOS_TAG_NPARAMS(tag);
    uint64_t method = serial::method_of(HELIOS_TAG_LABEL(tag));
    switch (method) {
        case serial::kWrite: return handle_write(p, nparams);
        case serial::kRead: return handle_read(p, nparams);
        default: return handle_setting(p, method, nparams);
    }
}

}  // namespace

int main() {
    for (Port& p : g_ports) init_port(p);
    // Clear anything that was pending before we started.
    (void)helios::sys::nbwait(kCapNote);
    (void)helios::irq_ack(kCapIrq4);
    (void)helios::irq_ack(kCapIrq3);
    for (Port& p : g_ports) handle_irq(p);

    helios_pollcap polls[3] = {
        {kCapNote, HELIOS_POLL_RECV, 0},
        {kCapCom1, HELIOS_POLL_RECV, 0},
        {kCapCom2, HELIOS_POLL_RECV, 0},
    };
    for (;;) {
        SysResult r = helios::sys::poll(reinterpret_cast<uint64_t>(polls), 3);
        if (!r.ok()) {
            helios::printf("[serial] poll failed (%lu); stopping\n", r.status);
            return 1;
        }
        if (polls[0].revents & HELIOS_POLL_RECV) {
            (void)helios::sys::nbwait(kCapNote);
            for (Port& p : g_ports) handle_irq(p);
            (void)helios::irq_ack(kCapIrq4);
            (void)helios::irq_ack(kCapIrq3);
            for (Port& p : g_ports) complete(p);
        }
        for (unsigned i = 0; i < 2; ++i) {
            if (!(polls[1 + i].revents & HELIOS_POLL_RECV)) continue;
            SysResult m = helios::sys::nbrecv(g_ports[i].endpoint);
            if (m.ok()) handle_request(g_ports[i], m.value);
        }
    }
}
