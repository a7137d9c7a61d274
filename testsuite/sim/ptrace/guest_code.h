// Guest code snippets (guest_code.S) and a fixture that runs them in a fresh husk.
#pragma once

#include <sys/mman.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "sim/ptrace/guest_regs.h"
#include "sim/ptrace/husk_process.h"
#include "sim/ptrace/physical_memory.h"

#define HELIOS_GUEST_SNIPPET(name)           \
    extern "C" const uint8_t name##_begin[]; \
    extern "C" const uint8_t name##_end[];
HELIOS_GUEST_SNIPPET(guest_syscalls)
HELIOS_GUEST_SNIPPET(guest_store)
HELIOS_GUEST_SNIPPET(guest_load)
HELIOS_GUEST_SNIPPET(guest_jump)
HELIOS_GUEST_SNIPPET(guest_port_io)
HELIOS_GUEST_SNIPPET(guest_faults)
HELIOS_GUEST_SNIPPET(guest_counter)
HELIOS_GUEST_SNIPPET(guest_read_fixed)
HELIOS_GUEST_SNIPPET(guest_nops)
HELIOS_GUEST_SNIPPET(guest_xmm)
HELIOS_GUEST_SNIPPET(guest_compat)
HELIOS_GUEST_SNIPPET(guest_vsyscall)
HELIOS_GUEST_SNIPPET(guest_int80)
HELIOS_GUEST_SNIPPET(guest_cpuid)
#undef HELIOS_GUEST_SNIPPET

#define SNIPPET(name) std::span<const uint8_t>(name##_begin, name##_end)

namespace helios::sim::test {

inline constexpr uint64_t kPage = 0x1000;
inline constexpr uint64_t kCodeVaddr = 0x400000;
inline constexpr uint64_t kStackVaddr = 0x70000000;
inline constexpr uint64_t kCodeFrame = 0;  // physical offsets used by the fixture
inline constexpr uint64_t kStackFrame = 0x1000;
inline constexpr uint64_t kFreeFrames = 0x10000;  // tests may use frames from here on

// A husk with `code` at kCodeVaddr (r-x) and one stack page (rw-).
struct GuestFixture {
    std::unique_ptr<PhysicalMemory> phys;
    std::unique_ptr<HuskProcess> husk;

    explicit GuestFixture(std::span<const uint8_t> code) {
        auto p = PhysicalMemory::create(16 << 20);
        REQUIRE(p.ok());
        phys = std::move(p.value());
        REQUIRE(code.size() <= kPage);
        std::memcpy(phys->base() + kCodeFrame, code.data(), code.size());
        auto h = HuskProcess::spawn(*phys);
        INFO(h.message());
        REQUIRE(h.ok());
        husk = std::move(h.value());
        REQUIRE(husk->map(kCodeVaddr, kCodeFrame, kPage, PROT_READ | PROT_EXEC).ok());
        REQUIRE(husk->map(kStackVaddr, kStackFrame, kPage, PROT_READ | PROT_WRITE).ok());
        Status st = husk->flush();
        INFO(st.message());
        REQUIRE(st.ok());
    }

    // A new guest thread and its initial registers (rip at the code, rsp at the stack top).
    pid_t new_thread(user_regs_struct& regs) {
        auto tid = husk->create_thread();
        INFO(tid.message());
        REQUIRE(tid.ok());
        regs = initial_guest_regs(kCodeVaddr, kStackVaddr + kPage);
        return *tid;
    }

    StopEvent run(pid_t tid, user_regs_struct& regs, bool single_step = false) {
        auto ev = husk->run(tid, regs, single_step);
        INFO(ev.message());
        REQUIRE(ev.ok());
        return *ev;
    }
};

}  // namespace helios::sim::test
