// boot_init: init built from a real (synthesised) ELF in a tar, and refused cleanly when it cannot fit.
#include "core/boot.h"
#include "support/invariants.h"
#include "support/world.h"

#include <catch2/catch.hpp>

#include <elf.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace helios;
using namespace helios::test;

namespace {

constexpr uint64_t kCodeAddr = 0x400000;
constexpr uint64_t kBssAddr = 0x600000;

// A static x86-64 executable: one R+X page of code (`jmp .`) at kCodeAddr and
// a RW segment of `bss_bytes` zero-filled bytes (no file bytes) at kBssAddr.
std::string make_elf(uint64_t bss_bytes) {
    const unsigned char code[] = {0xEB, 0xFE};
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = kCodeAddr;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 2;
    const uint64_t code_off = 0x1000;
    Elf64_Phdr ph[2]{};
    ph[0].p_type = PT_LOAD;
    ph[0].p_flags = PF_R | PF_X;
    ph[0].p_offset = code_off;
    ph[0].p_vaddr = kCodeAddr;
    ph[0].p_filesz = sizeof code;
    ph[0].p_memsz = sizeof code;
    ph[0].p_align = 0x1000;
    ph[1].p_type = PT_LOAD;
    ph[1].p_flags = PF_R | PF_W;
    ph[1].p_offset = code_off;  // no file bytes; must lie inside the file all the same
    ph[1].p_vaddr = kBssAddr;
    ph[1].p_filesz = 0;
    ph[1].p_memsz = bss_bytes;
    ph[1].p_align = 0x1000;
    std::string out(code_off + sizeof code, '\0');
    std::memcpy(out.data(), &eh, sizeof eh);
    std::memcpy(out.data() + sizeof eh, ph, sizeof ph);
    std::memcpy(out.data() + code_off, code, sizeof code);
    return out;
}

// A ustar archive holding `init`.
std::vector<uint8_t> make_tar(const std::string& init) {
    std::vector<uint8_t> tar(512, 0);
    std::memcpy(tar.data(), "init", 4);
    std::snprintf(reinterpret_cast<char*>(&tar[100]), 8, "%07o", 0755);
    std::snprintf(reinterpret_cast<char*>(&tar[108]), 8, "%07o", 0);
    std::snprintf(reinterpret_cast<char*>(&tar[116]), 8, "%07o", 0);
    std::snprintf(reinterpret_cast<char*>(&tar[124]), 12, "%011llo", static_cast<unsigned long long>(init.size()));
    std::snprintf(reinterpret_cast<char*>(&tar[136]), 12, "%011o", 0);
    tar[156] = '0';
    std::memcpy(&tar[257], "ustar\0" "00", 8);
    std::memset(&tar[148], ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; ++i) sum += tar[i];
    std::snprintf(reinterpret_cast<char*>(&tar[148]), 8, "%06o", sum);
    tar[155] = ' ';
    tar.insert(tar.end(), init.begin(), init.end());
    tar.resize((tar.size() + 511) / 512 * 512 + 1024, 0);
    return tar;
}

BootConfig config_for(const std::vector<uint8_t>& tar) {
    BootConfig c;
    c.initramfs = tar.data();
    c.initramfs_size = tar.size();
    c.cmdline = "test";
    return c;
}

}  // namespace

TEST_CASE("boot: init from a tar gets its entry point, stack and slots, and runs", "[boot]") {
    World w(32u << 20);
    KernelChecker check(w.k, w.root, w.frames_used());
    std::vector<uint8_t> tar = make_tar(make_elf(64 * 1024));
    BootError why;
    auto init = boot_init(w.k, *w.root, config_for(tar), &why);
    INFO((why.what ? why.what : "") << " " << (why.detail ? why.detail : ""));
    REQUIRE(init.ok());
    CHECK(w.k.init_task() == *init);
    CHECK((*init)->regs.rip == kCodeAddr);
    CHECK((*init)->regs.rsp == HELIOS_INIT_STACK_TOP);
    CHECK(w.k.current() == *init);
    // The .bss is mapped (zeroed) and writable through the kernel's tables.
    auto bss = w.k.paging().translate(*(*init)->vspace(), kBssAddr + 60 * 1024, true);
    CHECK(bss.ok());
    // The boot objects (owned by no Memory) are roots for the checker.
    auto* cs = downcast<CSpace>((*init)->cspace());
    REQUIRE(cs != nullptr);
    for (helios_caddr_t c : {HELIOS_INIT_CAP_IRQCONTROL, HELIOS_INIT_CAP_IOCONTROL}) check.add_root((*cs->slot(c))->object);
    for (const std::string& problem : check.check(true, true)) FAIL_CHECK(problem);
}

TEST_CASE("boot: an init needing more slots than its cspace has is refused, and nothing is left behind", "[boot]") {
    // 17 MiB of .bss: one page capability per page is 4352 slots, more than
    // init's 4096. This used to dereference a null slot.
    World w(64u << 20);
    KernelChecker check(w.k, w.root, w.frames_used());
    const uint64_t used_before = w.root->used();
    const uint64_t live_before = w.k.stats().objects_live;
    std::vector<uint8_t> tar = make_tar(make_elf(17u << 20));
    BootError why;
    auto init = boot_init(w.k, *w.root, config_for(tar), &why);
    REQUIRE_FALSE(init.ok());
    REQUIRE(why.what != nullptr);
    CHECK(std::string(why.what).find("more capability slots than init's cspace has") != std::string::npos);
    CHECK(w.k.init_task() == nullptr);
    CHECK(w.k.current() == nullptr);
    w.k.drain_destroy_queue();
    CHECK(w.root->used() == used_before);
    CHECK(w.k.stats().objects_live == live_before);
    for (const std::string& problem : check.check(true, true)) FAIL_CHECK(problem);
}

TEST_CASE("boot: frame records are built on demand, not for the whole machine", "[boot][memory]") {
    World w(64u << 20);
    const uint64_t total = w.k.phys().total_frames();
    // Only the frames handed out so far (metadata, root) have records.
    CHECK(w.k.frames_ready() < total / 4);
    std::vector<uint8_t> tar = make_tar(make_elf(64 * 1024));
    BootError why;
    REQUIRE(boot_init(w.k, *w.root, config_for(tar), &why).ok());
    CHECK(w.k.frames_ready() < total / 2);
    // A record far above the high-water mark reads as empty.
    CHECK(w.k.frame(w.k.phys().first_frame() + total - 1).owner == nullptr);
    CHECK(w.k.frames_ready() == total);
}
