// x86-64 instruction decoding for the simulator's fault handling (Zydis): port I/O and access types.
#pragma once

#include <sys/user.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace helios::sim {

// A decoded in/out/ins/outs instruction. Guests run without I/O privilege, so
// every one of them faults (#GP, a SIGSEGV with si_addr 0) and the simulator
// performs it on the device models, then advances rip by `length`.
struct PortIo {
    bool is_in = false;        // in/ins: device to CPU; out/outs: CPU to device
    uint8_t width = 0;         // bytes per transfer: 1, 2 or 4
    bool port_is_imm = false;  // port is the imm8 below; otherwise it is dx
    uint16_t port = 0;         // the imm8 when port_is_imm, else 0 (read dx)
    bool is_string = false;    // ins/outs: memory at es:rdi (ins) or rsi (outs)
    bool rep = false;          // rep prefix on a string form: rcx transfers
    uint8_t length = 0;        // instruction length in bytes
};

// Decodes the instruction at bytes[0..len) (len may exceed the instruction).
// Returns nothing when it is not a port I/O instruction or does not decode.
std::optional<PortIo> decode_port_io(const uint8_t* bytes, size_t len);

enum class MemAccess : uint8_t {
    Read,
    Write,   // includes read-modify-write (add [m], 1; xchg; cmpxchg)
    Exec,    // the instruction fetch itself faulted
    Unknown  // undecodable, or no memory operand could explain the fault
};

const char* mem_access_name(MemAccess access);

// The access type of a page fault at fault_addr taken by the instruction at
// rip, whose readable bytes are bytes[0..len) (len 0 when rip is unmapped).
// Exec when fault_addr == rip or the fetch itself failed (the bytes run out
// before a whole instruction and fault_addr lies within the next 15 bytes).
// Otherwise from the memory operands, explicit and implicit (push, call, movs):
// any write makes it Write. With regs, an instruction with several memory
// operands (movs, push [m]) is resolved exactly: the operand whose effective
// address covers fault_addr decides.
MemAccess classify_access(const uint8_t* bytes, size_t len, uint64_t fault_addr, uint64_t rip,
                          const user_regs_struct* regs = nullptr);

// Length of the instruction at bytes[0..len), or 0 if it does not decode.
size_t insn_length(const uint8_t* bytes, size_t len);

// A plain data move between memory and a general register or an immediate:
// mov r/m, r|imm; mov r, m; movzx/movsx r, m8|m16; movsxd r, m32. The only
// instructions the machine emulates on guest pages that cannot be host
// mappings (below vm.mmap_min_addr); anything else there is a page fault.
struct SimpleMove {
    bool store = false;       // register/immediate -> memory
    uint8_t width = 0;        // bytes of memory accessed: 1, 2, 4 or 8
    uint64_t address = 0;     // the effective address
    uint64_t value = 0;       // store: the value whose low `width` bytes are written
    uint8_t length = 0;       // instruction length
    // load: where the value goes and how it is extended into the register.
    int dest = -1;            // the 64-bit register, as a ZydisRegister value
    uint8_t dest_width = 0;   // destination width in bytes (1, 2, 4, 8)
    bool dest_high_byte = false;  // ah, ch, dh, bh
    bool sign_extend = false;
};
std::optional<SimpleMove> decode_simple_move(const uint8_t* bytes, size_t len, uint64_t rip,
                                             const user_regs_struct& regs);
// Writes a loaded value into regs the way the CPU would: a 32-bit destination
// zero-extends into the 64-bit register, 8- and 16-bit ones merge.
void apply_load(const SimpleMove& move, uint64_t loaded, user_regs_struct& regs);

}  // namespace helios::sim
