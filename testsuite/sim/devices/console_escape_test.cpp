// ConsoleEscape: the Ctrl-A keys, byte by byte (sim/devices/console_escape.h).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/devices/console_escape.h"

using helios::sim::ConsoleEscape;
using Action = ConsoleEscape::Action;

namespace {

// What the guest receives and what the simulator is asked, for a typed string.
struct Typed {
    std::string guest;
    int quits = 0;
    int helps = 0;
};

Typed type(ConsoleEscape& escape, const std::string& keys) {
    Typed t;
    for (char c : keys) {
        ConsoleEscape::Outcome o = escape.feed(static_cast<uint8_t>(c));
        switch (o.action) {
            case Action::Forward: t.guest += static_cast<char>(o.byte); break;
            case Action::Drop: break;
            case Action::Quit: ++t.quits; break;
            case Action::Help: ++t.helps; break;
        }
    }
    return t;
}

}  // namespace

TEST_CASE("plain keys, Ctrl-C included, go to the guest unchanged", "[escape]") {
    ConsoleEscape escape;
    const std::string keys = std::string("hello\r\x03\x1a\x1c\x7f", 10) + std::string(1, '\0');
    Typed t = type(escape, keys);
    CHECK(t.guest == keys);
    CHECK(t.quits == 0);
    CHECK_FALSE(escape.escape_pending());
}

TEST_CASE("Ctrl-A x quits, and so does Ctrl-A X", "[escape]") {
    ConsoleEscape escape;
    CHECK(escape.feed(0x01).action == Action::Drop);
    CHECK(escape.escape_pending());
    CHECK(escape.feed('x').action == Action::Quit);
    CHECK_FALSE(escape.escape_pending());
    CHECK(type(escape, "\x01X").quits == 1);
}

TEST_CASE("Ctrl-A Ctrl-A sends one Ctrl-A, and the escape starts over", "[escape]") {
    ConsoleEscape escape;
    Typed t = type(escape, "a\x01\x01" "b\x01\x01\x01\x01");
    CHECK(t.guest == "a\x01" "b\x01\x01");
    CHECK(t.quits == 0);
    // Ctrl-A Ctrl-A then x: the x is a plain key, not a quit.
    t = type(escape, "\x01\x01x");
    CHECK(t.guest == "\x01x");
    CHECK(t.quits == 0);
}

TEST_CASE("Ctrl-A h and Ctrl-A ? ask for help; the help names the keys", "[escape]") {
    ConsoleEscape escape;
    Typed t = type(escape, "\x01h\x01?");
    CHECK(t.helps == 2);
    CHECK(t.guest.empty());
    const std::string help = ConsoleEscape::help_text();
    CHECK(help.find("Ctrl-A x") != std::string::npos);
    CHECK(help.find("Ctrl-A Ctrl-A") != std::string::npos);
    CHECK(help.find("Ctrl-C") != std::string::npos);
}

TEST_CASE("Ctrl-A with an unknown key drops both, as QEMU does", "[escape]") {
    ConsoleEscape escape;
    Typed t = type(escape, "1\x01q2\x01\x03" "3");
    CHECK(t.guest == "123");  // Ctrl-A Ctrl-C is no Ctrl-C for the guest either
    CHECK(t.quits == 0);
    CHECK(t.helps == 0);
}

TEST_CASE("an escape split across reads still works", "[escape]") {
    ConsoleEscape escape;
    CHECK(type(escape, "abc\x01").guest == "abc");
    CHECK(escape.escape_pending());
    CHECK(type(escape, "x").quits == 1);
}
