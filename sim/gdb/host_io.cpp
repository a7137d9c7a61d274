// HostIo: vFile:setfs/open/pread/fstat/close on files held in memory; everything else fails cleanly.
#include "sim/gdb/host_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "sim/gdb/packet.h"

namespace helios::sim::gdb {

namespace {

// errno values as the File-I/O protocol numbers them (not the host's).
constexpr unsigned kEnoent = 2;
constexpr unsigned kEbadf = 9;
constexpr unsigned kEacces = 13;
constexpr unsigned kEinval = 22;
constexpr unsigned kEmfile = 24;
constexpr unsigned kErofs = 30;

// File-I/O open flags that ask for anything but reading.
constexpr uint64_t kWriteFlags = 0x3 /* O_WRONLY|O_RDWR */ | 0x8 /* O_APPEND */ | 0x200 /* O_CREAT */ |
                                 0x400 /* O_TRUNC */ | 0x800 /* O_EXCL */;

std::string fail(unsigned err) {
    return fmt::format("F-1,{:x}", err);
}

// Splits s at every ',' into at most n fields; false when the count differs.
bool fields(std::string_view s, std::string_view* out, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        size_t comma = s.find(',');
        if ((comma == std::string_view::npos) != (i + 1 == n)) return false;
        out[i] = s.substr(0, comma);
        if (comma != std::string_view::npos) s.remove_prefix(comma + 1);
    }
    return true;
}

void put_be(std::string& out, uint64_t v, unsigned bytes) {
    for (unsigned i = bytes; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

std::string HostIo::handle(std::string_view p) {
    constexpr std::string_view kPrefix = "vFile:";
    if (p.substr(0, kPrefix.size()) != kPrefix) return "";
    p.remove_prefix(kPrefix.size());
    size_t colon = p.find(':');
    if (colon == std::string_view::npos) return fail(kEinval);
    std::string_view op = p.substr(0, colon), args = p.substr(colon + 1);

    if (op == "setfs") {
        // Every process sees the same files (the image): any pid is fine.
        uint64_t pid = 0;
        return parse_hex(args, pid) ? "F0" : fail(kEinval);
    }
    if (op == "open") {
        std::string_view f[3];
        std::string path;
        uint64_t flags = 0, mode = 0;
        if (!fields(args, f, 3) || !decode_hex(f[0], path) || !parse_hex(f[1], flags) || !parse_hex(f[2], mode))
            return fail(kEinval);
        if (flags & kWriteFlags) return fail(kErofs);
        auto data = lookup_ ? lookup_(path) : nullptr;
        if (!data) return fail(kEnoent);
        if (open_.size() >= static_cast<size_t>(kMaxOpen)) return fail(kEmfile);
        int64_t fd = 0;
        while (open_.count(fd)) ++fd;
        open_[fd] = std::move(data);
        return fmt::format("F{:x}", fd);
    }
    if (op == "pread") {
        std::string_view f[3];
        uint64_t fd = 0, count = 0, offset = 0;
        if (!fields(args, f, 3) || !parse_hex(f[0], fd) || !parse_hex(f[1], count) || !parse_hex(f[2], offset))
            return fail(kEinval);
        auto it = open_.find(static_cast<int64_t>(fd));
        if (fd > INT64_MAX || it == open_.end()) return fail(kEbadf);
        const std::string& data = *it->second;
        if (offset >= data.size()) return "F0;";
        // Escaping can double the data: half a packet always fits.
        count = std::min<uint64_t>({count, data.size() - offset, (kPacketSize - 32) / 2});
        // Raw bytes: the framing (frame_packet) escapes what needs it.
        return fmt::format("F{:x};", count) + data.substr(offset, count);
    }
    if (op == "fstat") {
        uint64_t fd = 0;
        if (!parse_hex(args, fd)) return fail(kEinval);
        auto it = open_.find(static_cast<int64_t>(fd));
        if (fd > INT64_MAX || it == open_.end()) return fail(kEbadf);
        // The protocol's struct stat: big-endian, 64 bytes.
        std::string st;
        put_be(st, 0, 4);                      // st_dev
        put_be(st, fd + 1, 4);                 // st_ino
        put_be(st, 0100444, 4);                // st_mode: a regular file, read-only
        put_be(st, 1, 4);                      // st_nlink
        put_be(st, 0, 4);                      // st_uid
        put_be(st, 0, 4);                      // st_gid
        put_be(st, 0, 4);                      // st_rdev
        put_be(st, it->second->size(), 8);     // st_size
        put_be(st, 4096, 8);                   // st_blksize
        put_be(st, (it->second->size() + 511) / 512, 8);  // st_blocks
        put_be(st, 0, 4);                      // st_atime
        put_be(st, 0, 4);                      // st_mtime
        put_be(st, 0, 4);                      // st_ctime
        return fmt::format("F{:x};", st.size()) + st;
    }
    if (op == "close") {
        uint64_t fd = 0;
        if (!parse_hex(args, fd)) return fail(kEinval);
        if (fd > INT64_MAX || open_.erase(static_cast<int64_t>(fd)) == 0) return fail(kEbadf);
        return "F0";
    }
    if (op == "pwrite" || op == "unlink") return fail(kErofs);
    if (op == "readlink") return fail(kEinval);  // no file here is a link
    if (op == "stat") return fail(kEacces);
    return "";
}

}  // namespace helios::sim::gdb
