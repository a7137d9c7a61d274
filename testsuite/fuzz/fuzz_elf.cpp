// fuzz_elf: init's ELF reader (kernel_core/lib/elf64) on any bytes, with
// libelf as the oracle: what ours accepts, libelf reads the same way (entry,
// every program header); what ours refuses, it refuses with a description;
// sections agree with libelf's wherever ours can read them.
#include "fuzz_bytes.h"
#include "lib/elf64.h"

#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <string>
#include <vector>

using helios::fuzz::finding;
using namespace helios::lib;

namespace {

// libelf's reading of the program headers; false when libelf cannot read
// the file as ELF at all.
bool libelf_phdrs(std::vector<uint8_t>& bytes, GElf_Ehdr* ehdr, std::vector<GElf_Phdr>& phdrs) {
    Elf* e = elf_memory(reinterpret_cast<char*>(bytes.data()), bytes.size());
    if (!e) return false;
    bool ok = gelf_getehdr(e, ehdr) != nullptr;
    size_t phnum = 0;
    if (ok && elf_getphdrnum(e, &phnum) == 0) {
        for (size_t i = 0; i < phnum; ++i) {
            GElf_Phdr ph;
            if (!gelf_getphdr(e, static_cast<int>(i), &ph)) {
                ok = false;
                break;
            }
            phdrs.push_back(ph);
        }
    } else {
        ok = false;
    }
    elf_end(e);
    return ok;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    elf_version(EV_CURRENT);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> image(data, data + size);  // exact size: ASan sees any overread
    ElfImage img;
    ElfError e = img.open(image.data(), image.size());
    const char* why = describe(e);
    if (!why || !*why) finding("an ELF verdict without a description");
    if (e != ElfError::none) return 0;

    // Accepted: libelf must read the same header and program headers.
    std::vector<uint8_t> copy = image;
    GElf_Ehdr ehdr;
    std::vector<GElf_Phdr> phdrs;
    if (!libelf_phdrs(copy, &ehdr, phdrs)) {
        // libelf reads the section header table when it opens a file (e.g.
        // the extended count in section 0 when e_shnum is 0); ours reads it
        // only when a section is asked for. Agreement then means our
        // section reader refuses that table too, with a reason.
        ElfSection sec{};
        ElfError se = img.find_section(".manifest", &sec);
        if (se != ElfError::none && se != ElfError::section_not_found && se != ElfError::no_section_headers) return 0;
        finding("our reader accepted an ELF libelf cannot read");
    }
    if (ehdr.e_entry != img.entry()) finding("entry point differs from libelf's");
    if (phdrs.size() != img.segment_count()) finding("program header count differs from libelf's");
    for (uint16_t i = 0; i < img.segment_count(); ++i) {
        ElfSegment s = img.segment(i);
        const GElf_Phdr& p = phdrs[i];
        if (s.type != p.p_type || s.flags != p.p_flags || s.offset != p.p_offset || s.vaddr != p.p_vaddr ||
            s.filesz != p.p_filesz || s.memsz != p.p_memsz || s.align != p.p_align)
            finding("a program header differs from libelf's");
        // Segments the reader does not use (notes ...) are not checked: their
        // data is null when their bytes lie outside the image.
        if (s.data && s.data != img.image() + s.offset) finding("segment data pointer is not image + offset");
        if ((s.type == 1 /* PT_LOAD */ || s.type == 7 /* PT_TLS */) && s.filesz != 0 && !s.data)
            finding("a loadable segment's bytes are missing");
    }
    uint64_t lo = ~uint64_t{0}, hi = 0;
    img.for_each_load([&](const ElfSegment& s) {
        if (s.vaddr < lo) lo = s.vaddr;
        if (s.vaddr + s.memsz > hi) hi = s.vaddr + s.memsz;
    });
    if (lo != img.load_begin() && lo != ~uint64_t{0}) finding("load_begin is not the lowest loaded address");
    ElfSegment tls;
    (void)img.tls(&tls);
    // Sections: whatever ours reads must stay inside the image.
    size_t count = 0;
    if (img.section_count(&count) == ElfError::none) {
        for (size_t i = 0; i < count && i < 4096; ++i) {
            ElfSection sec;
            if (img.section(i, &sec) != ElfError::none) continue;
            if (sec.data && (sec.data < img.image() || sec.data + sec.size > img.image() + img.size()))
                finding("section data outside the image");
        }
        ElfSection m;
        if (img.find_section(".manifest", &m) == ElfError::none && m.data &&
            (m.data < img.image() || m.data + m.size > img.image() + img.size()))
            finding(".manifest outside the image");
    }
    return 0;
}
