// The x86_64 target description and register layout.
#include "sim/gdb/target_desc.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace helios::sim::gdb {

namespace {

struct Feature {
    const char* name;
    unsigned first, end;  // registers [first, end)
    const char* types;    // type definitions placed before the registers
};

constexpr const char* kCoreTypes = R"(  <flags id="i386_eflags" size="4">
    <field name="CF" start="0" end="0"/>
    <field name="" start="1" end="1"/>
    <field name="PF" start="2" end="2"/>
    <field name="AF" start="4" end="4"/>
    <field name="ZF" start="6" end="6"/>
    <field name="SF" start="7" end="7"/>
    <field name="TF" start="8" end="8"/>
    <field name="IF" start="9" end="9"/>
    <field name="DF" start="10" end="10"/>
    <field name="OF" start="11" end="11"/>
    <field name="NT" start="14" end="14"/>
    <field name="RF" start="16" end="16"/>
    <field name="VM" start="17" end="17"/>
    <field name="AC" start="18" end="18"/>
    <field name="VIF" start="19" end="19"/>
    <field name="VIP" start="20" end="20"/>
    <field name="ID" start="21" end="21"/>
  </flags>
)";

constexpr const char* kSseTypes = R"(  <vector id="v4f" type="ieee_single" count="4"/>
  <vector id="v2d" type="ieee_double" count="2"/>
  <vector id="v16i8" type="int8" count="16"/>
  <vector id="v8i16" type="int16" count="8"/>
  <vector id="v4i32" type="int32" count="4"/>
  <vector id="v2i64" type="int64" count="2"/>
  <union id="vec128">
    <field name="v4_float" type="v4f"/>
    <field name="v2_double" type="v2d"/>
    <field name="v16_int8" type="v16i8"/>
    <field name="v8_int16" type="v8i16"/>
    <field name="v4_int32" type="v4i32"/>
    <field name="v2_int64" type="v2i64"/>
    <field name="uint128" type="uint128"/>
  </union>
  <flags id="i386_mxcsr" size="4">
    <field name="IE" start="0" end="0"/>
    <field name="DE" start="1" end="1"/>
    <field name="ZE" start="2" end="2"/>
    <field name="OE" start="3" end="3"/>
    <field name="UE" start="4" end="4"/>
    <field name="PE" start="5" end="5"/>
    <field name="DAZ" start="6" end="6"/>
    <field name="IM" start="7" end="7"/>
    <field name="DM" start="8" end="8"/>
    <field name="ZM" start="9" end="9"/>
    <field name="OM" start="10" end="10"/>
    <field name="UM" start="11" end="11"/>
    <field name="PM" start="12" end="12"/>
    <field name="FZ" start="15" end="15"/>
  </flags>
)";

constexpr Feature kFeatures[] = {
    {"org.gnu.gdb.i386.core", kRax, kXmm0, kCoreTypes},
    {"org.gnu.gdb.i386.sse", kXmm0, kOrigRax, kSseTypes},
    {"org.gnu.gdb.i386.linux", kOrigRax, kFsBase, ""},
    {"org.gnu.gdb.i386.segments", kFsBase, kRegCount, ""},
};

std::array<RegisterDef, kRegCount> make_defs() {
    std::array<RegisterDef, kRegCount> d{};
    static const char* const gpr[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                      "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    for (unsigned i = 0; i < 16; ++i) d[kRax + i] = {gpr[i], 64, "int64", nullptr};
    d[kRbp].type = d[kRsp].type = "data_ptr";
    d[kRip] = {"rip", 64, "code_ptr", nullptr};
    d[kEflags] = {"eflags", 32, "i386_eflags", nullptr};
    static const char* const seg[] = {"cs", "ss", "ds", "es", "fs", "gs"};
    for (unsigned i = 0; i < 6; ++i) d[kCs + i] = {seg[i], 32, "int32", nullptr};
    static const char* const st[] = {"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7"};
    for (unsigned i = 0; i < 8; ++i) d[kSt0 + i] = {st[i], 80, "i387_ext", nullptr};
    static const char* const fpc[] = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
    for (unsigned i = 0; i < 8; ++i) d[kFctrl + i] = {fpc[i], 32, "int", "float"};
    static const char* const xmm[] = {"xmm0", "xmm1", "xmm2",  "xmm3",  "xmm4",  "xmm5",  "xmm6",  "xmm7",
                                      "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"};
    for (unsigned i = 0; i < 16; ++i) d[kXmm0 + i] = {xmm[i], 128, "vec128", nullptr};
    d[kMxcsr] = {"mxcsr", 32, "i386_mxcsr", "vector"};
    d[kOrigRax] = {"orig_rax", 64, "int", nullptr};
    d[kFsBase] = {"fs_base", 64, "int", nullptr};
    d[kGsBase] = {"gs_base", 64, "int", nullptr};
    return d;
}

const std::array<RegisterDef, kRegCount>& defs() {
    static const auto d = make_defs();
    return d;
}

const std::array<size_t, kRegCount + 1>& offsets() {
    static const auto o = [] {
        std::array<size_t, kRegCount + 1> v{};
        for (unsigned i = 0; i < kRegCount; ++i) v[i + 1] = v[i] + defs()[i].bits / 8;
        return v;
    }();
    return o;
}

}  // namespace

const RegisterDef& register_def(unsigned regno) {
    return defs()[regno];
}
size_t register_offset(unsigned regno) {
    return offsets()[regno];
}
size_t register_file_size() {
    return offsets()[kRegCount];
}

const std::string& target_xml() {
    static const std::string xml = [] {
        std::string s =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n"
            "  <architecture>i386:x86-64</architecture>\n";
        for (const Feature& f : kFeatures) {
            s += fmt::format("  <feature name=\"{}\">\n", f.name);
            s += f.types;
            for (unsigned r = f.first; r < f.end; ++r) {
                const RegisterDef& d = defs()[r];
                s += fmt::format("    <reg name=\"{}\" bitsize=\"{}\" type=\"{}\" regnum=\"{}\"", d.name, d.bits,
                                 d.type, r);
                if (d.group) s += fmt::format(" group=\"{}\"", d.group);
                s += "/>\n";
            }
            s += "  </feature>\n";
        }
        s += "</target>\n";
        return s;
    }();
    return xml;
}

RegisterFile::RegisterFile() : bytes_(register_file_size(), '\0') {}

uint64_t RegisterFile::get(unsigned regno) const {
    uint64_t v = 0;
    std::memcpy(&v, at(regno), std::min<size_t>(8, register_size(regno)));
    return v;
}

void RegisterFile::set(unsigned regno, uint64_t value) {
    size_t n = register_size(regno);
    std::memset(at(regno), 0, n);
    std::memcpy(at(regno), &value, std::min<size_t>(8, n));
}

}  // namespace helios::sim::gdb
