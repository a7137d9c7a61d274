// hello: the first user program. Greets on the kernel console, then on COM1 by raw port I/O.
#include <helios/abi.h>
#include <helios/console.h>
#include <helios/invoke.h>
#include <helios/portio.h>
#include <helios/rt.h>

namespace {

constexpr uint16_t kCom1 = 0x3F8;
constexpr uint16_t kCom1Lsr = kCom1 + 5;  // line status register
constexpr uint8_t kLsrThre = 0x20;        // transmit holding register empty

void com1_write(const char* text) {
    for (const char* p = text; *p != '\0'; ++p) {
        while ((helios::port::inb(kCom1Lsr) & kLsrThre) == 0) {
        }
        helios::port::outb(kCom1, static_cast<uint8_t>(*p));
    }
}

}  // namespace

int main() {
    helios::print("hello from helios userspace\n");

    // Raw in/out needs an IOPort capability covering the ports; as init we
    // hold IOControl and issue one for COM1's eight registers.
    helios::SysResult io = helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, kCom1, kCom1 + 7);
    if (!io.ok()) {
        helios::printf("hello: cannot get COM1 ports: error %lu\n", static_cast<unsigned long>(io.status));
        return 1;
    }
    com1_write("hello COM1\n");
    return 0;
}
