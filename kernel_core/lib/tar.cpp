// Bounds-checked ustar / GNU tar reader: iteration, lookup and validation.
#include "lib/tar.h"

#include "lib/string.h"

namespace helios::lib {

namespace {

constexpr size_t kBlock = TarReader::kBlockSize;

// Offsets and widths of the ustar header fields we read.
constexpr size_t kNameOff = 0, kNameLen = 100;
constexpr size_t kModeOff = 100, kModeLen = 8;
constexpr size_t kSizeOff = 124, kSizeLen = 12;
constexpr size_t kChksumOff = 148, kChksumLen = 8;
constexpr size_t kTypeOff = 156;
constexpr size_t kMagicOff = 257;
constexpr size_t kPrefixOff = 345, kPrefixLen = 155;

bool all_zero(const uint8_t* block) {
    for (size_t i = 0; i < kBlock; ++i) {
        if (block[i] != 0) return false;
    }
    return true;
}

// The header checksum is the sum of all 512 bytes with the checksum field read
// as spaces. POSIX says unsigned bytes; some old writers summed signed chars.
bool checksum_ok(const uint8_t* h) {
    uint64_t stored;
    if (!tar_parse_number(h + kChksumOff, kChksumLen, &stored)) return false;
    uint64_t sum_unsigned = 0;
    int64_t sum_signed = 0;
    for (size_t i = 0; i < kBlock; ++i) {
        uint8_t b = (i >= kChksumOff && i < kChksumOff + kChksumLen) ? uint8_t{' '} : h[i];
        sum_unsigned += b;
        sum_signed += static_cast<int8_t>(b);
    }
    return stored == sum_unsigned || static_cast<int64_t>(stored) == sum_signed;
}

uint64_t round_up_block(uint64_t n) { return (n + (kBlock - 1)) & ~uint64_t{kBlock - 1}; }

// Finds the "path" record of a pax extended header. Records are
// "<decimal length> <key>=<value>\n", the length counting the whole record.
bool pax_find_path(const uint8_t* data, uint64_t size, const char** path, size_t* path_len) {
    uint64_t pos = 0;
    while (pos < size) {
        uint64_t len = 0;
        uint64_t i = pos;
        size_t digits = 0;
        while (i < size && data[i] >= '0' && data[i] <= '9') {
            if (len > (uint64_t{1} << 40)) return false;
            len = len * 10 + (data[i] - '0');
            ++i;
            ++digits;
        }
        if (digits == 0 || i >= size || data[i] != ' ') return false;
        if (len < digits + 2 || !range_inside(pos, len, size)) return false;
        uint64_t end = pos + len;  // one past the '\n'
        if (data[end - 1] != '\n') return false;
        uint64_t key = i + 1;
        uint64_t eq = key;
        while (eq < end - 1 && data[eq] != '=') ++eq;
        if (eq >= end - 1) return false;
        auto* k = reinterpret_cast<const char*>(data + key);
        if (equal(k, static_cast<size_t>(eq - key), "path")) {
            *path = reinterpret_cast<const char*>(data + eq + 1);
            *path_len = static_cast<size_t>(end - 1 - (eq + 1));
        }
        pos = end;
    }
    return true;
}

// Strips leading "/" and "./" components and trailing "/" from [s, s + n).
void normalise(const char*& s, size_t& n) {
    for (;;) {
        if (n >= 1 && s[0] == '/') {
            ++s;
            --n;
        } else if (n >= 2 && s[0] == '.' && s[1] == '/') {
            s += 2;
            n -= 2;
        } else {
            break;
        }
    }
    if (n == 1 && s[0] == '.') n = 0;
    while (n > 0 && s[n - 1] == '/') --n;
}

}  // namespace

const char* describe(TarError e) {
    switch (e) {
    case TarError::none: return "ok";
    case TarError::end: return "end of tar archive";
    case TarError::truncated_header: return "truncated tar: header block beyond end of archive";
    case TarError::truncated_data: return "truncated tar: member data beyond end of archive";
    case TarError::missing_end_marker: return "truncated tar: archive ends without the two zero end blocks";
    case TarError::bad_checksum: return "corrupt tar: header checksum mismatch";
    case TarError::bad_size: return "corrupt tar: size field is not a valid octal number";
    case TarError::bad_name:
        return "corrupt tar: empty member name, or long-name/pax header without a member after it";
    case TarError::bad_pax_header: return "corrupt tar: malformed pax extended header";
    case TarError::lone_zero_block: return "corrupt tar: zero block in the middle of the archive";
    case TarError::not_found: return "no such file in the tar archive";
    }
    return "unknown tar error";
}

bool tar_parse_number(const uint8_t* field, size_t len, uint64_t* out) {
    if (len == 0) return false;
    if ((field[0] & 0x80) != 0) {
        // GNU base-256: 0x80 marks a positive big-endian number in the rest.
        if (field[0] != 0x80) return false;
        uint64_t v = 0;
        for (size_t i = 1; i < len; ++i) {
            if ((v >> 55) != 0) return false;
            v = (v << 8) | field[i];
        }
        if ((v >> 63) != 0) return false;
        *out = v;
        return true;
    }
    size_t i = 0;
    while (i < len && field[i] == ' ') ++i;
    uint64_t v = 0;
    size_t digits = 0;
    while (i < len && field[i] >= '0' && field[i] <= '7') {
        if ((v >> 60) != 0) return false;
        v = v * 8 + (field[i] - '0');
        ++i;
        ++digits;
    }
    if (digits == 0) return false;
    if (i < len && field[i] != ' ' && field[i] != '\0') return false;
    *out = v;
    return true;
}

size_t TarEntry::copy_path(char* out, size_t cap) const {
    size_t total = path_len();
    if (cap == 0) return total;
    size_t pos = 0;
    auto put = [&](const char* s, size_t n) {
        for (size_t i = 0; i < n && pos + 1 < cap; ++i) out[pos++] = s[i];
    };
    if (prefix_len != 0) {
        put(prefix, prefix_len);
        put("/", 1);
    }
    put(name, name_len);
    out[pos] = '\0';
    return total;
}

bool TarEntry::path_equals(const char* path) const {
    const char* want = path;
    size_t want_len = length(path);
    normalise(want, want_len);
    if (want_len == 0) return false;

    // prefix (<= 155) + "/" + name (<= 100) always fits: only plain ustar
    // headers have a prefix, and they never carry long names.
    char joined[kPrefixLen + 1 + kNameLen + 1];
    const char* have = name;
    size_t have_len = name_len;
    if (prefix_len != 0) {
        have_len = copy_path(joined, sizeof joined);
        if (have_len >= sizeof joined) return false;
        have = joined;
    }
    normalise(have, have_len);
    return have_len == want_len && equal(have, want, want_len);
}

TarError TarReader::next(TarEntry* out) {
    if (error_ != TarError::none) return error_;
    const char* long_name = nullptr;
    size_t long_len = 0;
    bool have_meta = false;
    for (;;) {
        if (offset_ == size_) {
            error_ = have_meta ? TarError::bad_name : TarError::missing_end_marker;
            return error_;
        }
        if (!range_inside(offset_, kBlock, size_)) {
            error_ = TarError::truncated_header;
            return error_;
        }
        const uint8_t* h = image_ + offset_;
        if (all_zero(h)) {
            // End of archive: two zero blocks; one followed by EOF is accepted
            // (GNU tar does), anything else after it is corruption.
            uint64_t after = offset_ + kBlock;
            if (have_meta) error_ = TarError::bad_name;
            else if (after == size_) error_ = TarError::end;
            else if (!range_inside(after, kBlock, size_)) error_ = TarError::truncated_header;
            else if (all_zero(image_ + after)) error_ = TarError::end;
            else error_ = TarError::lone_zero_block;
            return error_;
        }
        if (!checksum_ok(h)) {
            error_ = TarError::bad_checksum;
            return error_;
        }
        uint64_t size;
        if (!tar_parse_number(h + kSizeOff, kSizeLen, &size)) {
            error_ = TarError::bad_size;
            return error_;
        }
        uint64_t data_off = offset_ + kBlock;
        // range_inside first, so round_up_block cannot overflow.
        if (!range_inside(data_off, size, size_) || !range_inside(data_off, round_up_block(size), size_)) {
            error_ = TarError::truncated_data;
            return error_;
        }
        const uint8_t* data = image_ + data_off;
        uint64_t header_offset = offset_;
        offset_ = data_off + round_up_block(size);
        char typeflag = static_cast<char>(h[kTypeOff]);

        switch (typeflag) {
        case 'L':  // GNU long name: the data is the next member's path
            long_name = reinterpret_cast<const char*>(data);
            long_len = length_bounded(long_name, static_cast<size_t>(size));
            if (long_len == 0) {
                error_ = TarError::bad_name;
                return error_;
            }
            have_meta = true;
            continue;
        case 'x':  // pax extended header: may carry the next member's path
            if (!pax_find_path(data, size, &long_name, &long_len)) {
                error_ = TarError::bad_pax_header;
                return error_;
            }
            have_meta = true;
            continue;
        case 'K':  // GNU long link name
        case 'g':  // pax global header
            have_meta = true;
            continue;
        default: break;
        }

        TarEntry e{};
        e.typeflag = typeflag;
        e.type = (typeflag == '0' || typeflag == '\0' || typeflag == '7') ? TarType::regular
                 : typeflag == '5'                                        ? TarType::directory
                                                                          : TarType::other;
        if (long_name != nullptr && long_len != 0) {
            e.name = long_name;
            e.name_len = long_len;
        } else {
            e.name = reinterpret_cast<const char*>(h + kNameOff);
            e.name_len = length_bounded(e.name, kNameLen);
            // Only POSIX ustar ("ustar\0") has a prefix field; GNU's "ustar "
            // keeps other data there.
            if (equal(h + kMagicOff, "ustar", 6)) {
                e.prefix = reinterpret_cast<const char*>(h + kPrefixOff);
                e.prefix_len = length_bounded(e.prefix, kPrefixLen);
            }
        }
        if (e.name_len == 0) {
            error_ = TarError::bad_name;
            return error_;
        }
        if (e.prefix_len == 0) e.prefix = nullptr;
        e.data = size != 0 ? data : nullptr;
        e.size = size;
        if (!tar_parse_number(h + kModeOff, kModeLen, &e.mode)) e.mode = 0;
        e.header_offset = header_offset;
        *out = e;
        return TarError::none;
    }
}

TarError TarReader::find(const char* path, TarEntry* out) const {
    TarReader scan(image_, size_);
    TarEntry e;
    for (;;) {
        TarError err = scan.next(&e);
        if (err == TarError::end) return TarError::not_found;
        if (err != TarError::none) return err;
        if (e.path_equals(path)) {
            *out = e;
            return TarError::none;
        }
    }
}

}  // namespace helios::lib
