// sandbox: a test driver that tries what its manifest does not grant; each attempt must be refused, the last one
// faults.
#include <helios/console.h>
#include <helios/invoke.h>
#include <helios/manifest.h>
#include <helios/portio.h>
#include <helios/procinfo.h>
#include <helios/syscall.h>

// One note and a one-page memory; no ports, no IRQ control, no cspace, no vspace.
HELIOS_MANIFEST(
    "[driver]\n"
    "name = sandbox\n"
    "desc = test driver: least privilege\n"
    "[cspace]\n"
    "radix = 4\n"
    "[capabilities]\n"
    "0:note\n"
    "1:memory = pages=1\n");

namespace {
const char* error_name(uint64_t status) {
    const char* name = helios_error_name(status);
    return name ? name : "unknown";
}

void report(const char* what, helios::SysResult r) {
    helios::printf("[sandbox] %s: %s\n", what, r.ok() ? "ALLOWED" : error_name(r.status));
}
}  // namespace

int main() {
    uint64_t restarts = 0;
    (void)helios::rt::find_aux_value("restarts", &restarts);
    if (restarts > 0) {
        // Once is enough: a restarted sandbox only waits.
        helios::print("[sandbox] restarted; idling\n");
        (void)helios::sys::wait(0);
        return 0;
    }
    // Slots init did not fill hold nothing: no IRQ control, I/O control, cspace or ioport.
    report("irq issue (no irqcontrol)", helios::irqcontrol_issue(HELIOS_INIT_CAP_IRQCONTROL, 0, 4));
    report("ioport issue (no iocontrol)", helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, 0x3F8, 0x3FF));
    report("destroy a capability (no cspace)", helios::cspace_destroy(2, 0));
    report("port input (no ioport)", helios::ioport_in(3, 0x3F8));
    // The memory's quota is one page: a second page is refused.
    helios::SysResult first = helios::memory_allocate_one(1, HELIOS_CT_PAGE);
    report("first page from a 1-page memory", first);
    report("second page from a 1-page memory", helios::memory_allocate_one(1, HELIOS_CT_PAGE));
    // Slot 1 holds the memory, not a vspace: the page cannot be mapped.
    if (first.ok())
        report("map a page (no vspace)", helios::page_map(static_cast<helios_caddr_t>(first.value), 1, 0x10000000, 0));
    helios::print("[sandbox] now reading COM1's data port without an ioport capability\n");
    uint8_t v = helios::port::inb(0x3F8);
    helios::printf("[sandbox] read %u from COM1: ALLOWED\n", v);
    return 0;
}
