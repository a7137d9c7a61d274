// x86-64 instruction decoding with Zydis: port I/O forms and page-fault access types.
#include "sim/ptrace/insn_decode.h"

#include <Zydis/Zydis.h>

namespace helios::sim {
namespace {

// Initialised once; a ZydisDecoder is read-only after init, so sharing is safe.
const ZydisDecoder& decoder() {
    static const ZydisDecoder d = [] {
        ZydisDecoder dec;
        ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
        return dec;
    }();
    return d;
}

struct Decoded {
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
};

bool decode_full(const uint8_t* bytes, size_t len, Decoded& out) {
    if (bytes == nullptr || len == 0) return false;
    return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder(), bytes, len, &out.insn, out.ops));
}

// Value of a general register (any width) from the register file; the
// enclosing 64-bit register, truncated to the register's width.
uint64_t reg_value(ZydisRegister reg, const user_regs_struct& r, uint64_t next_rip) {
    if (reg == ZYDIS_REGISTER_NONE) return 0;
    // rip-relative operands count from the next instruction (Zydis has no
    // enclosing register for rip, so it is matched before widening).
    if (reg == ZYDIS_REGISTER_RIP) return next_rip;
    if (reg == ZYDIS_REGISTER_EIP) return next_rip & 0xFFFFFFFFull;
    const ZydisRegister full = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);
    uint64_t v = 0;
    switch (full) {
        case ZYDIS_REGISTER_RAX: v = r.rax; break;
        case ZYDIS_REGISTER_RCX: v = r.rcx; break;
        case ZYDIS_REGISTER_RDX: v = r.rdx; break;
        case ZYDIS_REGISTER_RBX: v = r.rbx; break;
        case ZYDIS_REGISTER_RSP: v = r.rsp; break;
        case ZYDIS_REGISTER_RBP: v = r.rbp; break;
        case ZYDIS_REGISTER_RSI: v = r.rsi; break;
        case ZYDIS_REGISTER_RDI: v = r.rdi; break;
        case ZYDIS_REGISTER_R8: v = r.r8; break;
        case ZYDIS_REGISTER_R9: v = r.r9; break;
        case ZYDIS_REGISTER_R10: v = r.r10; break;
        case ZYDIS_REGISTER_R11: v = r.r11; break;
        case ZYDIS_REGISTER_R12: v = r.r12; break;
        case ZYDIS_REGISTER_R13: v = r.r13; break;
        case ZYDIS_REGISTER_R14: v = r.r14; break;
        case ZYDIS_REGISTER_R15: v = r.r15; break;
        default: return 0;
    }
    const unsigned width = ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, reg);
    return width >= 64 ? v : v & ((1ull << width) - 1);
}

// The register file's slot for a 64-bit general register, or null.
unsigned long long* reg_slot(ZydisRegister full, user_regs_struct& r) {
    switch (full) {
        case ZYDIS_REGISTER_RAX: return &r.rax;
        case ZYDIS_REGISTER_RCX: return &r.rcx;
        case ZYDIS_REGISTER_RDX: return &r.rdx;
        case ZYDIS_REGISTER_RBX: return &r.rbx;
        case ZYDIS_REGISTER_RSP: return &r.rsp;
        case ZYDIS_REGISTER_RBP: return &r.rbp;
        case ZYDIS_REGISTER_RSI: return &r.rsi;
        case ZYDIS_REGISTER_RDI: return &r.rdi;
        case ZYDIS_REGISTER_R8: return &r.r8;
        case ZYDIS_REGISTER_R9: return &r.r9;
        case ZYDIS_REGISTER_R10: return &r.r10;
        case ZYDIS_REGISTER_R11: return &r.r11;
        case ZYDIS_REGISTER_R12: return &r.r12;
        case ZYDIS_REGISTER_R13: return &r.r13;
        case ZYDIS_REGISTER_R14: return &r.r14;
        case ZYDIS_REGISTER_R15: return &r.r15;
        default: return nullptr;
    }
}

bool is_high_byte(ZydisRegister reg) {
    return reg == ZYDIS_REGISTER_AH || reg == ZYDIS_REGISTER_CH || reg == ZYDIS_REGISTER_DH ||
           reg == ZYDIS_REGISTER_BH;
}

bool is_memory_access(const ZydisDecodedOperand& op) {
    // AGEN (lea) only computes an address; it never touches memory.
    return op.type == ZYDIS_OPERAND_TYPE_MEMORY && op.mem.type != ZYDIS_MEMOP_TYPE_AGEN && op.actions != 0;
}

uint64_t effective_address(const Decoded& d, const ZydisDecodedOperand& op, uint64_t rip, const user_regs_struct& r) {
    const uint64_t next_rip = rip + d.insn.length;
    uint64_t addr = reg_value(op.mem.base, r, next_rip) + reg_value(op.mem.index, r, next_rip) * op.mem.scale +
                    static_cast<uint64_t>(op.mem.disp.value);
    if (d.insn.address_width == 32) addr &= 0xFFFFFFFFull;
    if (op.mem.segment == ZYDIS_REGISTER_FS) addr += r.fs_base;
    if (op.mem.segment == ZYDIS_REGISTER_GS) addr += r.gs_base;
    return addr;
}

}  // namespace

std::optional<PortIo> decode_port_io(const uint8_t* bytes, size_t len) {
    Decoded d;
    if (!decode_full(bytes, len, d)) return std::nullopt;
    PortIo io;
    io.length = d.insn.length;
    switch (d.insn.mnemonic) {
        case ZYDIS_MNEMONIC_IN:
        case ZYDIS_MNEMONIC_OUT: {
            io.is_in = d.insn.mnemonic == ZYDIS_MNEMONIC_IN;
            // in: (al|ax|eax, imm8|dx); out: (imm8|dx, al|ax|eax).
            const ZydisDecodedOperand& data = d.ops[io.is_in ? 0 : 1];
            const ZydisDecodedOperand& port = d.ops[io.is_in ? 1 : 0];
            io.width = static_cast<uint8_t>(data.size / 8);
            io.port_is_imm = port.type == ZYDIS_OPERAND_TYPE_IMMEDIATE;
            if (io.port_is_imm) io.port = static_cast<uint16_t>(port.imm.value.u & 0xFF);
            return io;
        }
        case ZYDIS_MNEMONIC_INSB:
        case ZYDIS_MNEMONIC_INSW:
        case ZYDIS_MNEMONIC_INSD:
        case ZYDIS_MNEMONIC_OUTSB:
        case ZYDIS_MNEMONIC_OUTSW:
        case ZYDIS_MNEMONIC_OUTSD:
            io.is_in = d.insn.mnemonic == ZYDIS_MNEMONIC_INSB || d.insn.mnemonic == ZYDIS_MNEMONIC_INSW ||
                       d.insn.mnemonic == ZYDIS_MNEMONIC_INSD;
            io.is_string = true;
            io.rep = (d.insn.attributes & ZYDIS_ATTRIB_HAS_REP) != 0;
            // The transfer width is the mnemonic's (a 0x66 prefix makes insd
            // insw). Not the operand width: REX.W is ignored by the string
            // I/O instructions (there is no 8-byte port access), yet Zydis
            // reports a 64-bit operand width for 48 6D; found by fuzz_insn_decode.
            switch (d.insn.mnemonic) {
                case ZYDIS_MNEMONIC_INSB:
                case ZYDIS_MNEMONIC_OUTSB: io.width = 1; break;
                case ZYDIS_MNEMONIC_INSW:
                case ZYDIS_MNEMONIC_OUTSW: io.width = 2; break;
                default: io.width = 4; break;
            }
            return io;
        default: return std::nullopt;
    }
}

const char* mem_access_name(MemAccess access) {
    switch (access) {
        case MemAccess::Read: return "read";
        case MemAccess::Write: return "write";
        case MemAccess::Exec: return "exec";
        case MemAccess::Unknown: return "unknown";
    }
    return "?";
}

MemAccess classify_access(const uint8_t* bytes, size_t len, uint64_t fault_addr, uint64_t rip,
                          const user_regs_struct* regs) {
    if (fault_addr == rip) return MemAccess::Exec;
    const bool within_fetch = fault_addr > rip && fault_addr - rip < 15;
    Decoded d;
    if (!decode_full(bytes, len, d)) {
        // The bytes ran out before a whole instruction: the fetch crossed into
        // the faulting page.
        return within_fetch && len < 15 ? MemAccess::Exec : MemAccess::Unknown;
    }
    bool any = false, any_write = false, matched = false, matched_write = false;
    for (unsigned i = 0; i < d.insn.operand_count; ++i) {
        const ZydisDecodedOperand& op = d.ops[i];
        if (!is_memory_access(op)) continue;
        const bool writes = (op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
        any = true;
        any_write |= writes;
        if (regs == nullptr) continue;
        const uint64_t addr = effective_address(d, op, rip, *regs);
        const uint64_t size = op.size ? op.size / 8 : 1;
        // Implicit stack operands (push, call) are described at rsp before the
        // decrement, so also accept the slot just below.
        const bool stack =
            op.visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT &&
            ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, op.mem.base) == ZYDIS_REGISTER_RSP;
        const uint64_t lo = stack ? addr - size : addr;
        if (fault_addr - lo < (stack ? 2 * size : size)) {
            matched = true;
            matched_write |= writes;
        }
    }
    if (matched) return matched_write ? MemAccess::Write : MemAccess::Read;
    // No operand covers the address but the instruction's own bytes do: the
    // second page of a page-straddling instruction is not executable.
    if (fault_addr > rip && fault_addr - rip < d.insn.length && (regs != nullptr || !any)) return MemAccess::Exec;
    if (!any) return MemAccess::Unknown;
    return any_write ? MemAccess::Write : MemAccess::Read;
}

std::optional<SimpleMove> decode_simple_move(const uint8_t* bytes, size_t len, uint64_t rip,
                                             const user_regs_struct& regs) {
    Decoded d;
    if (!decode_full(bytes, len, d)) return std::nullopt;
    const auto m = d.insn.mnemonic;
    if (m != ZYDIS_MNEMONIC_MOV && m != ZYDIS_MNEMONIC_MOVZX && m != ZYDIS_MNEMONIC_MOVSX &&
        m != ZYDIS_MNEMONIC_MOVSXD)
        return std::nullopt;
    // Segment overrides other than fs/gs, and 32-bit addressing, are fine
    // through effective_address; lock/rep prefixes make no sense on a mov.
    if (d.insn.operand_count_visible != 2) return std::nullopt;
    const ZydisDecodedOperand& dst = d.ops[0];
    const ZydisDecodedOperand& src = d.ops[1];
    user_regs_struct scratch = regs;  // reg_slot wants a mutable file; nothing is written here
    SimpleMove move;
    move.length = d.insn.length;
    if (dst.type == ZYDIS_OPERAND_TYPE_MEMORY && dst.mem.type == ZYDIS_MEMOP_TYPE_MEM) {
        if (m != ZYDIS_MNEMONIC_MOV) return std::nullopt;
        move.store = true;
        move.width = static_cast<uint8_t>(dst.size / 8);
        move.address = effective_address(d, dst, rip, regs);
        if (src.type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
            move.value = src.imm.value.u;  // already sign-extended to the operand size by Zydis
        } else if (src.type == ZYDIS_OPERAND_TYPE_REGISTER) {
            const unsigned long long* slot =
                reg_slot(ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, src.reg.value), scratch);
            if (!slot) return std::nullopt;  // segment or control registers
            move.value = is_high_byte(src.reg.value) ? (*slot >> 8) : *slot;
        } else {
            return std::nullopt;
        }
    } else if (dst.type == ZYDIS_OPERAND_TYPE_REGISTER && src.type == ZYDIS_OPERAND_TYPE_MEMORY &&
               src.mem.type == ZYDIS_MEMOP_TYPE_MEM) {
        const ZydisRegister full = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, dst.reg.value);
        if (!reg_slot(full, scratch)) return std::nullopt;  // a segment register
        move.width = static_cast<uint8_t>(src.size / 8);
        move.address = effective_address(d, src, rip, regs);
        move.dest = static_cast<int>(full);
        move.dest_width = static_cast<uint8_t>(dst.size / 8);
        move.dest_high_byte = is_high_byte(dst.reg.value);
        move.sign_extend = m == ZYDIS_MNEMONIC_MOVSX || m == ZYDIS_MNEMONIC_MOVSXD;
    } else {
        return std::nullopt;
    }
    if (move.width != 1 && move.width != 2 && move.width != 4 && move.width != 8) return std::nullopt;
    return move;
}

void apply_load(const SimpleMove& move, uint64_t loaded, user_regs_struct& regs) {
    unsigned long long* slot = reg_slot(static_cast<ZydisRegister>(move.dest), regs);
    if (!slot) return;
    const unsigned bits = move.width * 8u;
    uint64_t v = bits == 64 ? loaded : loaded & ((1ull << bits) - 1);
    if (move.sign_extend && bits < 64 && (v >> (bits - 1)) & 1) v |= ~0ull << bits;
    if (move.dest_high_byte) {
        *slot = (*slot & ~0xFF00ull) | ((v & 0xFF) << 8);
    } else if (move.dest_width == 8) {
        *slot = v;
    } else if (move.dest_width == 4) {
        *slot = v & 0xFFFFFFFFull;  // 32-bit writes zero-extend
    } else {
        const uint64_t mask = move.dest_width == 2 ? 0xFFFFull : 0xFFull;
        *slot = (*slot & ~mask) | (v & mask);
    }
}

size_t insn_length(const uint8_t* bytes, size_t len) {
    if (bytes == nullptr || len == 0) return 0;
    ZydisDecodedInstruction insn;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder(), nullptr, bytes, len, &insn))) return 0;
    return insn.length;
}

}  // namespace helios::sim
