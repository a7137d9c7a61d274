// Bounds-checked reader for static x86_64 ELF64 executables held in memory.
#ifndef HELIOS_LIB_ELF64_H
#define HELIOS_LIB_ELF64_H

#include <stddef.h>
#include <stdint.h>

namespace helios::lib {

// The on-disk ELF64 structures and constants we use (no <elf.h>: freestanding).
namespace elf {
inline constexpr uint8_t kClass64 = 2;
inline constexpr uint8_t kData2Lsb = 1;
inline constexpr uint8_t kVersionCurrent = 1;
inline constexpr uint16_t kTypeExec = 2;
inline constexpr uint16_t kTypeDyn = 3;
inline constexpr uint16_t kMachineX86_64 = 62;

inline constexpr uint32_t kPtNull = 0;
inline constexpr uint32_t kPtLoad = 1;
inline constexpr uint32_t kPtDynamic = 2;
inline constexpr uint32_t kPtInterp = 3;
inline constexpr uint32_t kPtNote = 4;
inline constexpr uint32_t kPtPhdr = 6;
inline constexpr uint32_t kPtTls = 7;

inline constexpr uint32_t kPfX = 1;
inline constexpr uint32_t kPfW = 2;
inline constexpr uint32_t kPfR = 4;

inline constexpr uint32_t kShtNull = 0;
inline constexpr uint32_t kShtProgbits = 1;
inline constexpr uint32_t kShtStrtab = 3;
inline constexpr uint32_t kShtNobits = 8;
inline constexpr uint16_t kShnXindex = 0xFFFF;

struct Ehdr {
    uint8_t ident[16];
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint64_t shoff;
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
};

struct Phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};

struct Shdr {
    uint32_t name;
    uint32_t type;
    uint64_t flags;
    uint64_t addr;
    uint64_t offset;
    uint64_t size;
    uint32_t link;
    uint32_t info;
    uint64_t addralign;
    uint64_t entsize;
};

static_assert(sizeof(Ehdr) == 64 && sizeof(Phdr) == 56 && sizeof(Shdr) == 64);
}  // namespace elf

// Everything ElfImage can reject, each with a message from describe().
enum class ElfError : uint8_t {
    none,
    truncated_header,
    bad_magic,
    not_64bit,
    not_little_endian,
    bad_version,
    wrong_machine,
    not_executable,
    bad_header_size,
    bad_phentsize,
    no_program_headers,
    too_many_program_headers,
    phdrs_out_of_bounds,
    needs_interpreter,
    segment_out_of_bounds,
    segment_filesz_exceeds_memsz,
    segment_overflow,
    segment_above_user_top,
    segment_in_null_page,
    bad_alignment,
    segments_overlap,
    multiple_tls,
    no_loadable_segments,
    bad_entry,
    no_section_headers,
    bad_shentsize,
    shdrs_out_of_bounds,
    bad_shstrndx,
    strtab_out_of_bounds,
    bad_section_name,
    section_out_of_bounds,
    section_not_found,
    not_open,
};

// A human-readable sentence for e (never null).
[[nodiscard]] const char* describe(ElfError e);

// A decoded program header. data points at the segment's file bytes
// [offset, offset + filesz) inside the image; it is null when filesz is 0 or,
// for segment types open() does not check, when the range is not in the file.
struct ElfSegment {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
    const uint8_t* data;

    [[nodiscard]] bool readable() const { return (flags & elf::kPfR) != 0; }
    [[nodiscard]] bool writable() const { return (flags & elf::kPfW) != 0; }
    [[nodiscard]] bool executable() const { return (flags & elf::kPfX) != 0; }
};

// A decoded section header. name is NUL-terminated inside the image's section
// name table. data is null for SHT_NOBITS sections (and empty ones).
struct ElfSection {
    const char* name;
    size_t name_len;
    uint32_t type;
    uint64_t flags;
    uint64_t addr;
    uint64_t offset;
    uint64_t size;
    const uint8_t* data;
};

// A validated view of an ELF64 image in memory. It never copies or owns the
// bytes: the image must outlive the ElfImage and stay unchanged.
class ElfImage {
public:
    // Upper bound on program headers; real static executables have < 16.
    static constexpr uint16_t kMaxProgramHeaders = 128;

    // Validates image[0, size) as a static x86_64 executable: the header
    // (magic, ELFCLASS64, little-endian, version, EM_X86_64, ET_EXEC), the
    // program header table (inside the file, entry size 56), every PT_LOAD
    // (file range inside the image, memsz >= filesz, no overflow, inside
    // [HELIOS_PAGE_SIZE, HELIOS_USER_TOP), power-of-two alignment with
    // vaddr == offset modulo it, sorted and non-overlapping), at most one
    // PT_TLS (same file checks), no PT_INTERP/PT_DYNAMIC, and an entry point
    // inside an executable PT_LOAD. Never reads outside image[0, size).
    // On error the ElfImage is left closed.
    [[nodiscard]] ElfError open(const uint8_t* image, size_t size);

    [[nodiscard]] bool is_open() const { return image_ != nullptr; }
    [[nodiscard]] const uint8_t* image() const { return image_; }
    [[nodiscard]] size_t size() const { return size_; }

    // The entry point (precondition: is_open()).
    [[nodiscard]] uint64_t entry() const { return entry_; }

    // Lowest vaddr and highest vaddr + memsz over the PT_LOAD segments.
    [[nodiscard]] uint64_t load_begin() const { return load_begin_; }
    [[nodiscard]] uint64_t load_end() const { return load_end_; }

    // Number of program headers (precondition: is_open()).
    [[nodiscard]] uint16_t segment_count() const { return phnum_; }

    // Program header index (precondition: is_open(), index < segment_count()).
    [[nodiscard]] ElfSegment segment(uint16_t index) const;

    // The PT_TLS segment, if there is one with memsz > 0: true and *out
    // filled. (user.ld always emits a PT_TLS; an empty one means no TLS.)
    [[nodiscard]] bool tls(ElfSegment* out) const;

    // Calls f(const ElfSegment&) for each non-empty PT_LOAD in file order.
    template <class F>
    void for_each_load(F&& f) const {
        for (uint16_t i = 0; i < phnum_; ++i) {
            ElfSegment s = segment(i);
            if (s.type == elf::kPtLoad && s.memsz != 0) f(s);
        }
    }

    // Number of section headers, after checking the section header table and
    // the section name table. Errors: not_open, no_section_headers,
    // bad_shentsize, shdrs_out_of_bounds, bad_shstrndx, strtab_out_of_bounds.
    [[nodiscard]] ElfError section_count(size_t* out) const;

    // Section header index, checked as above plus its name (inside the
    // string table, NUL-terminated there) and, unless SHT_NOBITS, its data
    // (inside the file). Index out of range gives section_not_found.
    [[nodiscard]] ElfError section(size_t index, ElfSection* out) const;

    // The first section called name (e.g. ".manifest"), fully checked as in
    // section(). Errors: those of section_count(), bad_section_name,
    // section_out_of_bounds, section_not_found.
    [[nodiscard]] ElfError find_section(const char* name, ElfSection* out) const;

private:
    struct SectionTable {
        uint64_t offset;
        size_t count;
        uint64_t strtab_offset;
        uint64_t strtab_size;
    };
    [[nodiscard]] ElfError section_table(SectionTable* out) const;
    [[nodiscard]] ElfError decode_section(const SectionTable& table, size_t index,
                                          ElfSection* out) const;

    const uint8_t* image_ = nullptr;
    size_t size_ = 0;
    uint64_t entry_ = 0;
    uint64_t phoff_ = 0;
    uint64_t shoff_ = 0;
    uint16_t phnum_ = 0;
    uint16_t shentsize_ = 0;
    uint16_t shnum_ = 0;
    uint16_t shstrndx_ = 0;
    uint64_t load_begin_ = 0;
    uint64_t load_end_ = 0;
};

}  // namespace helios::lib

#endif
