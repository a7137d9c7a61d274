// Whole-system tests of Mercury in helios-sim: boot, the echo loop over the serial driver, supervision, manifests,
// least privilege, helios-manifest.
#include <catch2/catch.hpp>
#include <string>

#include "sim_harness.h"

// Expectations on COM1 output that print the whole output and the
// simulator's log when they fail.
#define CHECK_OUT(sim, text)                                                                        \
    do {                                                                                            \
        if (!(sim).expect(text)) FAIL_CHECK("did not see: " << (text) << "\n" << (sim).describe()); \
    } while (0)
#define REQUIRE_ANYWHERE(sim, text)                                                                    \
    do {                                                                                               \
        if (!(sim).expect_anywhere(text)) FAIL("did not see: " << (text) << "\n" << (sim).describe()); \
    } while (0)
#define REQUIRE_OUT(sim, text)                                                                \
    do {                                                                                      \
        if (!(sim).expect(text)) FAIL("did not see: " << (text) << "\n" << (sim).describe()); \
    } while (0)

namespace {

using mtest::Sim;

const std::string kReady = "[usrinit] echo loop on the serial line: type a line, get it back\n";

// What the echo loop sends back for `in` (mercury/usrinit/usrinit.cpp):
// typed characters echoed, backspace erasing, each line (CR, LF or CR LF)
// sent back, lines longer than 1024 sent back in pieces.
std::string echo_of(const std::string& in) {
    std::string out, line;
    bool after_cr = false;
    for (char c : in) {
        bool was_cr = after_cr;
        after_cr = c == '\r';
        if (c == '\n' && was_cr) continue;
        if (c == '\r' || c == '\n') {
            out += "\n" + line + "\n";
            line.clear();
        } else if (c == '\b' || c == 0x7F) {
            if (!line.empty()) {
                line.pop_back();
                out += "\b \b";
            }
        } else {
            if (line.size() == 1024) {
                out += "\n" + line + "\n";
                line.clear();
            }
            line += c;
            out += c;
        }
    }
    return out;
}

// Lines of printable text, deterministic.
std::string text_lines(size_t bytes, unsigned seed) {
    std::string s;
    uint32_t x = seed * 2654435761u + 1;
    while (s.size() < bytes) {
        x = x * 1103515245u + 12345u;
        size_t len = (x >> 16) % 90;
        for (size_t i = 0; i < len && s.size() + 1 < bytes; ++i) {
            x = x * 1103515245u + 12345u;
            s += static_cast<char>('a' + (x >> 16) % 26);
        }
        s += '\n';
    }
    return s;
}

void boot(Sim& sim) {
    REQUIRE_OUT(sim, kReady);
}

}  // namespace

// ---- boot and the echo loop -------------------------------------------------------------

TEST_CASE("boot: init greets and starts the serial driver and the echo loop", "[system]") {
    Sim sim(HELIOS_IMAGE_DEFAULT);
    REQUIRE_OUT(sim, ("[init] Hello from Mercury!\n"));
    CHECK_OUT(sim, ("[init] serial: registered as serial device 0\n"));
    CHECK_OUT(sim, ("[init] started serial (drivers/serial): 16550 UART driver for COM1 and COM2\n"));
    CHECK_OUT(sim, ("[init] started usrinit (sbin/usrinit)"));
    CHECK_OUT(sim, (kReady));
}

TEST_CASE("echo: typed lines come back with LF or CR or CR LF and backspace", "[system]") {
    Sim sim(HELIOS_IMAGE_DEFAULT);
    boot(sim);
    sim.send("hello\n");
    CHECK_OUT(sim, ("hello\nhello\n"));
    sim.send("two words\r");  // a terminal's Enter
    CHECK_OUT(sim, ("two words\ntwo words\n"));
    sim.send("crlf\r\nnext\n");
    std::string want = echo_of("crlf\r\nnext\n");
    std::string got = sim.take(want.size());
    INFO(sim.describe());
    CHECK(got == want);
    sim.send(
        "abd\x7f"
        "c\n");
    CHECK_OUT(sim, ("abd\b \bc\nabc\n"));
}

TEST_CASE("echo: a burst larger than the driver rings loses nothing", "[system]") {
    Sim sim(HELIOS_IMAGE_DEFAULT);
    boot(sim);
    std::string in = text_lines(6000, 1);
    std::string want = echo_of(in);
    sim.send(in);
    std::string got = sim.take(want.size(), 30);
    INFO(sim.describe());
    REQUIRE(got.size() == want.size());
    CHECK(got == want);
}

TEST_CASE("echo: a line longer than the echo buffer comes back in pieces", "[system]") {
    Sim sim(HELIOS_IMAGE_DEFAULT);
    boot(sim);
    std::string in(2500, 'x');
    for (size_t i = 0; i < in.size(); i += 7) in[i] = static_cast<char>('a' + i % 26);
    in += "\n";
    std::string want = echo_of(in);
    sim.send(in);
    std::string got = sim.take(want.size(), 30);
    INFO(sim.describe());
    CHECK(got == want);
}

TEST_CASE("echo: canned input from a file is deterministic to the end", "[system]") {
    mtest::TempFile input("first line\nsecond\r\n");
    mtest::Run r = mtest::run(HELIOS_SIM, {"run", "--image", HELIOS_IMAGE_DEFAULT, "--com1", "file:" + input.path()});
    INFO(r.output);
    // Once the input is used up every task waits: the simulator stops (75).
    CHECK(r.status == 75);
    CHECK(r.output.find("[init] Hello from Mercury!\n") != std::string::npos);
    CHECK(r.output.find(kReady + echo_of("first line\nsecond\r\n")) != std::string::npos);
}

// ---- supervision ------------------------------------------------------------------------------

// test_serialcrash: the real serial driver built to fault on byte 0x1D.
TEST_CASE("supervision: a crashed driver is reported and restarted and serves again", "[system][supervision]") {
    Sim sim(HELIOS_IMAGE_SERIALCRASH);
    boot(sim);
    sim.send("before\n");
    REQUIRE_OUT(sim, ("before\nbefore\n"));
    sim.send("\x1d");
    CHECK_OUT(sim, ("[init] serial crashed: page fault at 0xdead0000 ip 0x4"));
    CHECK_OUT(sim, (" (write, not mapped)\n"));
    CHECK_OUT(sim, ("[init] serial: restarting (restart 1 of at most 3 within the window)\n"));
    // The echo loop's pending read failed over to the new instance.
    sim.send("after\n");
    CHECK_OUT(sim, ("after\nafter\n"));
    CHECK(mtest::count(sim.output(), "registered as serial device 0") == 1);  // the same device
}

TEST_CASE("supervision: after the restart bound the driver stays stopped and its clients learn",
          "[system][supervision]") {
    Sim sim(HELIOS_IMAGE_SERIALCRASH);
    boot(sim);
    for (int i = 1; i <= 3; ++i) {
        sim.send("\x1d");
        REQUIRE_OUT(sim, ("[init] serial crashed: page fault at 0xdead0000"));
        REQUIRE_OUT(sim, ("[init] serial: restarting (restart " + std::to_string(i) + " of at most 3"));
    }
    sim.send("\x1d");
    REQUIRE_OUT(sim, ("[init] serial crashed: page fault at 0xdead0000"));
    CHECK_OUT(sim, ("[init] serial: crashed again after 3 restarts within the restart window (limit 3); "
                    "giving up: serial stays stopped\n"));
    CHECK_OUT(sim, ("[init] serial device 0 (serial) is gone\n"));
    CHECK_OUT(sim, ("[usrinit] the serial device is gone"));
    sim.settle(0.2);
    CHECK(mtest::count(sim.output(), "serial crashed") == 4);
    CHECK(mtest::count(sim.output(), "restarting") == 3);
}

// test_crashloop: crashy faults at every start; serial and usrinit are fine.
TEST_CASE("supervision: a driver crashing in a loop is stopped after the bound while the rest runs",
          "[system][supervision]") {
    Sim sim(HELIOS_IMAGE_CRASHLOOP);
    // Its `_:memory`, `_:vspace`, `_:cspace` reached the runtime (heap, mmap).
    REQUIRE_OUT(sim, ("[crashy] run 0 as crashy: heap ok, mmap ok, tls ok\n"));
    REQUIRE_OUT(sim, ("[init] crashy crashed: page fault at 0xdead0000 ip 0x4"));
    CHECK_OUT(sim, ("[init] crashy: restarting (restart 1 of at most 3 within the window)\n"));
    CHECK_OUT(sim, ("[crashy] run 1 as crashy: heap ok, mmap ok, tls ok\n"));
    CHECK_OUT(sim, ("[init] crashy: restarting (restart 3 of at most 3 within the window)\n"));
    CHECK_OUT(sim, ("[crashy] run 3 as crashy"));
    CHECK_OUT(sim, ("[init] crashy: crashed again after 3 restarts within the restart window (limit 3); "
                    "giving up: crashy stays stopped\n"));
    REQUIRE_ANYWHERE(sim, kReady);
    sim.send("still here\n");
    CHECK_OUT(sim, ("still here\nstill here\n"));
    CHECK(mtest::count(sim.output(), "[init] crashy crashed") == 4);
    CHECK(sim.output().find("still running after the fault") == std::string::npos);
}

TEST_CASE("supervision: the bound comes from the kernel command line", "[system][supervision]") {
    Sim sim(HELIOS_IMAGE_CRASHLOOP, {"--cmdline", "init.restart_max=1"});
    REQUIRE_OUT(sim, ("[init] crashy: restarting (restart 1 of at most 1 within the window)\n"));
    CHECK_OUT(sim, ("[init] crashy: crashed again after 1 restart within the restart window (limit 1); "
                    "giving up: crashy stays stopped\n"));
    REQUIRE_ANYWHERE(sim, kReady);
    CHECK(mtest::count(sim.output(), "[init] crashy crashed") == 2);
}

TEST_CASE("supervision: restarts older than the window do not count", "[system][supervision]") {
    // A zero-length window: no earlier restart is ever inside it.
    Sim sim(HELIOS_IMAGE_CRASHLOOP, {"--cmdline", "init.restart_max=1 init.restart_window_mcycles=0"});
    for (int i = 0; i < 5; ++i) REQUIRE_OUT(sim, ("[init] crashy: restarting (restart 1 of at most 1"));
    CHECK(sim.output().find("giving up") == std::string::npos);
}

// ---- manifests and least privilege ----------------------------------------------------------

TEST_CASE("manifests: a malformed manifest is reported by file and line and only that driver is not started",
          "[system]") {
    Sim sim(HELIOS_IMAGE_BADMANIFEST);
    REQUIRE_OUT(sim,
                ("[init] drivers/bad: .manifest line 6: ioport: max is not a hex number (found '40Z'); not started\n"));
    CHECK_OUT(sim, ("[init] started serial"));
    // A well-formed manifest can still fail when granted: the line is named too.
    CHECK_OUT(sim, "[init] drivers/thief: .manifest line 5: irq: cannot issue IRQ 4: BUSY; not started\n");
    REQUIRE_ANYWHERE(sim, kReady);
    sim.send("ok?\n");
    CHECK_OUT(sim, ("ok?\nok?\n"));
    CHECK(sim.output().find("[bad] this driver must never run") == std::string::npos);
    CHECK(sim.output().find("[thief] this driver must never run") == std::string::npos);
}

TEST_CASE("least privilege: a driver gets exactly what its manifest lists", "[system]") {
    Sim sim(HELIOS_IMAGE_SANDBOX);
    CHECK_OUT(sim, ("[sandbox] irq issue (no irqcontrol): INVALID_CSLOT\n"));
    CHECK_OUT(sim, ("[sandbox] ioport issue (no iocontrol): INVALID_CSLOT\n"));
    CHECK_OUT(sim, ("[sandbox] destroy a capability (no cspace): INVALID_CSLOT\n"));
    CHECK_OUT(sim, ("[sandbox] port input (no ioport): INVALID_CSLOT\n"));
    CHECK_OUT(sim, ("[sandbox] first page from a 1-page memory: ALLOWED\n"));
    CHECK_OUT(sim, ("[sandbox] second page from a 1-page memory: NOMEM\n"));
    CHECK_OUT(sim, ("[sandbox] map a page (no vspace): INVALID_CTYPE\n"));
    CHECK_OUT(sim, ("[init] sandbox crashed: I/O port without permission at 0x3f8 ip 0x4"));
    CHECK_OUT(sim, ("[sandbox] restarted; idling\n"));
    // The serial driver, which does hold COM1, is unaffected.
    REQUIRE_ANYWHERE(sim, kReady);
    sim.send("fine\n");
    CHECK_OUT(sim, ("fine\nfine\n"));
    CHECK(sim.output().find("from COM1: ALLOWED") == std::string::npos);
}

TEST_CASE("protocol: settings and edge cases on COM2 and an echo through its far end", "[system]") {
    mtest::TempFile com2("ping\nsecond line\n");
    Sim sim(HELIOS_IMAGE_PROTOCOL, {"--com2", "file:" + com2.path()});
    CHECK_OUT(sim, "[serialctl] protocol checks: 25 passed, 0 failed\n");
    // COM2's far end is the file backend, whose output is helios-sim's stdout.
    if (!sim.expect_log("pong: ping\npong: second line\n")) FAIL_CHECK("no pong on COM2\n" << sim.describe());
    REQUIRE_ANYWHERE(sim, kReady);
    sim.send("com1 too\n");
    CHECK_OUT(sim, "com1 too\ncom1 too\n");
}

// ---- the host tool ----------------------------------------------------------------------------------

TEST_CASE("helios-manifest: prints and validates the serial driver manifest", "[tool]") {
    mtest::Run r = mtest::run(HELIOS_MANIFEST_TOOL, {HELIOS_ELF_SERIAL});
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find(": manifest is valid\n") != std::string::npos);
    CHECK(r.output.find("  name   serial\n") != std::string::npos);
    CHECK(r.output.find("  radix  5 (32 slots)\n") != std::string::npos);
    CHECK(r.output.find("  slot 0    serial    an endpoint registered with init as a serial device") !=
          std::string::npos);
    CHECK(r.output.find("  slot 2    ioport    I/O ports 0x3F8-0x3FF (8 ports)") != std::string::npos);
    CHECK(r.output.find("  slot 3    ioport    I/O ports 0x2F8-0x2FF (8 ports)") != std::string::npos);
    CHECK(r.output.find("  slot 5    irq       IRQ 4, signalling the notification at slot 4") != std::string::npos);
    CHECK(r.output.find("  slot 6    irq       IRQ 3, signalling the notification at slot 4") != std::string::npos);

    mtest::Run raw = mtest::run(HELIOS_MANIFEST_TOOL, {"--raw", HELIOS_ELF_SERIAL, HELIOS_ELF_USRINIT});
    INFO(raw.output);
    CHECK(raw.status == 0);
    CHECK(raw.output.find("   8 | 0:serial\n") != std::string::npos);
    CHECK(raw.output.find("  serial     an endpoint to the service") != std::string::npos);
}

TEST_CASE("helios-manifest: names the file and line of a malformed manifest", "[tool]") {
    mtest::Run r = mtest::run(HELIOS_MANIFEST_TOOL, {HELIOS_ELF_BADMANIFEST});
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK(r.output.find(std::string(HELIOS_ELF_BADMANIFEST) +
                        ": .manifest line 6: ioport: max is not a hex number (found '40Z')\n") != std::string::npos);
}

TEST_CASE("helios-manifest: no manifest or not an ELF or no file or bad usage", "[tool]") {
    mtest::Run none = mtest::run(HELIOS_MANIFEST_TOOL, {HELIOS_ELF_INIT});
    CHECK(none.status == 1);
    CHECK(none.output.find(": no .manifest section") != std::string::npos);
    mtest::TempFile text("not an elf\n");
    mtest::Run notelf = mtest::run(HELIOS_MANIFEST_TOOL, {text.path()});
    CHECK(notelf.status == 1);
    CHECK(notelf.output.find(": not an ELF file") != std::string::npos);
    mtest::Run missing = mtest::run(HELIOS_MANIFEST_TOOL, {"/nonexistent/driver"});
    CHECK(missing.status == 2);
    CHECK(missing.output.find("/nonexistent/driver: cannot open") != std::string::npos);
    CHECK(mtest::run(HELIOS_MANIFEST_TOOL, {}).status == 2);
    CHECK(mtest::run(HELIOS_MANIFEST_TOOL, {"--bogus", HELIOS_ELF_SERIAL}).status == 2);
    // Several files: the worst status wins, every file is reported.
    mtest::Run mixed = mtest::run(HELIOS_MANIFEST_TOOL, {"-q", HELIOS_ELF_SERIAL, HELIOS_ELF_BADMANIFEST});
    CHECK(mixed.status == 1);
    CHECK(mixed.output.find("manifest is valid") == std::string::npos);
    CHECK(mixed.output.find("line 6: ioport") != std::string::npos);
}
