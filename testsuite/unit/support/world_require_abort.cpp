// world_require for programs without a test framework (bench_core, the fuzz targets): abort, naming the step.
#include "support/world.h"

#include <cstdio>
#include <cstdlib>

namespace helios::test {

void world_require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "World set-up failed: %s\n", what);
    std::abort();
}

}  // namespace helios::test
