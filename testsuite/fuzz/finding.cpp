// finding: a fuzz target's own verdict, reported as a crash libFuzzer records.
#include "fuzz_bytes.h"

#include <cstdio>
#include <cstdlib>

namespace helios::fuzz {

void finding(const char* what) {
    std::fprintf(stderr, "fuzz finding: %s\n", what);
    std::abort();
}

}  // namespace helios::fuzz
