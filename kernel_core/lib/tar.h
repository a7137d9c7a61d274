// Bounds-checked reader for ustar / GNU tar archives held in memory (the initramfs).
#ifndef HELIOS_LIB_TAR_H
#define HELIOS_LIB_TAR_H

#include <stddef.h>
#include <stdint.h>

namespace helios::lib {

// Results of TarReader::next() and TarReader::find(). `end` is not a failure:
// it marks the end of the archive (two zero blocks, or one followed by EOF).
enum class TarError : uint8_t {
    none,
    end,
    truncated_header,
    truncated_data,
    missing_end_marker,
    bad_checksum,
    bad_size,
    bad_name,
    bad_pax_header,
    lone_zero_block,
    not_found,
};

// A human-readable sentence for e (never null).
[[nodiscard]] const char* describe(TarError e);

enum class TarType : uint8_t { regular, directory, other };

// One archive member. Its path is prefix + "/" + name when prefix is not
// empty (POSIX ustar split), else name alone; both point into the archive (or,
// for GNU long names and pax paths, into the preceding metadata entry's data)
// and are not NUL-terminated. data points at the size content bytes.
struct TarEntry {
    TarType type;
    char typeflag;
    const char* prefix;
    size_t prefix_len;
    const char* name;
    size_t name_len;
    const uint8_t* data;
    uint64_t size;
    uint64_t mode;
    uint64_t header_offset;  // offset of the ustar header in the archive

    // Length of the full path (prefix + "/" + name, or name).
    [[nodiscard]] size_t path_len() const { return prefix_len ? prefix_len + 1 + name_len : name_len; }

    // Writes the full path into out[0, cap), NUL-terminated when cap > 0.
    // Returns path_len(); a result >= cap means the copy was truncated.
    size_t copy_path(char* out, size_t cap) const;

    // True when this entry's path equals path after normalisation: leading
    // "/" and "./" components are ignored on both sides, and so is one
    // trailing "/" (directories are stored as "dir/").
    [[nodiscard]] bool path_equals(const char* path) const;
};

// Sequential reader over a tar image. The image must outlive the reader and
// stay unchanged. Never reads outside image[0, size).
class TarReader {
public:
    TarReader(const uint8_t* image, size_t size) : image_(image), size_(size) {}

    // Restarts iteration at the first entry and clears a sticky error.
    void reset() {
        offset_ = 0;
        error_ = TarError::none;
    }

    // Decodes the next member into *out and returns none; returns end after
    // the last one. Metadata members (GNU 'L'/'K' long names, pax 'x'/'g')
    // are consumed and applied, never returned. Errors are sticky: once one
    // is returned, next() keeps returning it until reset(). Errors:
    // truncated_header, truncated_data, missing_end_marker (EOF on a block
    // boundary with no zero block), bad_checksum (neither unsigned nor signed
    // sum matches), bad_size (size field not a valid octal or base-256
    // number), bad_name (empty member name, or a long-name/pax header with no
    // member after it), bad_pax_header, lone_zero_block (one
    // zero block followed by a non-zero one).
    [[nodiscard]] TarError next(TarEntry* out);

    // Scans the whole archive from the start (the iteration position is not
    // disturbed) for the first member whose path matches path as in
    // TarEntry::path_equals. Returns none and fills *out, not_found, or the
    // error that stopped the scan.
    [[nodiscard]] TarError find(const char* path, TarEntry* out) const;

    static constexpr size_t kBlockSize = 512;

private:
    const uint8_t* image_;
    size_t size_;
    uint64_t offset_ = 0;
    TarError error_ = TarError::none;
};

// Parses a tar numeric field [field, field + len): octal digits with optional
// leading spaces, ended by NUL or space (at least one digit), or GNU base-256
// (first byte 0x80, big-endian, positive). Returns false when malformed or
// when the value does not fit in 63 bits.
[[nodiscard]] bool tar_parse_number(const uint8_t* field, size_t len, uint64_t* out);

}  // namespace helios::lib

#endif
