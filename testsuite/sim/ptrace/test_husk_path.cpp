// Points helios-husk's lookup at this build's husk for the ptrace tests.
//
// The test program lives away from helios-husk, so husk_binary() cannot find
// it beside the executable. A static initializer (before Catch2's shared
// main() runs) sets HELIOS_HUSK, unless the caller already chose a husk, as
// a packager would.
#include <cstdlib>

namespace {

struct PointAtThisBuildsHusk {
    PointAtThisBuildsHusk() { setenv("HELIOS_HUSK", HELIOS_TEST_HUSK_PATH, 0); }
};
const PointAtThisBuildsHusk g_point_at_husk;

}  // namespace
