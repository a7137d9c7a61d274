// ExtractDir: a mkdtemp directory whose files are made and removed through its fd, never through links.
#include "sim/gdb/extract_dir.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace helios::sim::gdb {

namespace {

constexpr size_t kMaxName = 200;

std::string safe_name(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, kMaxName)) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-' || c == '+';
        out += ok ? c : '_';
    }
    // "", ".", ".." and hidden names: never a name with a meaning of its own.
    if (out.empty() || out[0] == '.') out = "exec-" + out;
    return out;
}

}  // namespace

Status ExtractDir::create() {
    const char* env = std::getenv("TMPDIR");
    std::string tmpl = std::string(env && *env ? env : "/tmp") + "/helios-sim-gdb.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
        return errno_failure(fmt::format("cannot create a private directory from '{}'", tmpl));
    int fd = ::open(tmpl.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno_failure(fmt::format("cannot open the new directory '{}'", tmpl));
    struct stat st {};
    // mkdtemp made it 0700 and ours; anything else means it is not the
    // directory mkdtemp made (leave it alone).
    if (::fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
        ::close(fd);
        return Status::failure(fmt::format("'{}' is not the private directory just created; not using it", tmpl));
    }
    dir_fd_ = fd;
    dir_ = tmpl;
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    return Status::success();
}

HostResult<std::string> ExtractDir::write(std::string_view name, const uint8_t* data, size_t size) {
    if (dir_fd_ < 0) {
        Status made = create();
        if (!made) return made;
    }
    const std::string base = safe_name(name);
    std::string file = base;
    int fd = -1;
    for (int n = 1; n <= 100; ++n) {
        fd = ::openat(dir_fd_, file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST) break;
        file = fmt::format("{}-{}", base, n);
    }
    if (fd < 0) return errno_failure(fmt::format("cannot create '{}/{}'", dir_, file));
    names_.push_back(file);
    size_t done = 0;
    while (done < size) {
        ssize_t w = ::write(fd, data + done, size - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            Status failed = errno_failure(fmt::format("cannot write '{}/{}'", dir_, file), w < 0 ? errno : ENOSPC);
            ::close(fd);
            return failed;
        }
        done += static_cast<size_t>(w);
    }
    if (::close(fd) != 0) return errno_failure(fmt::format("cannot write '{}/{}'", dir_, file));
    return dir_ + "/" + file;
}

ExtractDir::~ExtractDir() {
    if (dir_fd_ < 0) return;
    // Only the names made here, through the directory's fd: whatever else
    // may be there is not ours, and no path is resolved through a link.
    for (const std::string& name : names_) (void)::unlinkat(dir_fd_, name.c_str(), 0);
    ::close(dir_fd_);
    // rmdir() never follows a symlink; the check makes sure the path still
    // names the directory mkdtemp made.
    struct stat st {};
    if (::lstat(dir_.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == dev_ && st.st_ino == ino_)
        (void)::rmdir(dir_.c_str());
}

}  // namespace helios::sim::gdb
