// uart_echo: a guest for the replay tests. Reads COM1 by polling until 'q',
// echoing each byte to COM1 and to the kernel console; exits with the count.
#include <helios/abi.h>
#include <helios/console.h>
#include <helios/invoke.h>
#include <helios/portio.h>
#include <helios/rt.h>
#include <helios/syscall.h>

namespace {
constexpr uint16_t kCom1 = 0x3F8;
constexpr uint16_t kLsr = kCom1 + 5;
constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrThrEmpty = 0x20;
}  // namespace

int main() {
    if (!helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, kCom1, kCom1 + 7).ok()) return 100;
    int count = 0;
    for (;;) {
        while ((helios::port::inb(kLsr) & kLsrDataReady) == 0) helios::sys::yield();
        char c = static_cast<char>(helios::port::inb(kCom1));
        if (c == 'q') break;
        ++count;
        while ((helios::port::inb(kLsr) & kLsrThrEmpty) == 0) {
        }
        helios::port::outb(kCom1, static_cast<uint8_t>(c));
        helios::sys::writecons(reinterpret_cast<uint64_t>(&c), 1);
    }
    return count;
}
