// Catch2 main for the ptrace/memfd tests.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

int main(int argc, char** argv) {
    // This test program lives away from helios-husk, so husk_binary() cannot
    // find it beside the executable: point it at the husk of this build
    // (unless the caller already chose one, as a packager would).
    setenv("HELIOS_HUSK", HELIOS_TEST_HUSK_PATH, 0);
    return Catch::Session().run(argc, argv);
}
