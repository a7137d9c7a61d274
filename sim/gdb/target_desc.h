// The x86_64 target description served to gdb (qXfer:features:read target.xml) and its register layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace helios::sim::gdb {

// gdb's register numbers for amd64 (the order of the `g` packet): the
// org.gnu.gdb.i386.core feature (general registers, rip, eflags, segment
// selectors, x87), org.gnu.gdb.i386.sse, org.gnu.gdb.i386.linux (orig_rax)
// and org.gnu.gdb.i386.segments (fs_base, gs_base), exactly as gdbserver
// lays out an amd64 Linux process.
enum Reg : unsigned {
    kRax,
    kRbx,
    kRcx,
    kRdx,
    kRsi,
    kRdi,
    kRbp,
    kRsp,
    kR8,
    kR9,
    kR10,
    kR11,
    kR12,
    kR13,
    kR14,
    kR15,
    kRip,
    kEflags,
    kCs,
    kSs,
    kDs,
    kEs,
    kFs,
    kGs,
    kSt0,
    kFctrl = kSt0 + 8,
    kFstat,
    kFtag,
    kFiseg,
    kFioff,
    kFoseg,
    kFooff,
    kFop,
    kXmm0,
    kMxcsr = kXmm0 + 16,
    kOrigRax,
    kFsBase,
    kGsBase,
    kRegCount,
};

struct RegisterDef {
    const char* name;
    unsigned bits;
    const char* type;
    const char* group;  // null: the default group
};

const RegisterDef& register_def(unsigned regno);  // precondition: regno < kRegCount
// Byte offset of a register in the raw register file (the `g` packet's bytes).
size_t register_offset(unsigned regno);
inline size_t register_size(unsigned regno) {
    return register_def(regno).bits / 8;
}
// Bytes of the whole register file.
size_t register_file_size();

// The target description document (target.xml).
const std::string& target_xml();

// The raw register file in gdb's layout: every register little-endian.
class RegisterFile {
public:
    RegisterFile();
    uint8_t* at(unsigned regno) { return reinterpret_cast<uint8_t*>(bytes_.data()) + register_offset(regno); }
    const uint8_t* at(unsigned regno) const {
        return reinterpret_cast<const uint8_t*>(bytes_.data()) + register_offset(regno);
    }
    uint64_t get(unsigned regno) const;        // up to the first 8 bytes
    void set(unsigned regno, uint64_t value);  // writes the first min(8, size) bytes, zero-extends
    std::string& bytes() { return bytes_; }
    const std::string& bytes() const { return bytes_; }

private:
    std::string bytes_;
};

}  // namespace helios::sim::gdb
