// sys_ioport: port I/O permissions and the 16550 model, from a supervisor's view.
//
// 1. A worker thread without any IOPort capability writes COM1's scratch
//    register (0x3FF): it faults with kind IOPORT, addr 0x3FF, access write.
// 2. The supervisor issues an IOPort for 0x3F8..0x3FF (cspace shared with the
//    worker) and resumes it: the retried `out` reaches the UART, and an `in`
//    reads the scratch value back.
// 3. The worker then reads 0x2F8 (COM2, not granted): an IOPORT read fault.
// 4. IRQ 4: with OUT2 set and IER = RX data, a byte from the far end (the
//    host feeds COM1's input; the first command-line word is that byte in
//    decimal, default 'Q') raises IRQ 4; the notification bound to it sees
//    bit 1 << 4; RBR yields the byte; irq_ack.
// 5. Loopback (MCR = LOOP|OUT2): a byte written to THR comes back in RBR.
//    As on a PC, loopback disconnects the interrupt output, so no IRQ.
// Command line "nocap": init itself writes COM1 without an IOPort and
// without a fault endpoint; the kernel console reports it.
#include <helios/portio.h>

#include "common.h"

namespace {

constexpr const char* kProg = "sys_ioport";
constexpr uint16_t kCom1 = 0x3F8;
constexpr uint16_t kRbr = kCom1 + 0, kIer = kCom1 + 1, kIir = kCom1 + 2, kMcr = kCom1 + 4, kLsr = kCom1 + 5,
                   kScr = kCom1 + 7;
constexpr uint16_t kCom2 = 0x2F8;
constexpr uint8_t kMcrOut2 = 0x08, kMcrLoop = 0x10;
constexpr uint8_t kLsrDr = 0x01;
constexpr uint8_t kIerRx = 0x01;
constexpr uint64_t kThreadBase = 0x10000000;
constexpr unsigned kIrq = 4;

volatile uint64_t g_scratch = 0;  // what the worker read back from the scratch register
volatile uint64_t g_stage = 0;

extern "C" [[noreturn]] void worker(uint64_t) {
    g_stage = 1;
    helios::port::outb(kScr, 0x5A);  // faults until the supervisor grants the port
    g_stage = 2;
    g_scratch = helios::port::inb(kScr);
    g_stage = 3;
    (void)helios::port::inb(kCom2);  // never granted: faults for good
    g_stage = 4;
    for (;;) (void)helios::sys::yield();
}

void expect_fault(helios_caddr_t ep, uint64_t port, uint64_t access) {
    helios::SysResult got = helios::sys::recv(ep);
    systest::expect_ok(kProg, "recv fault", got);
    systest::expect_eq(kProg, "fault label", HELIOS_TAG_LABEL(got.value), HELIOS_LABEL_FAULT);
    const uint64_t* p = helios::ipcbuf()->params;
    systest::expect_eq(kProg, "fault kind", p[HELIOS_FAULT_P_KIND], HELIOS_FAULT_IOPORT);
    systest::expect_eq(kProg, "fault port", p[HELIOS_FAULT_P_ADDR], port);
    systest::expect_eq(kProg, "fault access", p[HELIOS_FAULT_P_ACCESS], access);
    helios::printf("%s: fault kind=IOPORT port=0x%lx access=%s\n", kProg, static_cast<unsigned long>(port),
                   access == HELIOS_ACCESS_WRITE ? "write" : "read");
}

}  // namespace

int main() {
    char mode[16] = "";
    (void)systest::cmdline_word(0, mode, sizeof mode);
    if (systest::str_eq(mode, "nocap")) {
        // No IOPort and no fault endpoint: the kernel reports the fault on its
        // console and stops this task for good.
        helios::port::outb(kCom1, '!');
        helios::print("sys_ioport: FAIL the out without an IOPort went through\n");
        return 1;
    }
    uint64_t input = systest::cmdline_number(0, 'Q');

    // 1-3: the worker, supervised.
    helios_caddr_t ep = systest::make(kProg, HELIOS_CT_ENDPOINT, "allocate endpoint");
    systest::Thread t = systest::start_thread(kProg, kThreadBase, worker, 0, ep, 7);
    expect_fault(ep, kScr, HELIOS_ACCESS_WRITE);
    systest::expect_eq(kProg, "worker stage at the first fault", g_stage, 1);
    systest::expect_ok(kProg, "iocontrol_issue", helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, kCom1, kCom1 + 7));
    systest::expect_ok(kProg, "task_resume", helios::task_resume(t.task));
    expect_fault(ep, kCom2, HELIOS_ACCESS_READ);
    systest::expect_eq(kProg, "worker stage at the second fault", g_stage, 3);
    systest::expect_eq(kProg, "scratch register read back", g_scratch, 0x5A);
    helios::printf("%s: scratch round trip 0x%lx\n", kProg, static_cast<unsigned long>(g_scratch));
    // The worker stays stopped in its fault; it never runs again.

    // 4: the far end's byte (queued in the receiver since boot) raises IRQ 4
    // once the line is unmasked, IER enables RX data and OUT2 gates it out.
    helios_caddr_t note = systest::make(kProg, HELIOS_CT_NOTIFICATION, "allocate notification");
    helios_caddr_t irq = static_cast<helios_caddr_t>(systest::expect_ok(
        kProg, "irqcontrol_issue", helios::irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, note, kIrq)));
    systest::expect_eq(kProg, "no IRQ before the UART is set up (nbwait)", helios::sys::nbwait(note).status,
                       HELIOS_EWOULD_BLOCK);
    systest::expect_ok(kProg, "irq_ack (unmask)", helios::irq_ack(irq));
    helios::port::outb(kIer, kIerRx);
    helios::port::outb(kMcr, kMcrOut2);
    helios::SysResult word = helios::sys::wait(note);
    systest::expect_ok(kProg, "wait for IRQ", word);
    systest::expect_eq(kProg, "notification word", word.value, 1ull << kIrq);
    systest::expect_eq(kProg, "IIR on IRQ (rx data)", helios::port::inb(kIir) & 0x0F, 0x04);
    systest::expect_eq(kProg, "LSR.DR on IRQ", helios::port::inb(kLsr) & kLsrDr, kLsrDr);
    systest::expect_eq(kProg, "RBR on IRQ", helios::port::inb(kRbr), input);
    systest::expect_eq(kProg, "IIR after the read (none)", helios::port::inb(kIir) & 0x0F, 0x01);
    systest::expect_ok(kProg, "irq_ack", helios::irq_ack(irq));
    helios::printf("%s: irq %u delivered bit 0x%lx, byte 0x%lx\n", kProg, kIrq, static_cast<unsigned long>(word.value),
                   static_cast<unsigned long>(input));

    // 5: loopback (MCR = LOOP|OUT2, IER = RX data): THR comes back in RBR.
    // The chip forces its OUT2 pin inactive in loopback, and on a PC that pin
    // gates the interrupt line, so no IRQ reaches the controller.
    helios::port::outb(kMcr, kMcrLoop | kMcrOut2);
    helios::port::outb(kRbr, 0xA5);  // THR
    systest::expect_eq(kProg, "loopback LSR.DR", helios::port::inb(kLsr) & kLsrDr, kLsrDr);
    systest::expect_eq(kProg, "loopback IIR (rx data pending)", helios::port::inb(kIir) & 0x0F, 0x04);
    (void)helios::sys::yield();  // a kernel entry: a raised line would be delivered here
    systest::expect_eq(kProg, "no IRQ in loopback (nbwait)", helios::sys::nbwait(note).status, HELIOS_EWOULD_BLOCK);
    systest::expect_eq(kProg, "loopback RBR", helios::port::inb(kRbr), 0xA5);
    systest::expect_eq(kProg, "LSR.DR after the read", helios::port::inb(kLsr) & kLsrDr, 0);
    helios::port::outb(kMcr, 0);
    helios::port::outb(kIer, 0);
    helios::printf("%s: loopback round trip ok\n", kProg);
    return 0;
}
