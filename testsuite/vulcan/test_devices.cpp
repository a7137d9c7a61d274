// irq and ioport: the COM1 UART raises IRQ 4 into a notification, masked until ack; port ranges.
#include <helios/portio.h>

#include "vulcan.h"

using namespace helios;
using namespace vulcan;

namespace {
constexpr helios_caddr_t CS = HELIOS_INIT_CAP_CSPACE;
using threads::Thread;

// 16550 registers (offsets from the base) and bits.
constexpr uint16_t kThr = 0, kRbr = 0, kIer = 1, kIir = 2, kLcr = 3, kMcr = 4, kLsr = 5, kScr = 7;
constexpr uint8_t kIerThre = 0x02;
constexpr uint8_t kMcrOut2 = 0x08, kMcrLoop = 0x10;
constexpr uint8_t kIirThre = 0x02, kIirNone = 0x01, kIirIdMask = 0x0F;
constexpr uint8_t kLsrDr = 0x01;
constexpr unsigned kCom1Irq = 4;

void com1_out(uint16_t reg, uint8_t v) {
    port::outb(static_cast<uint16_t>(kCom1 + reg), v);
}
uint8_t com1_in(uint16_t reg) {
    return port::inb(static_cast<uint16_t>(kCom1 + reg));
}

// Back to the state the report output expects: no interrupts, no loopback.
void reset_uart(uint64_t) {
    com1_out(kIer, 0);
    com1_out(kMcr, 0);
    com1_out(kLcr, 0x03);  // 8N1, DLAB off
}

// A few kernel entries: interrupt delivery happens between them.
void settle() {
    for (int i = 0; i < 3; ++i) (void)sys::yield();
}

struct Shared {
    uint16_t port = 0;
    volatile uint64_t value = 0;
};
Shared* shared(uint64_t arg) {
    return reinterpret_cast<Shared*>(arg);
}
uint64_t arg_of(Shared& s) {
    return reinterpret_cast<uint64_t>(&s);
}
}  // namespace

VULCAN_TEST(irq, uart) {
    CHECK(com1_ports() != HELIOS_CADDR_UNDEF);
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    SysResult issued = irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, n, kCom1Irq);
    CHECK_OK(issued);
    auto irq = static_cast<helios_caddr_t>(issued.value);
    defer_destroy(irq);
    defer(reset_uart, 0);
    CHECK_EQ(type_of(irq), HELIOS_CT_IRQ);
    CHECK_ERR(irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, n, kCom1Irq), BUSY);  // one holder per line
    // The UART asserts its interrupt line: THR empty, enabled, OUT2 gating it
    // onto the bus (the 16550 keeps it off the bus in loopback mode).
    com1_out(kLcr, 0x03);
    com1_out(kMcr, kMcrOut2);
    com1_out(kIer, kIerThre);
    settle();
    // Masked from issue until the first ack.
    CHECK_ERR(sys::nbwait(n), WOULD_BLOCK);
    CHECK_OK(irq_ack(irq));
    settle();
    sys::SysResult w = sys::nbwait(n);
    CHECK_OK(w);
    CHECK_EQ(w.value, 1u << kCom1Irq);
    // Masked again until the next ack, though the device still asserts it.
    settle();
    CHECK_ERR(sys::nbwait(n), WOULD_BLOCK);
    // Servicing the device (reading IIR acknowledges THRE) drops the line:
    // an ack now brings nothing.
    CHECK_EQ(com1_in(kIir) & kIirIdMask, kIirThre);
    CHECK_EQ(com1_in(kIir) & kIirIdMask, kIirNone);
    CHECK_OK(irq_ack(irq));
    settle();
    CHECK_ERR(sys::nbwait(n), WOULD_BLOCK);
    // Re-enabling THRE raises it again; a blocked waiter is woken.
    static helios_caddr_t g_n;
    g_n = n;
    Shared s;
    Thread* t = spawn(
        [](uint64_t arg) {
            sys::SysResult r = sys::wait(g_n);
            CHECK_OK(r);
            shared(arg)->value = r.value;
        },
        arg_of(s));
    CHECK(wait_blocked(t));
    com1_out(kIer, 0);
    com1_out(kIer, kIerThre);
    join_thread(t);
    CHECK_EQ(s.value, 1u << kCom1Irq);
    // Destroying the IRQ capability masks the line: nothing more arrives.
    destroy(irq);
    CHECK_ERR(irq_ack(irq), INVALID_CSLOT);
    com1_out(kIer, 0);
    com1_out(kIer, kIerThre);
    settle();
    CHECK_ERR(sys::nbwait(n), WOULD_BLOCK);
    // The line is free for a new holder.
    issued = irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, n, kCom1Irq);
    CHECK_OK(issued);
    destroy(static_cast<helios_caddr_t>(issued.value));
}

VULCAN_TEST(irq, errors) {
    helios_caddr_t n = alloc(HELIOS_CT_NOTIFICATION);
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    CHECK_ERR(irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, n, 0), INVALID_PARAM);  // the kernel's timer
    CHECK_ERR(irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, n, 2), INVALID_PARAM);  // the cascade
    CHECK_ERR(irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, n, 16), INVALID_PARAM);
    CHECK_ERR(irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, n, ~0ull), INVALID_PARAM);
    CHECK_ERR(irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, ep, 5), INVALID_CTYPE);
    CHECK_ERR(irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, n, 5, n), INVALID_CSLOT);
    // An IRQ capability lives on its own: destroying the notification
    // leaves it holding its reference.
    SysResult issued = irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, n, 5);
    CHECK_OK(issued);
    defer_destroy(static_cast<helios_caddr_t>(issued.value));
    destroy(n);
    CHECK_OK(irq_ack(static_cast<helios_caddr_t>(issued.value)));
    destroy(static_cast<helios_caddr_t>(issued.value));
}

VULCAN_TEST(ioport, in_range) {
    SysResult issued = iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, kCom1 + kScr, kCom1 + kScr);
    CHECK_OK(issued);
    auto io = static_cast<helios_caddr_t>(issued.value);
    defer_destroy(io);
    CHECK_EQ(type_of(io), HELIOS_CT_IOPORT);
    // The scratch register keeps what is written, by instruction or invocation.
    port::outb(kCom1 + kScr, 0x5A);
    CHECK_EQ(port::inb(kCom1 + kScr), 0x5A);
    CHECK_OK(ioport_out(io, kCom1 + kScr, 0xA5));
    SysResult in = ioport_in(io, kCom1 + kScr);
    CHECK_OK(in);
    CHECK_EQ(in.value, 0xA5);
    // Outside the capability's range, or crossing its end: refused.
    CHECK_ERR(ioport_in(io, kCom1 + kScr - 1), INVALID_PARAM);
    CHECK_ERR(ioport_in(io, kCom1 + kScr, 2), INVALID_PARAM);
    CHECK_ERR(ioport_in(io, kCom1 + kScr, 3), INVALID_PARAM);
    CHECK_ERR(inv::ioport_in(io, 0x10000 + kCom1 + kScr, 1), INVALID_PARAM);
    CHECK_ERR(iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, 0x400, 0x3FF), INVALID_PARAM);
    CHECK_ERR(inv::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, 0, 0x10000, {HELIOS_CADDR_UNDEF}), INVALID_PARAM);
    // The UART in loopback: a byte written comes back in the receiver.
    defer(reset_uart, 0);
    com1_out(kLcr, 0x03);
    com1_out(kMcr, kMcrLoop);
    while (com1_in(kLsr) & kLsrDr) (void)com1_in(kRbr);
    com1_out(kThr, 'V');
    CHECK(com1_in(kLsr) & kLsrDr);
    CHECK_EQ(com1_in(kRbr), 'V');
    CHECK_EQ(com1_in(kLsr) & kLsrDr, 0);
    reset_uart(0);
    destroy(io);
}

VULCAN_TEST(ioport, out_of_range) {
    Shared s;
    s.port = 0x2FD;  // COM2's line status: no capability of init covers it
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    Thread* t = spawn([](uint64_t arg) { shared(arg)->value = port::inb(shared(arg)->port); }, arg_of(s),
                      HELIOS_PRIORITY_DEFAULT, false);
    CHECK_OK(threads::set_fault(t, ep));
    CHECK_OK(threads::start(t));
    Fault f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_IOPORT);
    CHECK_EQ(f.addr, 0x2FD);
    CHECK_EQ(f.access, HELIOS_ACCESS_READ);
    // With a capability for the port, the retried instruction succeeds.
    SysResult issued = iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, 0x2F8, 0x2FF);
    CHECK_OK(issued);
    defer_destroy(static_cast<helios_caddr_t>(issued.value));
    CHECK_OK(threads::resume(t));
    join_thread(t);
    CHECK_EQ(s.value, 0x60);  // transmitter empty, no data
    destroy(static_cast<helios_caddr_t>(issued.value));
    // Writes outside any range fault the same way.
    s.port = 0x80;
    t = spawn([](uint64_t arg) { port::outb(shared(arg)->port, 1); }, arg_of(s), HELIOS_PRIORITY_DEFAULT, false);
    CHECK_OK(threads::set_fault(t, ep));
    CHECK_OK(threads::start(t));
    f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_IOPORT);
    CHECK_EQ(f.addr, 0x80);
    CHECK_EQ(f.access, HELIOS_ACCESS_WRITE);
    kill_thread(t);
}
