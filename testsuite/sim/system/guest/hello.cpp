// sys_hello: one line through the writecons syscall, one through raw COM1 port writes.
//
// Command line "echo": then announce "ready" on COM2, wait for one byte on
// COM1 (IRQ 4) and answer "sys_hello: got C" on COM1 (the unix-socket test
// connects its client only after "ready", so the first lines must have been
// kept for it).
#include <helios/portio.h>

#include "common.h"

namespace {
constexpr const char* kProg = "sys_hello";
constexpr uint16_t kCom1 = 0x3F8, kCom2 = 0x2F8;
constexpr uint16_t kLsr = 5, kIer = 1, kMcr = 4;
constexpr uint8_t kLsrThre = 0x20;

void uart_write(uint16_t base, const char* text) {
    for (const char* p = text; *p != '\0'; ++p) {
        while ((helios::port::inb(base + kLsr) & kLsrThre) == 0) {
        }
        helios::port::outb(base, static_cast<uint8_t>(*p));
    }
}
}  // namespace

int main() {
    helios::print("sys_hello: via writecons\n");
    systest::expect_ok(kProg, "iocontrol_issue", helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, kCom1, kCom1 + 7));
    uart_write(kCom1, "sys_hello: via COM1\n");

    char mode[16] = "";
    (void)systest::cmdline_word(0, mode, sizeof mode);
    if (!systest::str_eq(mode, "echo")) return 0;

    systest::expect_ok(kProg, "iocontrol_issue COM2",
                       helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, kCom2, kCom2 + 7));
    helios_caddr_t note = systest::make(kProg, HELIOS_CT_NOTIFICATION, "allocate notification");
    auto irq = static_cast<helios_caddr_t>(
        systest::expect_ok(kProg, "irqcontrol_issue", helios::irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, note, 4)));
    systest::expect_ok(kProg, "irq_ack", helios::irq_ack(irq));
    helios::port::outb(kCom1 + kIer, 0x01);  // RX data available
    helios::port::outb(kCom1 + kMcr, 0x08);  // OUT2: the IRQ reaches the controller
    uart_write(kCom2, "sys_hello: ready\n");
    systest::expect_ok(kProg, "wait for IRQ 4", helios::sys::wait(note));
    char reply[] = "sys_hello: got ?\n";
    reply[15] = static_cast<char>(helios::port::inb(kCom1));
    uart_write(kCom1, reply);
    return 0;
}
