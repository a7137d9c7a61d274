// Tests of HuskProcess: spawning, batched mappings, running guest threads, faults, cleanup.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "guest_code.h"
#include "sim/ptrace/insn_decode.h"

using namespace helios::sim;
using namespace helios::sim::test;

namespace {

bool process_exists(pid_t pid) {
    return kill(pid, 0) == 0 || errno != ESRCH;
}

uint64_t u64_at(const PhysicalMemory& phys, uint64_t offset) {
    uint64_t v;
    std::memcpy(&v, phys.base() + offset, sizeof v);
    return v;
}

}  // namespace

TEST_CASE("a husk spawns with its fixed layout and nothing in the user range", "[husk]") {
    GuestFixture g(SNIPPET(guest_nops));
    std::ifstream maps("/proc/" + std::to_string(g.husk->pid()) + "/maps");
    REQUIRE(maps.good());
    bool text = false, mailbox = false;
    std::string line;
    while (std::getline(maps, line)) {
        const uint64_t start = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
        if (start == HUSK_TEXT_ADDR) text = line.find("r-xp") != std::string::npos;
        if (start == HUSK_MAILBOX_ADDR) mailbox = line.find("rw-s") != std::string::npos;
        // Below the user top: only the fixture's two guest pages.
        if (start < kUserTop) {
            INFO(line);
            CHECK((start == kCodeVaddr || start == kStackVaddr));
        }
    }
    CHECK(text);
    CHECK(mailbox);
}

TEST_CASE("spawn reports a missing husk binary", "[husk]") {
    auto phys = PhysicalMemory::create(1 << 20);
    REQUIRE(phys.ok());
    auto h = HuskProcess::spawn(**phys, "/nonexistent/helios-husk");
    REQUIRE_FALSE(h.ok());
    CHECK_THAT(h.message(), Catch::Contains("/nonexistent/helios-husk"));
}

TEST_CASE("guest syscalls stop with SYSEMU and never reach Linux", "[husk][syscall]") {
    GuestFixture g(SNIPPET(guest_syscalls));
    user_regs_struct r;
    const pid_t tid = g.new_thread(r);

    StopEvent e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 42);
    CHECK(r.orig_rax == 42);
    CHECK(r.rip == kCodeVaddr + 7);  // mov eax, imm32 (5) + syscall (2)

    r.rax = 1234;  // the emulated result comes back in rax
    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 43);
    CHECK(r.rdi == 1234);

    // A real Linux write(1, ...): intercepted; the guest sees our result.
    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 1);
    CHECK(r.rdi == 1);
    CHECK(r.rdx == 5);
    r.rax = 777;
    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 39);  // getpid
    CHECK(r.rdi == 777);
    r.rax = 4242;  // not the husk's pid: Linux did not answer
    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 231);  // exit_group(4242): the husk must survive it
    CHECK(r.rdi == 4242);
    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 60);  // exit: the thread must survive it
    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 1000);
    CHECK(process_exists(g.husk->pid()));
    CHECK(g.husk->threads() == std::vector<pid_t>{tid});
}

TEST_CASE("a store to an unmapped page faults as a write and retries after a batch map", "[husk][fault]") {
    GuestFixture g(SNIPPET(guest_store));
    user_regs_struct r;
    const pid_t tid = g.new_thread(r);
    const uint64_t data = 0x10000000;
    r.rdi = data + 0x18;

    StopEvent e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Signal);
    CHECK(e.signo == SIGSEGV);
    CHECK(e.si_code == SEGV_MAPERR);
    CHECK(e.fault_addr == data + 0x18);
    const uint64_t fault_rip = r.rip;
    CHECK(fault_rip == kCodeVaddr + 10);  // after the 10-byte movabs

    uint8_t insn[15];
    const size_t n = g.husk->read_instruction(r.rip, insn);
    REQUIRE(n > 0);
    CHECK(classify_access(insn, n, e.fault_addr, r.rip, &r) == MemAccess::Write);
    CHECK(classify_access(insn, n, e.fault_addr, r.rip) == MemAccess::Write);

    REQUIRE(g.husk->map(data, kFreeFrames, kPage, PROT_READ | PROT_WRITE).ok());
    const uint64_t trips = g.husk->round_trips();
    REQUIRE(g.husk->flush().ok());
    CHECK(g.husk->round_trips() == trips + 1);

    e = g.run(tid, r);  // rip unchanged: the store is retried
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 1000);
    CHECK(u64_at(*g.phys, kFreeFrames + 0x18) == 0x1122334455667788ull);
}

TEST_CASE("a load from an unmapped page faults as a read and a jump there as an exec", "[husk][fault]") {
    SECTION("load") {
        GuestFixture g(SNIPPET(guest_load));
        user_regs_struct r;
        const pid_t tid = g.new_thread(r);
        r.rdi = 0x20000008;
        StopEvent e = g.run(tid, r);
        REQUIRE(e.kind == StopKind::Signal);
        CHECK(e.signo == SIGSEGV);
        CHECK(e.fault_addr == 0x20000008);
        uint8_t insn[15];
        const size_t n = g.husk->read_instruction(r.rip, insn);
        CHECK(classify_access(insn, n, e.fault_addr, r.rip, &r) == MemAccess::Read);
    }
    SECTION("jump") {
        GuestFixture g(SNIPPET(guest_jump));
        user_regs_struct r;
        const pid_t tid = g.new_thread(r);
        r.rdi = 0x30000000;
        StopEvent e = g.run(tid, r);
        REQUIRE(e.kind == StopKind::Signal);
        CHECK(e.signo == SIGSEGV);
        CHECK(e.fault_addr == 0x30000000);
        CHECK(r.rip == 0x30000000);
        uint8_t insn[15];
        const size_t n = g.husk->read_instruction(r.rip, insn);
        CHECK(n == 0);
        CHECK(classify_access(insn, n, e.fault_addr, r.rip, &r) == MemAccess::Exec);
    }
    SECTION("write to a read-only page") {
        GuestFixture g(SNIPPET(guest_store));
        user_regs_struct r;
        const pid_t tid = g.new_thread(r);
        REQUIRE(g.husk->map(0x40000000, kFreeFrames, kPage, PROT_READ).ok());
        REQUIRE(g.husk->flush().ok());
        r.rdi = 0x40000000;
        StopEvent e = g.run(tid, r);
        REQUIRE(e.kind == StopKind::Signal);
        CHECK(e.si_code == SEGV_ACCERR);
        REQUIRE(g.husk->protect(0x40000000, kPage, PROT_READ | PROT_WRITE).ok());
        REQUIRE(g.husk->flush().ok());
        e = g.run(tid, r);
        REQUIRE(e.kind == StopKind::Syscall);
        CHECK(u64_at(*g.phys, kFreeFrames) == 0x1122334455667788ull);
    }
}

TEST_CASE("port I/O faults with #GP and is decoded then performed and skipped", "[husk][portio]") {
    GuestFixture g(SNIPPET(guest_port_io));
    user_regs_struct r;
    const pid_t tid = g.new_thread(r);

    StopEvent e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Signal);
    CHECK(e.signo == SIGSEGV);
    CHECK(e.si_code == SI_KERNEL);  // general protection, not a page fault
    CHECK(e.fault_addr == 0);
    uint8_t insn[15];
    size_t n = g.husk->read_instruction(r.rip, insn);
    auto io = decode_port_io(insn, n);
    REQUIRE(io);
    CHECK_FALSE(io->is_in);
    CHECK(io->width == 1);
    CHECK_FALSE(io->port_is_imm);
    CHECK((r.rdx & 0xFFFF) == 0x3f8);
    CHECK((r.rax & 0xFF) == 0x41);
    r.rip += io->length;

    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Signal);
    CHECK(e.si_code == SI_KERNEL);
    n = g.husk->read_instruction(r.rip, insn);
    io = decode_port_io(insn, n);
    REQUIRE(io);
    CHECK(io->is_in);
    CHECK(io->port_is_imm);
    CHECK(io->port == 0x60);
    CHECK(io->width == 1);
    r.rax = (r.rax & ~0xFFull) | 0x5A;
    r.rip += io->length;  // rax and rip changed: two POKEUSERs

    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 1002);
    CHECK(r.rdi == 0x5A);
}

TEST_CASE("int3 ud2 and divide by zero stop as SIGTRAP SIGILL and SIGFPE", "[husk][fault]") {
    GuestFixture g(SNIPPET(guest_faults));
    user_regs_struct r;
    const pid_t tid = g.new_thread(r);

    StopEvent e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Signal);
    CHECK(e.signo == SIGTRAP);
    CHECK(r.rip == kCodeVaddr + 1);  // a trap: rip is after the int3

    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Signal);
    CHECK(e.signo == SIGILL);
    CHECK(r.rip == kCodeVaddr + 1);  // a fault: rip is at the ud2
    r.rip += 2;

    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Signal);
    CHECK(e.signo == SIGFPE);
    CHECK(e.si_code == FPE_INTDIV);
    uint8_t insn[15];
    r.rip += insn_length(insn, g.husk->read_instruction(r.rip, insn));

    e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 1003);
}

TEST_CASE("single-stepping stops after each instruction", "[husk][step]") {
    GuestFixture g(SNIPPET(guest_nops));
    user_regs_struct r;
    const pid_t tid = g.new_thread(r);
    for (uint64_t i = 1; i <= 4; ++i) {  // three nops and the mov
        StopEvent e = g.run(tid, r, true);
        INFO(describe(e));
        REQUIRE(e.kind == StopKind::SingleStep);
        CHECK(e.signo == SIGTRAP);
        CHECK(r.rip == kCodeVaddr + (i <= 3 ? i : 8));
    }
    StopEvent e = g.run(tid, r, true);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(e.syscall_nr == 600);
}

TEST_CASE("floating-point registers can be set before a run", "[husk]") {
    GuestFixture g(SNIPPET(guest_xmm));
    user_regs_struct r;
    const pid_t tid = g.new_thread(r);
    user_fpregs_struct fp;
    REQUIRE(g.husk->get_fpregs(tid, fp).ok());
    fp.xmm_space[0] = 0xdeadbeef;
    fp.xmm_space[1] = 0x01234567;
    REQUIRE(g.husk->set_fpregs(tid, fp).ok());
    StopEvent e = g.run(tid, r);
    REQUIRE(e.kind == StopKind::Syscall);
    CHECK(r.rdi == 0x01234567deadbeefull);
}

TEST_CASE("a batch of 256 page maps costs one round trip and 2000 cost two", "[husk][batch]") {
    GuestFixture g(SNIPPET(guest_nops));
    const uint64_t base = 0x10000000;
    // Frames in reverse order, so that no two mappings merge.
    for (uint64_t i = 0; i < 256; ++i)
        REQUIRE(g.husk->map(base + i * kPage, kFreeFrames + (255 - i) * kPage, kPage, PROT_READ | PROT_WRITE).ok());
    CHECK(g.husk->queued() == 256);
    const uint64_t trips = g.husk->round_trips();
    REQUIRE(g.husk->flush().ok());
    CHECK(g.husk->round_trips() == trips + 1);
    CHECK(g.husk->queued() == 0);

    for (uint64_t i = 0; i < 256; ++i) std::memcpy(g.phys->base() + kFreeFrames + i * kPage, &i, sizeof i);
    std::vector<uint8_t> view(256 * kPage);
    REQUIRE(g.husk->read_memory(base, view.data(), view.size()));
    for (uint64_t i = 0; i < 256; ++i) {
        uint64_t v;
        std::memcpy(&v, view.data() + i * kPage, sizeof v);
        CHECK(v == 255 - i);
    }

    for (uint64_t i = 0; i < 2000; ++i) REQUIRE(g.husk->map(base + i * kPage, kFreeFrames, kPage, PROT_READ).ok());
    REQUIRE(g.husk->flush().ok());
    CHECK(g.husk->round_trips() == trips + 1 + (2000 + HUSK_MAX_OPS - 1) / HUSK_MAX_OPS);
}

TEST_CASE("bad mapping requests fail with a message and queue nothing", "[husk][errors]") {
    GuestFixture g(SNIPPET(guest_nops));
    Status st = g.husk->map(0x10000001, 0, kPage, PROT_READ);
    CHECK_THAT(st.message(), Catch::Contains("not page-aligned"));
    st = g.husk->map(kUserTop - kPage, 0, 2 * kPage, PROT_READ);
    CHECK_THAT(st.message(), Catch::Contains("outside the user range"));
    // Below kUserBottom nothing is a host mapping, as root or not (the
    // machine emulates guest accesses there).
    st = g.husk->map(0x1000, 0, kPage, PROT_READ);
    CHECK_THAT(st.message(), Catch::Contains("outside the user range"));
    st = g.husk->map(0x10000000, g.phys->size(), kPage, PROT_READ);
    CHECK_THAT(st.message(), Catch::Contains("beyond physical memory"));
    st = g.husk->map(0x10000000, 0, kPage, 0x100);
    CHECK_THAT(st.message(), Catch::Contains("bad prot"));
    st = g.husk->unmap(HUSK_TEXT_ADDR, kPage);  // the husk itself is off limits
    CHECK_FALSE(st.ok());
    CHECK(g.husk->queued() == 0);

    // Linux refuses mprotect of an unmapped range: the op is named, later ops dropped.
    REQUIRE(g.husk->map(0x10000000, kFreeFrames, kPage, PROT_READ).ok());
    REQUIRE(g.husk->protect(0x50000000, kPage, PROT_READ).ok());
    REQUIRE(g.husk->map(0x10001000, kFreeFrames, kPage, PROT_READ).ok());
    st = g.husk->flush();
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("op 2 of 3") && Catch::Contains("protect(vaddr=0x50000000"));
    CHECK(g.husk->queued() == 0);
    uint8_t b;
    CHECK(g.husk->read_memory(0x10000000, &b, 1));
    CHECK_FALSE(g.husk->read_memory(0x10001000, &b, 1));

    user_regs_struct r{};
    auto ev = g.husk->run(12345678, r);
    CHECK_FALSE(ev.ok());
    CHECK_THAT(ev.message(), Catch::Contains("not a guest thread"));
}

TEST_CASE("guest memory through process_vm_readv/writev and the direct map", "[husk][memory]") {
    GuestFixture g(SNIPPET(guest_nops));
    const char msg[] = "hello, guest";
    REQUIRE(g.husk->write_memory(kStackVaddr + 16, msg, sizeof msg));
    CHECK(std::memcmp(g.phys->base() + kStackFrame + 16, msg, sizeof msg) == 0);
    char back[sizeof msg];
    REQUIRE(g.husk->read_memory(kStackVaddr + 16, back, sizeof back));
    CHECK(std::memcmp(back, msg, sizeof msg) == 0);
    CHECK_FALSE(g.husk->write_memory(kCodeVaddr, msg, 1));               // read-only code page
    CHECK_FALSE(g.husk->read_memory(kStackVaddr + kPage - 4, back, 8));  // runs off the page

    uint8_t insn[15];
    CHECK(g.husk->read_instruction(kCodeVaddr + kPage - 3, insn) == 3);
    CHECK(g.husk->read_instruction(kCodeVaddr, insn) == 15);
}

TEST_CASE("two threads in one husk keep separate registers and stacks", "[husk][threads]") {
    GuestFixture g(SNIPPET(guest_counter));
    REQUIRE(g.husk->map(kStackVaddr + kPage, kStackFrame + kPage, kPage, PROT_READ | PROT_WRITE).ok());
    REQUIRE(g.husk->flush().ok());
    user_regs_struct a, b;
    const pid_t ta = g.new_thread(a);
    const pid_t tb = g.new_thread(b);
    CHECK(ta != tb);
    CHECK(g.husk->threads() == std::vector<pid_t>{ta, tb});
    b.rsp = kStackVaddr + 2 * kPage;
    b.rbx = 100;
    for (int i = 0; i < 3; ++i) {
        REQUIRE(g.run(ta, a).kind == StopKind::Syscall);
        REQUIRE(g.run(tb, b).kind == StopKind::Syscall);
        REQUIRE(g.run(tb, b).kind == StopKind::Syscall);
    }
    CHECK(a.rbx == 3);
    CHECK(a.rsi == 3);
    CHECK(b.rbx == 106);
    CHECK(b.rsi == 106);
    CHECK(u64_at(*g.phys, kStackFrame + kPage - 8) == 3);        // a's push
    CHECK(u64_at(*g.phys, kStackFrame + 2 * kPage - 8) == 106);  // b's push

    REQUIRE(g.husk->kill_thread(ta).ok());
    CHECK_FALSE(process_exists(ta));
    CHECK(g.husk->threads() == std::vector<pid_t>{tb});
    REQUIRE(g.run(tb, b).kind == StopKind::Syscall);
    CHECK(b.rbx == 107);
    CHECK_FALSE(g.husk->run(ta, a).ok());
}

TEST_CASE("two husks at once are separate address spaces", "[husk][threads]") {
    auto phys = PhysicalMemory::create(16 << 20);
    REQUIRE(phys.ok());
    auto code = SNIPPET(guest_read_fixed);
    std::memcpy((*phys)->base(), code.data(), code.size());
    const uint64_t value[2] = {111, 222};
    std::unique_ptr<HuskProcess> husk[2];
    pid_t tid[2];
    user_regs_struct r[2];
    for (int i = 0; i < 2; ++i) {
        auto h = HuskProcess::spawn(**phys);
        REQUIRE(h.ok());
        husk[i] = std::move(*h);
        const uint64_t frame = kFreeFrames + i * kPage;
        std::memcpy((*phys)->base() + frame, &value[i], 8);
        REQUIRE(husk[i]->map(kCodeVaddr, 0, kPage, PROT_READ | PROT_EXEC).ok());
        REQUIRE(husk[i]->map(0x600000, frame, kPage, PROT_READ).ok());
        REQUIRE(husk[i]->flush().ok());
        auto t = husk[i]->create_thread();
        REQUIRE(t.ok());
        tid[i] = *t;
        r[i] = initial_guest_regs(kCodeVaddr, 0);
    }
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 2; ++i) {
            auto e = husk[i]->run(tid[i], r[i]);
            REQUIRE(e.ok());
            REQUIRE(e->kind == StopKind::Syscall);
            CHECK(r[i].rdi == value[i]);
        }
    }
}

TEST_CASE("destroying a husk leaves no process behind", "[husk][lifetime]") {
    std::vector<pid_t> pids;
    {
        GuestFixture g(SNIPPET(guest_counter));
        user_regs_struct a, b;
        pids.push_back(g.husk->pid());
        pids.push_back(g.new_thread(a));
        pids.push_back(g.new_thread(b));
        REQUIRE(g.run(pids[1], a).kind == StopKind::Syscall);  // one ran, one never did
        for (pid_t p : pids) CHECK(process_exists(p));
    }
    for (pid_t p : pids) {
        CHECK_FALSE(process_exists(p));
        CHECK(access(("/proc/" + std::to_string(p)).c_str(), F_OK) != 0);
    }
}

TEST_CASE("a husk killed from outside is reported and cleaned up", "[husk][lifetime]") {
    SECTION("between runs") {
        GuestFixture g(SNIPPET(guest_counter));
        user_regs_struct a, b;
        const pid_t ta = g.new_thread(a);
        const pid_t tb = g.new_thread(b);
        REQUIRE(g.run(ta, a).kind == StopKind::Syscall);
        REQUIRE(kill(g.husk->pid(), SIGKILL) == 0);
        StopEvent e = g.run(ta, a);
        CHECK(e.kind == StopKind::Killed);
        CHECK(e.exit_status == SIGKILL);
        Status st = g.husk->flush();  // nothing queued: trivially fine
        CHECK(st.ok());
        auto t = g.husk->create_thread();
        CHECK_FALSE(t.ok());
        e = g.run(tb, b);
        CHECK(e.kind == StopKind::Killed);
        CHECK(g.husk->threads().empty());
    }
    SECTION("during a long batch") {
        GuestFixture g(SNIPPET(guest_counter));
        user_regs_struct a;
        const pid_t ta = g.new_thread(a);
        const pid_t husk_pid = g.husk->pid();
        std::thread killer([husk_pid] {
            std::this_thread::sleep_for(std::chrono::microseconds(500));
            kill(husk_pid, SIGKILL);
        });
        bool failed = false;
        for (int batch = 0; batch < 50 && !failed; ++batch) {
            for (uint64_t i = 0; i < 1000; ++i)
                REQUIRE(g.husk->map(0x10000000 + i * kPage, kFreeFrames + (i % 2) * kPage, kPage, PROT_READ).ok());
            failed = !g.husk->flush().ok();
        }
        killer.join();
        CHECK(failed);
        CHECK(g.run(ta, a).kind == StopKind::Killed);
    }
}

TEST_CASE("a husk dies with its simulator (no orphan)", "[husk][lifetime]") {
    // middle: a subreaper, so the orphaned husk is reparented to it and can be
    // waited for; tracer: spawns a husk and is then SIGKILLed.
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t middle = fork();
    REQUIRE(middle >= 0);
    if (middle == 0) {
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        const pid_t tracer = fork();
        if (tracer < 0) _exit(10);
        if (tracer == 0) {
            auto phys = PhysicalMemory::create(1 << 20);
            if (!phys.ok()) _exit(11);
            auto husk = HuskProcess::spawn(**phys);
            if (!husk.ok()) _exit(12);
            const pid_t pid = (*husk)->pid();
            if (write(fds[1], &pid, sizeof pid) != sizeof pid) _exit(13);
            for (;;) pause();
        }
        pid_t husk = 0;
        if (read(fds[0], &husk, sizeof husk) != sizeof husk) _exit(14);
        kill(tracer, SIGKILL);
        int status;
        waitpid(tracer, &status, 0);
        for (int i = 0; i < 400; ++i) {  // up to 2 s
            const pid_t r = waitpid(husk, &status, WNOHANG | __WALL);
            if (r == husk) _exit(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 15);
            usleep(5000);
        }
        kill(husk, SIGKILL);
        _exit(16);
    }
    close(fds[0]);
    close(fds[1]);
    int status;
    REQUIRE(waitpid(middle, &status, 0) == middle);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
