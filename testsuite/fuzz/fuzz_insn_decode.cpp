// fuzz_insn_decode: the simulator's instruction decoding (Zydis underneath)
// on any bytes at any fault address: lengths stay within the bytes and the
// x86 limit of 15, a plain move it emulates has a sane width and length, and
// nothing reads outside the buffer.
#include "fuzz_bytes.h"
#include "sim/ptrace/insn_decode.h"

#include <sys/user.h>

#include <cstring>
#include <vector>

using helios::fuzz::FuzzBytes;
using helios::fuzz::finding;
using namespace helios::sim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzBytes in(data, size);
    // Registers and addresses first, then the instruction bytes.
    user_regs_struct regs;
    std::memset(&regs, 0, sizeof regs);
    for (unsigned i = 0; i < 4; ++i) reinterpret_cast<unsigned long long*>(&regs)[i * 3] = in.u64();
    uint64_t rip = in.u64();
    uint64_t fault_addr = in.u8() & 1 ? rip + in.u8() % 16 : in.u64();
    std::vector<uint8_t> bytes(data + (size - in.remaining()), data + size);  // exact size: ASan sees overreads
    size_t len = insn_length(bytes.data(), bytes.size());
    if (len > bytes.size() || len > 15) finding("an instruction longer than its bytes or than 15");
    (void)mem_access_name(classify_access(bytes.data(), bytes.size(), fault_addr, rip, &regs));
    (void)classify_access(bytes.data(), bytes.size(), fault_addr, rip, nullptr);
    if (auto io = decode_port_io(bytes.data(), bytes.size()))
        if (io->width != 1 && io->width != 2 && io->width != 4) finding("port I/O of an odd width");
    if (auto move = decode_simple_move(bytes.data(), bytes.size(), rip, regs)) {
        if (move->width != 1 && move->width != 2 && move->width != 4 && move->width != 8)
            finding("a plain move of an odd width");
        if (move->length == 0 || move->length > bytes.size() || move->length != len)
            finding("a plain move whose length disagrees with the decoder's");
        if (!move->store) apply_load(*move, in.u64(), regs);
    }
    return 0;
}
