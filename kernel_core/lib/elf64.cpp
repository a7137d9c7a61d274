// Bounds-checked ELF64 reader: validation of static x86_64 executables.
#include "lib/elf64.h"

#include <helios/abi.h>

#include "lib/string.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the ELF reader decodes little-endian fields in place");

namespace helios::lib {

namespace {

// Unaligned-safe copy of a structure out of the image; the caller has checked
// that [offset, offset + sizeof(T)) is inside it.
template <class T>
T read_at(const uint8_t* image, uint64_t offset) {
    T value;
    __builtin_memcpy(&value, image + offset, sizeof(T));
    return value;
}

bool power_of_two_or_zero(uint64_t v) { return (v & (v - 1)) == 0; }

// Checks shared by PT_LOAD and PT_TLS: the file bytes are in the image, the
// memory size covers them, the address range does not wrap, and the alignment
// is sane. A segment without file bytes has no offset that matters: binutils'
// strip leaves an all-.tbss PT_TLS pointing past the end of the stripped file.
ElfError check_segment_bytes(const elf::Phdr& ph, size_t size) {
    if (ph.filesz != 0 && !range_inside(ph.offset, ph.filesz, size)) return ElfError::segment_out_of_bounds;
    if (ph.filesz > ph.memsz) return ElfError::segment_filesz_exceeds_memsz;
    uint64_t end;
    if (add_overflows(ph.vaddr, ph.memsz, &end)) return ElfError::segment_overflow;
    if (!power_of_two_or_zero(ph.align)) return ElfError::bad_alignment;
    return ElfError::none;
}

}  // namespace

const char* describe(ElfError e) {
    switch (e) {
    case ElfError::none: return "valid ELF executable";
    case ElfError::truncated_header: return "truncated ELF: file smaller than the ELF header";
    case ElfError::bad_magic: return "not an ELF file: bad magic number";
    case ElfError::not_64bit: return "ELF is not 64-bit (ELFCLASS64 required)";
    case ElfError::not_little_endian: return "ELF is not little-endian (ELFDATA2LSB required)";
    case ElfError::bad_version: return "unsupported ELF version (EV_CURRENT required)";
    case ElfError::wrong_machine: return "ELF for another machine (EM_X86_64 required)";
    case ElfError::not_executable:
        return "ELF is not a static executable: e_type must be ET_EXEC (not PIE, shared object or relocatable)";
    case ElfError::bad_header_size: return "corrupt ELF: e_ehsize is not the ELF64 header size";
    case ElfError::bad_phentsize: return "corrupt ELF: program header entry size is not 56";
    case ElfError::no_program_headers: return "ELF has no program headers";
    case ElfError::too_many_program_headers: return "corrupt ELF: too many program headers";
    case ElfError::phdrs_out_of_bounds: return "truncated ELF: program header table beyond end of file";
    case ElfError::needs_interpreter:
        return "ELF is dynamically linked (PT_INTERP or PT_DYNAMIC): a static executable is required";
    case ElfError::segment_out_of_bounds: return "truncated ELF: segment data beyond end of file";
    case ElfError::segment_filesz_exceeds_memsz: return "corrupt ELF: segment file size exceeds its memory size";
    case ElfError::segment_overflow: return "corrupt ELF: segment address range wraps around";
    case ElfError::segment_above_user_top: return "ELF segment lies above the user address space (HELIOS_USER_TOP)";
    case ElfError::segment_in_null_page: return "ELF segment maps the null page";
    case ElfError::bad_alignment:
        return "corrupt ELF: segment alignment is not a power of two or vaddr and offset disagree modulo it";
    case ElfError::segments_overlap: return "corrupt ELF: loadable segments overlap or are not sorted by address";
    case ElfError::multiple_tls: return "corrupt ELF: more than one PT_TLS segment";
    case ElfError::no_loadable_segments: return "ELF has no loadable (PT_LOAD) segment";
    case ElfError::bad_entry: return "ELF entry point is not inside an executable loadable segment";
    case ElfError::no_section_headers: return "ELF has no section header table";
    case ElfError::bad_shentsize: return "corrupt ELF: section header entry size is not 64";
    case ElfError::shdrs_out_of_bounds: return "truncated ELF: section header table beyond end of file";
    case ElfError::bad_shstrndx: return "corrupt ELF: section name table index out of range or not a string table";
    case ElfError::strtab_out_of_bounds: return "truncated ELF: section name table beyond end of file";
    case ElfError::bad_section_name: return "corrupt ELF: section name outside the section name table";
    case ElfError::section_out_of_bounds: return "truncated ELF: section data beyond end of file";
    case ElfError::section_not_found: return "ELF section not found";
    case ElfError::not_open: return "ELF image not opened";
    }
    return "unknown ELF error";
}

ElfError ElfImage::open(const uint8_t* image, size_t size) {
    *this = ElfImage{};
    if (image == nullptr || size < sizeof(elf::Ehdr)) return ElfError::truncated_header;
    auto eh = read_at<elf::Ehdr>(image, 0);
    if (eh.ident[0] != 0x7F || eh.ident[1] != 'E' || eh.ident[2] != 'L' || eh.ident[3] != 'F')
        return ElfError::bad_magic;
    if (eh.ident[4] != elf::kClass64) return ElfError::not_64bit;
    if (eh.ident[5] != elf::kData2Lsb) return ElfError::not_little_endian;
    if (eh.ident[6] != elf::kVersionCurrent || eh.version != elf::kVersionCurrent)
        return ElfError::bad_version;
    if (eh.machine != elf::kMachineX86_64) return ElfError::wrong_machine;
    if (eh.type != elf::kTypeExec) return ElfError::not_executable;
    if (eh.ehsize != sizeof(elf::Ehdr)) return ElfError::bad_header_size;
    // e_phoff 0 means "no program header table" (the ELF spec), whatever
    // e_phnum says: libelf reads it so, and the header itself is not one.
    if (eh.phnum == 0 || eh.phoff == 0) return ElfError::no_program_headers;
    if (eh.phentsize != sizeof(elf::Phdr)) return ElfError::bad_phentsize;
    if (eh.phnum > kMaxProgramHeaders) return ElfError::too_many_program_headers;
    // phnum <= 128, so the product cannot overflow.
    if (!range_inside(eh.phoff, uint64_t{eh.phnum} * sizeof(elf::Phdr), size))
        return ElfError::phdrs_out_of_bounds;

    bool have_tls = false;
    bool have_load = false;
    bool entry_ok = false;
    uint64_t prev_end = 0;
    uint64_t lowest = 0;
    for (uint16_t i = 0; i < eh.phnum; ++i) {
        auto ph = read_at<elf::Phdr>(image, eh.phoff + uint64_t{i} * sizeof(elf::Phdr));
        switch (ph.type) {
        case elf::kPtInterp:
        case elf::kPtDynamic: return ElfError::needs_interpreter;
        case elf::kPtTls:
            if (have_tls) return ElfError::multiple_tls;
            have_tls = true;
            if (ElfError e = check_segment_bytes(ph, size); e != ElfError::none) return e;
            if (ph.vaddr + ph.memsz > HELIOS_USER_TOP) return ElfError::segment_above_user_top;
            break;
        case elf::kPtLoad: {
            if (ElfError e = check_segment_bytes(ph, size); e != ElfError::none) return e;
            // An empty segment (ld emits one for an empty output section)
            // occupies nothing and is never mapped, so its placement is moot.
            if (ph.memsz == 0) break;
            if (ph.align > 1 && (ph.vaddr & (ph.align - 1)) != (ph.offset & (ph.align - 1)))
                return ElfError::bad_alignment;
            uint64_t end = ph.vaddr + ph.memsz;
            if (end > HELIOS_USER_TOP) return ElfError::segment_above_user_top;
            if (ph.vaddr < HELIOS_PAGE_SIZE) return ElfError::segment_in_null_page;
            // The ELF spec requires PT_LOAD entries sorted by vaddr; requiring
            // them disjoint lets a loader map each one independently.
            if (have_load && ph.vaddr < prev_end) return ElfError::segments_overlap;
            if (!have_load) lowest = ph.vaddr;
            have_load = true;
            prev_end = end;
            if ((ph.flags & elf::kPfX) != 0 && eh.entry >= ph.vaddr && eh.entry < end) entry_ok = true;
            break;
        }
        default: break;
        }
    }
    if (!have_load) return ElfError::no_loadable_segments;
    if (!entry_ok) return ElfError::bad_entry;

    image_ = image;
    size_ = size;
    entry_ = eh.entry;
    phoff_ = eh.phoff;
    phnum_ = eh.phnum;
    shoff_ = eh.shoff;
    shentsize_ = eh.shentsize;
    shnum_ = eh.shnum;
    shstrndx_ = eh.shstrndx;
    load_begin_ = lowest;
    load_end_ = prev_end;
    return ElfError::none;
}

ElfSegment ElfImage::segment(uint16_t index) const {
    auto ph = read_at<elf::Phdr>(image_, phoff_ + uint64_t{index} * sizeof(elf::Phdr));
    ElfSegment s{ph.type, ph.flags, ph.offset, ph.vaddr, ph.filesz, ph.memsz, ph.align, nullptr};
    if (ph.filesz != 0 && range_inside(ph.offset, ph.filesz, size_)) s.data = image_ + ph.offset;
    return s;
}

bool ElfImage::tls(ElfSegment* out) const {
    for (uint16_t i = 0; i < phnum_; ++i) {
        ElfSegment s = segment(i);
        if (s.type == elf::kPtTls && s.memsz != 0) {
            *out = s;
            return true;
        }
    }
    return false;
}

ElfError ElfImage::section_table(SectionTable* out) const {
    if (!is_open()) return ElfError::not_open;
    if (shoff_ == 0) return ElfError::no_section_headers;
    if (shentsize_ != sizeof(elf::Shdr)) return ElfError::bad_shentsize;
    size_t count = shnum_;
    uint32_t strndx = shstrndx_;
    if (count == 0 || strndx == elf::kShnXindex) {
        // Extended numbering: section 0 holds the real count and/or index.
        if (!range_inside(shoff_, sizeof(elf::Shdr), size_)) return ElfError::shdrs_out_of_bounds;
        auto sh0 = read_at<elf::Shdr>(image_, shoff_);
        if (count == 0) {
            if (sh0.size == 0) return ElfError::no_section_headers;
            if (sh0.size > size_ / sizeof(elf::Shdr)) return ElfError::shdrs_out_of_bounds;
            count = static_cast<size_t>(sh0.size);
        }
        if (strndx == elf::kShnXindex) strndx = sh0.link;
    }
    // count <= 65535 or <= size / 64 here, so the product cannot overflow.
    if (!range_inside(shoff_, uint64_t{count} * sizeof(elf::Shdr), size_))
        return ElfError::shdrs_out_of_bounds;
    if (strndx == 0 || strndx >= count) return ElfError::bad_shstrndx;
    auto strtab = read_at<elf::Shdr>(image_, shoff_ + uint64_t{strndx} * sizeof(elf::Shdr));
    if (strtab.type != elf::kShtStrtab) return ElfError::bad_shstrndx;
    if (!range_inside(strtab.offset, strtab.size, size_)) return ElfError::strtab_out_of_bounds;
    *out = SectionTable{shoff_, count, strtab.offset, strtab.size};
    return ElfError::none;
}

ElfError ElfImage::decode_section(const SectionTable& table, size_t index, ElfSection* out) const {
    if (index >= table.count) return ElfError::section_not_found;
    auto sh = read_at<elf::Shdr>(image_, table.offset + uint64_t{index} * sizeof(elf::Shdr));
    if (sh.name >= table.strtab_size) return ElfError::bad_section_name;
    auto* name = reinterpret_cast<const char*>(image_ + table.strtab_offset + sh.name);
    size_t room = static_cast<size_t>(table.strtab_size - sh.name);
    size_t name_len = length_bounded(name, room);
    if (name_len == room) return ElfError::bad_section_name;  // no NUL inside the table
    const uint8_t* data = nullptr;
    if (sh.type != elf::kShtNobits && sh.type != elf::kShtNull) {
        if (!range_inside(sh.offset, sh.size, size_)) return ElfError::section_out_of_bounds;
        if (sh.size != 0) data = image_ + sh.offset;
    }
    *out = ElfSection{name, name_len, sh.type, sh.flags, sh.addr, sh.offset, sh.size, data};
    return ElfError::none;
}

ElfError ElfImage::section_count(size_t* out) const {
    SectionTable table;
    if (ElfError e = section_table(&table); e != ElfError::none) return e;
    *out = table.count;
    return ElfError::none;
}

ElfError ElfImage::section(size_t index, ElfSection* out) const {
    SectionTable table;
    if (ElfError e = section_table(&table); e != ElfError::none) return e;
    return decode_section(table, index, out);
}

ElfError ElfImage::find_section(const char* name, ElfSection* out) const {
    SectionTable table;
    if (ElfError e = section_table(&table); e != ElfError::none) return e;
    for (size_t i = 1; i < table.count; ++i) {
        auto sh = read_at<elf::Shdr>(image_, table.offset + uint64_t{i} * sizeof(elf::Shdr));
        if (sh.name >= table.strtab_size) return ElfError::bad_section_name;
        auto* candidate = reinterpret_cast<const char*>(image_ + table.strtab_offset + sh.name);
        size_t room = static_cast<size_t>(table.strtab_size - sh.name);
        size_t len = length_bounded(candidate, room);
        if (len == room) return ElfError::bad_section_name;
        if (equal(candidate, len, name)) return decode_section(table, i, out);
    }
    return ElfError::section_not_found;
}

}  // namespace helios::lib
