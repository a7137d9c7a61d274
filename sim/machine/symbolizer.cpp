// Symbolizer: libelf for the symbol table, libdw for the line table.
#include "sim/machine/symbolizer.h"

#include "lib/tar.h"
#include "sim/ptrace/insn_decode.h"

#include <elfutils/libdw.h>
#include <fmt/format.h>
#include <gelf.h>

#include <algorithm>
#include <cstring>

namespace helios::sim {

Symbolizer::Symbolizer(std::vector<uint8_t> image) : image_(std::move(image)) { elf_version(EV_CURRENT); }

Symbolizer::~Symbolizer() {
    for (auto& [name, p] : programs_) {
        if (!p) continue;
        if (p->dwarf) dwarf_end(static_cast<Dwarf*>(p->dwarf));
        if (p->elf) elf_end(p->elf);
    }
}

Symbolizer::Program* Symbolizer::load(const std::string& program) {
    auto it = programs_.find(program);
    if (it != programs_.end()) return it->second.get();
    std::unique_ptr<Program> p;
    lib::TarReader tar(image_.data(), image_.size());
    lib::TarEntry e{};
    while (tar.next(&e) == lib::TarError::none) {
        if (e.type != lib::TarType::regular) continue;
        char path[256];
        e.copy_path(path, sizeof path);
        std::string s = path;
        std::string base = s.substr(s.rfind('/') == std::string::npos ? 0 : s.rfind('/') + 1);
        if (s != program && base != program) continue;
        p = std::make_unique<Program>();
        p->bytes.assign(e.data, e.data + e.size);
        p->elf = elf_memory(reinterpret_cast<char*>(p->bytes.data()), p->bytes.size());
        if (p->elf) p->dwarf = dwarf_begin_elf(p->elf, DWARF_C_READ, nullptr);
        break;
    }
    Program* raw = p.get();
    programs_[program] = std::move(p);
    return raw;
}

std::string Symbolizer::describe(const std::string& program, uint64_t addr) {
    Program* p = load(program);
    std::string where = fmt::format("{:#x}", addr);
    if (!p || !p->elf) return where;
    // The function: the FUNC symbol whose range holds addr.
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(p->elf, scn)) != nullptr) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (!data) continue;
        size_t n = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < n; ++i) {
            GElf_Sym sym;
            if (!gelf_getsym(data, static_cast<int>(i), &sym)) continue;
            if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || addr < sym.st_value || addr >= sym.st_value + sym.st_size)
                continue;
            const char* name = elf_strptr(p->elf, sh.sh_link, sym.st_name);
            if (name) where = fmt::format("{}+{:#x}", name, addr - sym.st_value);
            break;
        }
    }
    // The source line, from the DWARF line table.
    if (auto* dbg = static_cast<Dwarf*>(p->dwarf)) {
        Dwarf_Die cu;
        if (dwarf_addrdie(dbg, addr, &cu)) {
            if (Dwarf_Line* line = dwarf_getsrc_die(&cu, addr)) {
                int lineno = 0;
                const char* file = dwarf_linesrc(line, nullptr, nullptr);
                dwarf_lineno(line, &lineno);
                if (file) {
                    std::string f = file;
                    where += fmt::format(" ({}:{})", f.substr(f.rfind('/') == std::string::npos ? 0 : f.rfind('/') + 1),
                                         lineno);
                }
            }
        }
    }
    return where;
}

std::vector<std::string> Symbolizer::tsc_reads(size_t max) {
    std::vector<std::string> names;
    {
        lib::TarReader tar(image_.data(), image_.size());
        lib::TarEntry e{};
        while (tar.next(&e) == lib::TarError::none) {
            if (e.type != lib::TarType::regular || e.size < 4 || std::memcmp(e.data, "\x7f" "ELF", 4) != 0) continue;
            char path[256];
            e.copy_path(path, sizeof path);
            names.emplace_back(path);
        }
    }
    std::vector<std::string> out;
    for (const std::string& name : names) {
        Program* p = load(name);
        if (!p || !p->elf) continue;
        Elf_Scn* scn = nullptr;
        while ((scn = elf_nextscn(p->elf, scn)) != nullptr && out.size() < max) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR)) continue;
            Elf_Data* data = elf_getdata(scn, nullptr);
            if (!data || !data->d_buf) continue;
            const auto* code = static_cast<const uint8_t*>(data->d_buf);
            const size_t size = data->d_size;
            for (size_t off = 0; off < size && out.size() < max;) {
                const size_t left = size - off;
                const bool rdtsc = left >= 2 && code[off] == 0x0F && code[off + 1] == 0x31;
                const bool rdtscp = left >= 3 && code[off] == 0x0F && code[off + 1] == 0x01 && code[off + 2] == 0xF9;
                if (rdtsc || rdtscp)
                    out.push_back(fmt::format("{}: {} {}", name, rdtsc ? "rdtsc" : "rdtscp", describe(name, sh.sh_addr + off)));
                const size_t len = insn_length(code + off, std::min<size_t>(left, 15));
                off += len ? len : 1;  // data or padding: resynchronise byte by byte
            }
        }
    }
    return out;
}

}  // namespace helios::sim
