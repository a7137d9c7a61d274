// sys_exit_status: init's exit status becomes helios-sim's (the first command-line word, default 3).
#include "common.h"

int main() {
    const uint64_t status = systest::cmdline_number(0, 3);
    helios::printf("sys_exit_status: exiting with %lu\n", static_cast<unsigned long>(status));
    return static_cast<int>(status);
}
