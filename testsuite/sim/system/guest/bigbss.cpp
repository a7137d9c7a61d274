// sys_bigbss: an init whose 17 MiB .bss needs more page capabilities than init's cspace has slots.
//
// Boot must refuse it with a message (it used to crash the simulator on a
// null capability slot); if it ever boots, it says so and exits 0.
#include "common.h"

namespace {
// Zero-initialised, so it lands in .bss: 4352 pages, init's cspace has 4096 slots.
unsigned char g_big[17u << 20];
}  // namespace

int main() {
    g_big[sizeof g_big - 1] = 1;
    helios::print("sys_bigbss: booted\n");
    return g_big[sizeof g_big - 1] == 1 ? 0 : 1;
}
