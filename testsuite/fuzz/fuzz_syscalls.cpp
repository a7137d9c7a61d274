// fuzz_syscalls: the kernel core on the fake arch under a hostile caller
// whose every choice comes from the fuzzer's bytes: syscalls and invocations
// with capabilities, pointers into and out of mapped memory, faults, irqs and
// ticks, from several processes and threads sharing cspaces and vspaces. The
// invariant checker runs after every step and the capability derivation
// after every kernel entry; at the end everything is destroyed and every
// frame must come back (support/hostile.h, shared with the unit tests).
#include "fuzz_bytes.h"
#include "support/hostile.h"

#include <cstdio>
#include <cstdlib>

using namespace helios::test;

namespace {

// Choices from the fuzzer's bytes; the run ends when they do.
class BytesEntropy final : public Entropy {
public:
    BytesEntropy(const uint8_t* data, size_t size) : bytes_(data, size) {}
    uint64_t next() override { return bytes_.u64(); }
    bool exhausted() const override { return bytes_.empty(); }

private:
    helios::fuzz::FuzzBytes bytes_;
};

void report(const std::string& what) {
    std::fprintf(stderr, "%s\n", what.c_str());
    helios::fuzz::finding("the kernel broke an invariant (above)");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    // The first byte: threads sharing spaces, or separate processes.
    BytesEntropy entropy(data + 1, size - 1);
    Hostile hostile(size, data[0] & 1, entropy, report);
    hostile.run(4096);
    return 0;
}
