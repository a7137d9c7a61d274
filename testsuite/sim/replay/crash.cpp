// crash: a guest that writes through a bad pointer with no supervisor, for
// the simulator's symbolized fault report.
#include <helios/rt.h>

namespace {
[[gnu::noinline]] void poke(volatile int* where) { *where = 1337; }
}  // namespace

int main() {
    poke(reinterpret_cast<volatile int*>(0x20000000));
    return 0;
}
