// Symbolizer: turns a guest address into "function+off (file:line)" using the ELF files in the image.
#pragma once

#include <libelf.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace helios::sim {

// Reads the programs of an initramfs with libelf (symbols) and libdw (line
// numbers). Programs are looked up by name: the tar path ("init",
// "drivers/serial") or its last component ("serial", as a loader names it).
class Symbolizer {
public:
    explicit Symbolizer(std::vector<uint8_t> image);
    ~Symbolizer();
    Symbolizer(const Symbolizer&) = delete;
    Symbolizer& operator=(const Symbolizer&) = delete;

    // "main+0x1c (hello.cpp:31)", "main+0x1c" without line information, or
    // "0x401234" when nothing is known.
    std::string describe(const std::string& program, uint64_t addr);

    // Where the image's programs read the time-stamp counter: every rdtsc
    // and rdtscp in their executable sections (a linear sweep with the
    // decoder), as "program: function+off (file:line)", at most `max`.
    // For replay reports on hosts that cannot trap rdtsc.
    std::vector<std::string> tsc_reads(size_t max);

private:
    struct Program {
        std::vector<uint8_t> bytes;  // libelf reads from here
        Elf* elf = nullptr;
        void* dwarf = nullptr;       // Dwarf*, or null without debug info
    };
    Program* load(const std::string& program);

    std::vector<uint8_t> image_;
    std::map<std::string, std::unique_ptr<Program>> programs_;
};

}  // namespace helios::sim
