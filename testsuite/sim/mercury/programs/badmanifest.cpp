// badmanifest: a test driver whose manifest is malformed (line 6); init must refuse to start it.
#include <helios/console.h>
#include <helios/manifest.h>

HELIOS_MANIFEST(
    "[driver]\n"
    "name = bad\n"
    "desc = test driver with a malformed manifest\n"
    "[capabilities]\n"
    "0:note\n"
    "1:ioport = min=3F8, max=40Z\n");

int main() {
    helios::print("[bad] this driver must never run\n");
    return 0;
}
