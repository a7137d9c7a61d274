// Helpers for the kernel_core/lib tests: files, temporary directories, byte images.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace helios_test {

// Reads a whole file; empty vector when it cannot be read.
inline std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/helios-libtest-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (mkdtemp(buf.data()) != nullptr) path_ = buf.data();
    }
    ~TempDir() {
        if (!path_.empty()) run("rm -rf '" + path_ + "'");
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] std::string operator/(const std::string& name) const { return path_ + "/" + name; }

    // Runs a shell command; true when it exited with status 0.
    static bool run(const std::string& command) { return std::system(command.c_str()) == 0; }

private:
    std::string path_;
};

// A heap copy of exactly n bytes, so AddressSanitizer reports any read past
// the end (a vector may carry spare capacity).
class ExactBytes {
public:
    ExactBytes(const uint8_t* data, size_t n) : bytes_(new uint8_t[n == 0 ? 1 : n]), size_(n) {
        for (size_t i = 0; i < n; ++i) bytes_[i] = data[i];
    }
    explicit ExactBytes(const std::vector<uint8_t>& v, size_t n) : ExactBytes(v.data(), n) {}
    explicit ExactBytes(const std::vector<uint8_t>& v) : ExactBytes(v.data(), v.size()) {}
    [[nodiscard]] const uint8_t* data() const { return bytes_.get(); }
    [[nodiscard]] size_t size() const { return size_; }

private:
    std::unique_ptr<uint8_t[]> bytes_;
    size_t size_;
};

// A small deterministic PRNG (xorshift64*) for mutation tests.
class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed | 1) {}
    uint64_t next() {
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return state_ * 0x2545F4914F6CDD1Dull;
    }
    uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }

private:
    uint64_t state_;
};

}  // namespace helios_test
