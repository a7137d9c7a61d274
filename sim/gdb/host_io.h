// HostIo: gdb's vFile host I/O packets, serving read-only files the stub offers (the programs of the image).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace helios::sim::gdb {

// gdb reads a program's ELF "from the target" (sysroot `target:`, the
// default) with vFile:open/pread/fstat/close, so a gdb on another machine, or
// one given no file, still gets each address space's symbols. Only files the
// stub names itself can be opened, read-only and from memory: a client can
// never reach a host file through these packets. Open files are bounded
// (kMaxOpen); every reply is bounded by the packet size.
class HostIo {
public:
    // The contents of `path`, or null when the stub offers no such file.
    using Lookup = std::function<std::shared_ptr<const std::string>(std::string_view path)>;

    static constexpr int kMaxOpen = 16;

    explicit HostIo(Lookup lookup) : lookup_(std::move(lookup)) {}

    // Handles one "vFile:..." packet and returns the reply: "F<result>[,errno][;data]",
    // or "" for an operation that is not offered.
    std::string handle(std::string_view packet);

private:
    Lookup lookup_;
    std::map<int64_t, std::shared_ptr<const std::string>> open_;
};

}  // namespace helios::sim::gdb
