// init's ELF reader (kernel_core/lib/elf64.cpp) against libelf, on every program of the Mercury images.
#include <gelf.h>
#include <libelf.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "lib/elf64.h"

namespace {

namespace lib = helios::lib;

std::vector<uint8_t> slurp(const char* path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void compare_with_libelf(const char* path) {
    INFO(path);
    std::vector<uint8_t> bytes = slurp(path);
    REQUIRE(bytes.size() > 64);
    lib::ElfImage img;
    REQUIRE(img.open(bytes.data(), bytes.size()) == lib::ElfError::none);

    REQUIRE(elf_version(EV_CURRENT) != EV_NONE);
    Elf* e = elf_memory(reinterpret_cast<char*>(bytes.data()), bytes.size());
    REQUIRE(e != nullptr);
    GElf_Ehdr eh;
    REQUIRE(gelf_getehdr(e, &eh) != nullptr);
    CHECK(img.entry() == eh.e_entry);
    size_t phnum = 0;
    REQUIRE(elf_getphdrnum(e, &phnum) == 0);
    REQUIRE(img.segment_count() == phnum);
    for (size_t i = 0; i < phnum; ++i) {
        GElf_Phdr ph;
        REQUIRE(gelf_getphdr(e, static_cast<int>(i), &ph) != nullptr);
        lib::ElfSegment s = img.segment(static_cast<uint16_t>(i));
        CHECK(s.type == ph.p_type);
        CHECK(s.flags == ph.p_flags);
        CHECK(s.offset == ph.p_offset);
        CHECK(s.vaddr == ph.p_vaddr);
        CHECK(s.filesz == ph.p_filesz);
        CHECK(s.memsz == ph.p_memsz);
        CHECK(s.align == ph.p_align);
        if (s.filesz > 0 && s.type == lib::elf::kPtLoad) CHECK(s.data == bytes.data() + ph.p_offset);
    }
    size_t shnum = 0, shstrndx = 0;
    REQUIRE(elf_getshdrnum(e, &shnum) == 0);
    REQUIRE(elf_getshdrstrndx(e, &shstrndx) == 0);
    size_t ours = 0;
    REQUIRE(img.section_count(&ours) == lib::ElfError::none);
    REQUIRE(ours == shnum);
    for (size_t i = 0; i < shnum; ++i) {
        GElf_Shdr sh;
        REQUIRE(gelf_getshdr(elf_getscn(e, i), &sh) != nullptr);
        lib::ElfSection s{};
        REQUIRE(img.section(i, &s) == lib::ElfError::none);
        const char* name = elf_strptr(e, shstrndx, sh.sh_name);
        REQUIRE(name != nullptr);
        CHECK(std::string(s.name, s.name_len) == name);
        CHECK(s.type == sh.sh_type);
        CHECK(s.offset == sh.sh_offset);
        CHECK(s.size == sh.sh_size);
        CHECK(s.addr == sh.sh_addr);
    }
    elf_end(e);
}

}  // namespace

TEST_CASE("elf reader: init and the serial driver and usrinit agree with libelf", "[elf]") {
    compare_with_libelf(HELIOS_ELF_INIT);
    compare_with_libelf(HELIOS_ELF_SERIAL);
    compare_with_libelf(HELIOS_ELF_USRINIT);
    compare_with_libelf(HELIOS_ELF_BADMANIFEST);
}
