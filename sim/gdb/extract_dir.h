// ExtractDir: the private directory where the gdb stub puts files it extracts for gdb.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ptrace/status.h"

namespace helios::sim::gdb {

// gdb asks the stub for the executable a thread runs (qXfer:exec-file) and
// then opens the path it is given, so the program must exist as a file. The
// directory for such files lives in a place other users can write to
// ($TMPDIR or /tmp), so every step is one an attacker who planted names
// there beforehand cannot steer:
//   - the directory is made by mkdtemp() (an unpredictable name, mode 0700,
//     never an existing directory or a symlink) and then held open; its
//     owner and mode are checked through that fd;
//   - files are created relative to the directory's fd with
//     O_CREAT|O_EXCL|O_NOFOLLOW, so nothing that exists is ever reused or
//     followed;
//   - cleanup unlinks only the names this object created, relative to the
//     same fd, and removes the directory only if the path still names it.
// Nothing is created until the first write().
class ExtractDir {
public:
    ExtractDir() = default;
    ~ExtractDir();
    ExtractDir(const ExtractDir&) = delete;
    ExtractDir& operator=(const ExtractDir&) = delete;

    // Writes `size` bytes as a new file whose name is derived from `name`
    // (characters other than letters, digits, '.', '_', '-' and '+' become
    // '_'; a leading '.' gets a prefix; a clash gets a suffix). Returns the
    // file's full path, or a failure naming the directory or file and why.
    HostResult<std::string> write(std::string_view name, const uint8_t* data, size_t size);

    // The directory's path; empty before the first write().
    const std::string& path() const { return dir_; }

private:
    Status create();

    int dir_fd_ = -1;
    std::string dir_;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    std::vector<std::string> names_;  // files created here, removed by the destructor
};

}  // namespace helios::sim::gdb
