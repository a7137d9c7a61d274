// Helpers for the backend tests: temporary directories, pipes, bounded waits.
#ifndef HELIOS_TESTSUITE_SIM_DEVICES_TEST_UTIL_H
#define HELIOS_TESTSUITE_SIM_DEVICES_TEST_UTIL_H

#include <cstdint>
#include <string>

namespace helios::sim {
class CharBackend;
}

namespace helios::sim::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its files at the
// end of the scope.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// A pipe whose ends are closed at the end of the scope.
struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe();
    ~Pipe();
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void close_write();
};

// Reads from `fd` until `want` bytes arrived or `timeout_ms` passed without
// progress; returns what arrived. The timeout only bounds a failing test.
std::string read_for(int fd, size_t want, int timeout_ms = 2000);

// Writes all of `bytes` to `fd` (test side; blocking).
void write_str(int fd, const std::string& bytes);

// Connects a blocking stream socket to the Unix socket at `path`; -1 on error.
int connect_unix(const std::string& path);

// Reads from a backend (servicing it and polling its fd between attempts)
// until `want` bytes arrived or `timeout_ms` passed; returns what arrived.
std::string read_backend(CharBackend& backend, size_t want, int timeout_ms = 2000);

}  // namespace helios::sim::test

#endif  // HELIOS_TESTSUITE_SIM_DEVICES_TEST_UTIL_H
