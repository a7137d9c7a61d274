// Tests of the Zydis-based decoder: every port I/O encoding, access-type classification, lengths.
#include "sim/ptrace/insn_decode.h"

#include <catch2/catch.hpp>
#include <initializer_list>
#include <vector>

using namespace helios::sim;

namespace {

std::optional<PortIo> io(std::initializer_list<uint8_t> bytes) {
    std::vector<uint8_t> v(bytes);
    return decode_port_io(v.data(), v.size());
}

struct Expect {
    bool is_in;
    int width;
    bool imm;
    int port;
    bool string;
    bool rep;
    int length;
};

void check(const std::optional<PortIo>& got, const Expect& e) {
    REQUIRE(got);
    CHECK(got->is_in == e.is_in);
    CHECK(got->width == e.width);
    CHECK(got->port_is_imm == e.imm);
    CHECK(got->port == e.port);
    CHECK(got->is_string == e.string);
    CHECK(got->rep == e.rep);
    CHECK(got->length == e.length);
}

MemAccess access(std::initializer_list<uint8_t> bytes, uint64_t fault, uint64_t rip,
                 const user_regs_struct* regs = nullptr) {
    std::vector<uint8_t> v(bytes);
    return classify_access(v.data(), v.size(), fault, rip, regs);
}

}  // namespace

TEST_CASE("in: every form", "[decode][portio]") {
    check(io({0xE4, 0x60}), {true, 1, true, 0x60, false, false, 2});        // in al, 0x60
    check(io({0x66, 0xE5, 0x71}), {true, 2, true, 0x71, false, false, 3});  // in ax, 0x71
    check(io({0xE5, 0xFF}), {true, 4, true, 0xFF, false, false, 2});        // in eax, 0xff
    check(io({0xEC}), {true, 1, false, 0, false, false, 1});                // in al, dx
    check(io({0x66, 0xED}), {true, 2, false, 0, false, false, 2});          // in ax, dx
    check(io({0xED}), {true, 4, false, 0, false, false, 1});                // in eax, dx
    check(io({0x48, 0xED}), {true, 4, false, 0, false, false, 2});          // REX.W is ignored: still eax
}

TEST_CASE("out: every form", "[decode][portio]") {
    check(io({0xE6, 0x80}), {false, 1, true, 0x80, false, false, 2});        // out 0x80, al
    check(io({0x66, 0xE7, 0x70}), {false, 2, true, 0x70, false, false, 3});  // out 0x70, ax
    check(io({0xE7, 0x20}), {false, 4, true, 0x20, false, false, 2});        // out 0x20, eax
    check(io({0xEE}), {false, 1, false, 0, false, false, 1});                // out dx, al
    check(io({0x66, 0xEF}), {false, 2, false, 0, false, false, 2});          // out dx, ax
    check(io({0xEF}), {false, 4, false, 0, false, false, 1});                // out dx, eax
}

TEST_CASE("ins/outs: every width with and without rep", "[decode][portio]") {
    check(io({0x6C}), {true, 1, false, 0, true, false, 1});              // insb
    check(io({0x66, 0x6D}), {true, 2, false, 0, true, false, 2});        // insw
    check(io({0x6D}), {true, 4, false, 0, true, false, 1});              // insd
    check(io({0xF3, 0x6C}), {true, 1, false, 0, true, true, 2});         // rep insb
    check(io({0xF3, 0x66, 0x6D}), {true, 2, false, 0, true, true, 3});   // rep insw
    check(io({0x66, 0xF3, 0x6D}), {true, 2, false, 0, true, true, 3});   // prefixes in either order
    check(io({0xF3, 0x6D}), {true, 4, false, 0, true, true, 2});         // rep insd
    check(io({0x6E}), {false, 1, false, 0, true, false, 1});             // outsb
    check(io({0x66, 0x6F}), {false, 2, false, 0, true, false, 2});       // outsw
    check(io({0x6F}), {false, 4, false, 0, true, false, 1});             // outsd
    check(io({0xF3, 0x6E}), {false, 1, false, 0, true, true, 2});        // rep outsb
    check(io({0xF3, 0x66, 0x6F}), {false, 2, false, 0, true, true, 3});  // rep outsw
    check(io({0xF3, 0x6F}), {false, 4, false, 0, true, true, 2});        // rep outsd
    // REX.W is ignored by string I/O: still 4 bytes (fuzz_insn_decode found
    // the decoder reporting 8, the 64-bit operand width Zydis gives).
    check(io({0x48, 0x6D}), {true, 4, false, 0, true, false, 2});        // rex.w insd
    check(io({0xF3, 0x48, 0x6F}), {false, 4, false, 0, true, true, 3});  // rep rex.w outsd
}

TEST_CASE("non-I/O and broken input is not port I/O", "[decode][portio]") {
    CHECK_FALSE(io({0x90}));        // nop
    CHECK_FALSE(io({0x0F, 0x05}));  // syscall
    CHECK_FALSE(io({0xE4}));        // in al, imm8 cut short
    CHECK_FALSE(decode_port_io(nullptr, 0));
    const uint8_t one = 0xEE;
    CHECK_FALSE(decode_port_io(&one, 0));
    // Bytes after the instruction are ignored.
    check(io({0xEE, 0x0F, 0x0B, 0xCC}), {false, 1, false, 0, false, false, 1});
}

TEST_CASE("access type from explicit memory operands", "[decode][access]") {
    const uint64_t rip = 0x400000, fault = 0x10000000;
    CHECK(access({0x89, 0x08}, fault, rip) == MemAccess::Write);              // mov [rax], ecx
    CHECK(access({0x8B, 0x08}, fault, rip) == MemAccess::Read);               // mov ecx, [rax]
    CHECK(access({0x83, 0x00, 0x01}, fault, rip) == MemAccess::Write);        // add dword [rax], 1
    CHECK(access({0xF0, 0x0F, 0xB1, 0x0F}, fault, rip) == MemAccess::Write);  // lock cmpxchg [rdi], ecx
    CHECK(access({0x87, 0x08}, fault, rip) == MemAccess::Write);              // xchg [rax], ecx
    CHECK(access({0x3B, 0x08}, fault, rip) == MemAccess::Read);               // cmp ecx, [rax]
    CHECK(access({0xC6, 0x00, 0x07}, fault, rip) == MemAccess::Write);        // mov byte [rax], 7
    CHECK(access({0x0F, 0x10, 0x00}, fault, rip) == MemAccess::Read);         // movups xmm0, [rax]
    CHECK(access({0x0F, 0x11, 0x00}, fault, rip) == MemAccess::Write);        // movups [rax], xmm0
    CHECK(access({0x48, 0x8D, 0x03}, fault, rip) == MemAccess::Unknown);      // lea: no access at all
    CHECK(access({0x90}, fault, rip) == MemAccess::Unknown);                  // nop
}

TEST_CASE("access type from implicit memory operands", "[decode][access]") {
    const uint64_t rip = 0x400000, fault = 0x7000fff8;
    CHECK(access({0x50}, fault, rip) == MemAccess::Write);                          // push rax
    CHECK(access({0x58}, fault, rip) == MemAccess::Read);                           // pop rax
    CHECK(access({0xE8, 0x00, 0x00, 0x00, 0x00}, fault, rip) == MemAccess::Write);  // call rel32
    CHECK(access({0xC3}, fault, rip) == MemAccess::Read);                           // ret
    CHECK(access({0xF3, 0xAA}, fault, rip) == MemAccess::Write);                    // rep stosb
    CHECK(access({0xAC}, fault, rip) == MemAccess::Read);                           // lodsb
}

TEST_CASE("registers pick the faulting operand of a two-operand access", "[decode][access]") {
    const uint64_t rip = 0x400000;
    user_regs_struct r{};
    r.rsi = 0x10000000;
    r.rdi = 0x20000000;
    r.rsp = 0x70001000;
    r.rax = 0x30000010;
    // movsb: reads [rsi], writes [rdi].
    CHECK(access({0xA4}, r.rsi, rip, &r) == MemAccess::Read);
    CHECK(access({0xA4}, r.rdi, rip, &r) == MemAccess::Write);
    CHECK(access({0xA4}, r.rsi, rip) == MemAccess::Write);  // without registers: any write wins
    // rep movsq: the registers already point at the faulting element.
    CHECK(access({0xF3, 0x48, 0xA5}, r.rsi + 4, rip, &r) == MemAccess::Read);
    // push qword [rax]: reads [rax], writes [rsp-8].
    CHECK(access({0xFF, 0x30}, r.rax, rip, &r) == MemAccess::Read);
    CHECK(access({0xFF, 0x30}, r.rsp - 8, rip, &r) == MemAccess::Write);
    // rip-relative: mov eax, [rip+0x100] reads rip + 6 + 0x100.
    CHECK(access({0x8B, 0x05, 0x00, 0x01, 0x00, 0x00}, rip + 6 + 0x100, rip, &r) == MemAccess::Read);
    // fs-relative: mov rax, fs:[8] with fs_base 0x5000.
    r.fs_base = 0x5000;
    CHECK(access({0x64, 0x48, 0x8B, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00}, 0x5008, rip, &r) == MemAccess::Read);
    // 32-bit address size: mov [eax], ecx uses only eax's low half.
    r.rax = 0xFFFFFFFF00001000ull;
    CHECK(access({0x67, 0x89, 0x08}, 0x1000, rip, &r) == MemAccess::Write);
}

TEST_CASE("instruction fetches classify as exec", "[decode][access]") {
    const uint64_t rip = 0x400ffe;
    CHECK(classify_access(nullptr, 0, rip, rip) == MemAccess::Exec);  // rip itself unmapped
    CHECK(access({0x89, 0x08}, rip, rip) == MemAccess::Exec);
    // mov eax, imm32 whose last bytes lie on the next, unmapped page.
    CHECK(access({0xB8, 0x01}, 0x401000, rip) == MemAccess::Exec);
    // A readable but non-executable next page: the bytes decode, no operand covers the address.
    user_regs_struct r{};
    r.rax = 0x10000000;
    CHECK(access({0x89, 0x08}, 0x401000, 0x400fff, &r) == MemAccess::Exec);
    // Undecodable garbage far from rip.
    CHECK(access({0x0F, 0xFF}, 0x10000000, rip) == MemAccess::Unknown);
}

TEST_CASE("instruction lengths", "[decode]") {
    const uint8_t nop[] = {0x90};
    const uint8_t sys[] = {0x0F, 0x05};
    const uint8_t movabs[] = {0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8};
    const uint8_t cut[] = {0x48, 0xB8, 1, 2};
    CHECK(insn_length(nop, sizeof nop) == 1);
    CHECK(insn_length(sys, sizeof sys) == 2);
    CHECK(insn_length(movabs, sizeof movabs) == 10);
    CHECK(insn_length(cut, sizeof cut) == 0);
    CHECK(insn_length(nullptr, 0) == 0);
    CHECK(std::string(mem_access_name(MemAccess::Write)) == "write");
}

namespace {
std::optional<SimpleMove> move(std::initializer_list<uint8_t> bytes, const user_regs_struct& regs,
                               uint64_t rip = 0x400000) {
    std::vector<uint8_t> v(bytes);
    return decode_simple_move(v.data(), v.size(), rip, regs);
}
}  // namespace

TEST_CASE("simple moves: stores of registers and immediates", "[decode][move]") {
    user_regs_struct r{};
    r.rax = 0x1122334455667788;
    r.rdx = 0x100;
    r.rbx = 0x0000AABB;
    // mov dword [rdx], 1337
    auto m = move({0xC7, 0x02, 0x39, 0x05, 0x00, 0x00}, r);
    REQUIRE(m);
    CHECK(m->store);
    CHECK(m->width == 4);
    CHECK(m->address == 0x100);
    CHECK(static_cast<uint32_t>(m->value) == 1337);
    CHECK(m->length == 6);
    // mov [rdx+8], rax
    m = move({0x48, 0x89, 0x42, 0x08}, r);
    REQUIRE(m);
    CHECK((m->store && m->width == 8 && m->address == 0x108 && m->value == r.rax));
    // mov [rdx], bh: a high-byte source
    m = move({0x88, 0x3A}, r);
    REQUIRE(m);
    CHECK((m->store && m->width == 1 && (m->value & 0xFF) == 0xAA));
    // mov qword [rdx], -1 (imm32 sign-extended)
    m = move({0x48, 0xC7, 0x02, 0xFF, 0xFF, 0xFF, 0xFF}, r);
    REQUIRE(m);
    CHECK(m->value == ~0ull);
}

TEST_CASE("simple moves: loads extend into the register like the CPU", "[decode][move]") {
    user_regs_struct r{};
    r.rdx = 0x200;
    r.rax = 0xFFFFFFFFFFFFFFFF;
    // mov eax, [rdx]: a 32-bit load zero-extends
    auto m = move({0x8B, 0x02}, r);
    REQUIRE(m);
    CHECK_FALSE(m->store);
    apply_load(*m, 0x80000001, r);
    CHECK(r.rax == 0x80000001);
    // mov ax, [rdx]: merges the low 16 bits
    r.rax = 0xFFFFFFFFFFFFFFFF;
    m = move({0x66, 0x8B, 0x02}, r);
    REQUIRE(m);
    apply_load(*m, 0x1234, r);
    CHECK(r.rax == 0xFFFFFFFFFFFF1234);
    // mov ah, [rdx]
    r.rax = 0;
    m = move({0x8A, 0x22}, r);
    REQUIRE(m);
    apply_load(*m, 0x7F, r);
    CHECK(r.rax == 0x7F00);
    // movsx rcx, byte [rdx] and movzx ecx, word [rdx]
    m = move({0x48, 0x0F, 0xBE, 0x0A}, r);
    REQUIRE(m);
    apply_load(*m, 0x80, r);
    CHECK(r.rcx == 0xFFFFFFFFFFFFFF80);
    m = move({0x0F, 0xB7, 0x0A}, r);
    REQUIRE(m);
    apply_load(*m, 0xFFFF, r);
    CHECK(r.rcx == 0xFFFF);
    // movsxd r8, dword [rdx]
    m = move({0x4C, 0x63, 0x02}, r);
    REQUIRE(m);
    apply_load(*m, 0xFFFFFFFE, r);
    CHECK(r.r8 == 0xFFFFFFFFFFFFFFFE);
    // rip-relative: mov rax, [rip+0x10] at 0x400000 (7 bytes long)
    m = move({0x48, 0x8B, 0x05, 0x10, 0x00, 0x00, 0x00}, r, 0x400000);
    REQUIRE(m);
    CHECK(m->address == 0x400017);
}

TEST_CASE("simple moves: anything else is not emulated", "[decode][move]") {
    user_regs_struct r{};
    r.rdx = 0x100;
    CHECK_FALSE(move({0x01, 0x02}, r));        // add [rdx], eax
    CHECK_FALSE(move({0x89, 0xC2}, r));        // mov edx, eax (no memory)
    CHECK_FALSE(move({0x8E, 0x1A}, r));        // mov ds, [rdx]
    CHECK_FALSE(move({0xA4}, r));              // movsb
    CHECK_FALSE(move({0x0F, 0x10, 0x02}, r));  // movups xmm0, [rdx]
    CHECK_FALSE(move({0xFF, 0x22}, r));        // jmp [rdx]
    CHECK_FALSE(move({0x48}, r));              // truncated
}
