// irqthief: a test driver with a well-formed manifest that asks for IRQ 4, which the serial driver already holds.
#include <helios/console.h>
#include <helios/manifest.h>

HELIOS_MANIFEST(
    "[driver]\n"
    "name = thief\n"
    "[capabilities]\n"
    "0:note\n"
    "1:irq = irq=4, note=0\n");

int main() {
    helios::print("[thief] this driver must never run\n");
    return 0;
}
