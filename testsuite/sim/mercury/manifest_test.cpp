// Unit tests of the Mercury manifest parser (mercury/manifest/manifest_parser.cpp): good manifests and every error, with its
// line.
#include "manifest_parser.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

namespace lib = helios::lib;
using lib::ManifestCapType;

struct Parsed {
    bool ok = false;
    lib::Manifest m{};
    lib::ManifestError e{};
};

Parsed parse(const std::string& text) {
    Parsed p;
    p.ok = lib::parse_manifest(text.data(), text.size(), &p.m, &p.e);
    return p;
}

// Expects a failure on `line` whose message contains `what`.
void expect_error(const std::string& text, uint32_t line, const std::string& what) {
    INFO("manifest:\n" << text);
    Parsed p = parse(text);
    REQUIRE_FALSE(p.ok);
    INFO("message: " << p.e.message);
    CHECK(p.e.line == line);
    CHECK(std::string(p.e.message).find(what) != std::string::npos);
}

const lib::ManifestCap& cap(const Parsed& p, size_t i) {
    REQUIRE(i < p.m.cap_count);
    return p.m.caps[i];
}

}  // namespace

// ---- good manifests ---------------------------------------------------------------

TEST_CASE("spec manifest v1 of 2022-10-15 as published", "[manifest]") {
    Parsed p = parse(
        "[driver]\n"
        "name=pcserial\n"
        "desc=Serial driver for x86_64 PCs\n"
        "\n"
        "[cspace]\n"
        "radix=12\n"
        "\n"
        "[capabilities]\n"
        "0:endpoint =\n"
        "1:ioport = min=3F8, max=400\n"
        "2:ioport = min=2E8, max=2F0\n"
        "3:note = \n"
        "4:irq = irq=3, note=3\n"
        "5:irq = irq=4, note=3\n");
    INFO(p.e.message);
    REQUIRE(p.ok);
    CHECK(std::string(p.m.name) == "pcserial");
    CHECK(std::string(p.m.desc) == "Serial driver for x86_64 PCs");
    CHECK(p.m.radix == 12);
    CHECK(p.m.radix_line == 6);
    REQUIRE(p.m.cap_count == 6);
    CHECK(cap(p, 0).type == ManifestCapType::endpoint);
    CHECK(cap(p, 1).type == ManifestCapType::ioport);
    CHECK(cap(p, 1).io_min == 0x3F8);
    CHECK(cap(p, 1).io_max == 0x400);
    CHECK(cap(p, 2).io_min == 0x2E8);
    CHECK(cap(p, 2).io_max == 0x2F0);
    CHECK(cap(p, 3).type == ManifestCapType::note);
    CHECK(cap(p, 4).type == ManifestCapType::irq);
    CHECK(cap(p, 4).irq == 3);
    CHECK(cap(p, 4).note == 3);
    CHECK(cap(p, 5).irq == 4);
    CHECK(cap(p, 5).line == 14);
    CHECK(cap(p, 5).slot == 5);
    CHECK_FALSE(cap(p, 5).any_slot);
    CHECK(p.m.service_count == 0);
}

TEST_CASE("spec manifest v2 of 2022-10-27 with serial and cspace self", "[manifest]") {
    Parsed p = parse(
        "[driver]\n"
        "name=pcserial\n"
        "desc=Serial driver for x86_64 PCs\n"
        "\n"
        "[cspace]\n"
        "radix=12\n"
        "\n"
        "[capabilities]\n"
        "0:serial =\n"
        "1:note = \n"
        "2:cspace = self\n"
        "3:ioport = min=3F8, max=400\n"
        "4:ioport = min=2E8, max=2F0\n"
        "5:irq = irq=3, note=1\n"
        "6:irq = irq=4, note=1\n");
    INFO(p.e.message);
    REQUIRE(p.ok);
    REQUIRE(p.m.cap_count == 7);
    CHECK(cap(p, 0).type == ManifestCapType::serial);
    CHECK(cap(p, 2).type == ManifestCapType::cspace);
    CHECK(cap(p, 5).note == 1);
    CHECK(cap(p, 6).irq == 4);
}

TEST_CASE("spec manifest v3 of 2023-04-08 with any-slot entries and services", "[manifest]") {
    Parsed p = parse(
        "[driver]\n"
        "name=pcserial\n"
        "desc=Serial driver for x86_64 PCs\n"
        "\n"
        "[capabilities]\n"
        "0:ioport = min=3F8, max=400\n"
        "1:ioport = min=2E8, max=2F0\n"
        "2:note = \n"
        "3:irq = irq=3, note=2\n"
        "4:irq = irq=4, note=2\n"
        "_:cspace = self\n"
        "_:vspace = self\n"
        "_:memory = pages=32\n"
        "\n"
        "[services]\n"
        "devregistry=\n");
    INFO(p.e.message);
    REQUIRE(p.ok);
    CHECK(p.m.radix == lib::Manifest::kDefaultRadix);
    CHECK(p.m.radix_line == 0);
    REQUIRE(p.m.cap_count == 8);
    CHECK(cap(p, 5).any_slot);
    CHECK(cap(p, 5).type == ManifestCapType::cspace);
    CHECK(cap(p, 6).type == ManifestCapType::vspace);
    CHECK(cap(p, 7).type == ManifestCapType::memory);
    CHECK(cap(p, 7).pages == 32);
    CHECK(cap(p, 7).line == 13);
    REQUIRE(p.m.service_count == 1);
    CHECK(std::string(p.m.services[0].name) == "devregistry");
    CHECK(p.m.services[0].line == 16);
}

TEST_CASE("the serial driver manifest with COM1 and COM2 as a PC has them", "[manifest]") {
    Parsed p = parse(
        "[driver]\nname = serial\ndesc = 16550 UART driver for COM1 and COM2\n[cspace]\nradix = 5\n"
        "[capabilities]\n# one endpoint per port\n0:serial\n1:serial\n2:ioport = min=3F8, max=3FF\n"
        "3:ioport = min=2F8, max=2FF\n4:note\n5:irq = irq=4, note=4\n6:irq = irq=3, note=4\n");
    INFO(p.e.message);
    REQUIRE(p.ok);
    CHECK(p.m.radix == 5);
    REQUIRE(p.m.cap_count == 7);
    CHECK(cap(p, 2).io_max - cap(p, 2).io_min == 7);
    CHECK(cap(p, 3).io_min == 0x2F8);
}

TEST_CASE("an empty manifest grants nothing and has the defaults", "[manifest]") {
    Parsed p = parse("");
    REQUIRE(p.ok);
    CHECK(p.m.name[0] == '\0');
    CHECK(p.m.radix == 12);
    CHECK(p.m.cap_count == 0);
    CHECK(p.m.service_count == 0);
    CHECK(parse("\n\n   \n# only a comment\n; another\n").ok);
}

TEST_CASE("syntax latitude with blanks and tabs and CRLF and comments and hex forms and a NUL", "[manifest]") {
    std::string text =
        "  [ driver ]  \r\n"
        "\tname\t=\tx.y-z_1\r\n"
        "# comment\r\n"
        "; comment\r\n"
        "[capabilities]\r\n"
        "  7 : ioport =   max = 0x3ff ,  min=0x3f8  \r\n"
        "8:note\r\n"
        "9:irq=note=8,irq=4\r\n";
    text.push_back('\0');
    text += "this is after the NUL and ignored [[[";
    Parsed p = parse(text);
    INFO(p.e.message);
    REQUIRE(p.ok);
    CHECK(std::string(p.m.name) == "x.y-z_1");
    REQUIRE(p.m.cap_count == 3);
    CHECK(cap(p, 0).slot == 7);
    CHECK(cap(p, 0).io_min == 0x3F8);
    CHECK(cap(p, 0).io_max == 0x3FF);
    CHECK(cap(p, 2).irq == 4);
    CHECK(cap(p, 2).note == 8);
}

TEST_CASE("sections may come in any order", "[manifest]") {
    Parsed p = parse("[services]\nserial =\n[capabilities]\n_:note\n[cspace]\nradix=3\n[driver]\nname=a\n");
    INFO(p.e.message);
    REQUIRE(p.ok);
    CHECK(p.m.radix == 3);
    CHECK(p.m.service_count == 1);
    CHECK(cap(p, 0).any_slot);
}

TEST_CASE("limits of capabilities and slots", "[manifest]") {
    std::string text = "[capabilities]\n";
    for (int i = 0; i < 64; ++i) text += std::to_string(i) + ":note\n";
    CHECK(parse(text).ok);
    expect_error(text + "64:note\n", 66, "too many capabilities (at most 64)");
    CHECK(parse("[cspace]\nradix=2\n[capabilities]\n3:note\n").ok);
    CHECK(parse("[cspace]\nradix=16\n[capabilities]\n65535:memory = pages=1048576\n").ok);
}

// ---- errors, each with its line ---------------------------------------------------------

TEST_CASE("errors in the structure", "[manifest][errors]") {
    expect_error("name = x\n", 1, "'name = x' is outside any section");
    expect_error("[driver]\nname=a\n[driver\n", 3, "section header '[driver' is missing its closing ']'");
    expect_error("\n[drivers]\n", 2, "unknown section [drivers] (expected driver, cspace, capabilities or services)");
    expect_error("[driver]\n\n[driver]\n", 3, "section [driver] appears twice (first on line 1)");
    expect_error("[driver]\nname=a\x01\n", 2, "unexpected control character (byte 0x1)");
    expect_error("[driver]\nname=a\x7f\n", 2, "unexpected control character (byte 0x7F)");
}

TEST_CASE("errors in the driver section", "[manifest][errors]") {
    expect_error("[driver]\nname\n", 2, "expected KEY = VALUE in [driver], found 'name'");
    expect_error("[driver]\n= x\n", 2, "expected KEY = VALUE in [driver]");
    expect_error("[driver]\nname = a b\n", 2, "name 'a b' must be 1-31 characters of A-Z a-z 0-9 _ . -");
    expect_error("[driver]\nname =\n", 2, "name '' must be 1-31 characters");
    expect_error("[driver]\nname = " + std::string(32, 'n') + "\n", 2, "is longer than 31 characters");
    expect_error("[driver]\nname=a\ndesc=b\nname=c\n", 4, "name is given twice (first on line 2)");
    expect_error("[driver]\ndesc=a\ndesc=b\n", 3, "desc is given twice (first on line 2)");
    expect_error("[driver]\ndesc=" + std::string(128, 'd') + "\n", 2, "desc is longer than 127 characters");
    expect_error("[driver]\ncolour = red\n", 2, "unknown key 'colour' in [driver] (expected name or desc)");
}

TEST_CASE("errors in the cspace section", "[manifest][errors]") {
    expect_error("[cspace]\nradix = 0\n", 2, "radix '0' is not a decimal number from 1 to 16");
    expect_error("[cspace]\nradix = 17\n", 2, "radix '17' is not a decimal number from 1 to 16");
    expect_error("[cspace]\nradix = twelve\n", 2, "radix 'twelve' is not a decimal number");
    expect_error("[cspace]\nradix = -3\n", 2, "radix '-3' is not a decimal number");
    expect_error("[cspace]\nradix=4\nradix=5\n", 3, "radix is given twice (first on line 2)");
    expect_error("[cspace]\nslots = 4\n", 2, "unknown key 'slots' in [cspace] (expected radix)");
    expect_error("[cspace]\nradix=2\n[capabilities]\n0:note\n4:note\n", 5,
                 "slot 4 is outside the cspace (radix 2: slots 0-3)");
    expect_error("[cspace]\nradix=1\n[capabilities]\n_:note\n_:note\n_:endpoint\n", 2,
                 "3 capabilities and services do not fit a cspace of radix 1");
}

TEST_CASE("errors in capability lines", "[manifest][errors]") {
    expect_error("[capabilities]\nnote\n", 2, "expected ADDR:TYPE = CONFIG (ADDR a slot number or _), found 'note'");
    expect_error("[capabilities]\nx:note\n", 2, "slot 'x' is not a decimal number or _");
    expect_error("[capabilities]\n-1:note\n", 2, "slot '-1' is not a decimal number or _");
    expect_error("[capabilities]\n:note\n", 2, "slot '' is not a decimal number or _");
    expect_error("[capabilities]\n99999999999:note\n", 2, "slot '99999999999' is not a decimal number or _");
    expect_error(
        "[capabilities]\n0:notes\n", 2,
        "unknown capability type 'notes' (expected cspace, endpoint, ioport, irq, memory, note, serial or vspace)");
    expect_error("[capabilities]\n0:note\n1:endpoint\n0:serial\n", 4, "slot 0 is already used on line 2");
    expect_error("[capabilities]\n0:note = x\n", 2, "note takes no configuration (found 'x')");
    expect_error("[capabilities]\n0:endpoint = a=b\n", 2, "endpoint takes no configuration");
    expect_error("[capabilities]\n0:serial = com1\n", 2, "serial takes no configuration");
    expect_error("[capabilities]\n0:cspace\n", 2, "cspace: the only configuration is 'self' (found '')");
    expect_error("[capabilities]\n0:vspace = other\n", 2, "vspace: the only configuration is 'self' (found 'other')");
    expect_error("[capabilities]\n0:vspace = self, self\n", 2, "vspace: the only configuration is 'self'");
}

TEST_CASE("errors in ioport entries", "[manifest][errors]") {
    const std::string h = "[driver]\nname=serial\n[cspace]\nradix=4\n[capabilities]\n0:note\n";
    expect_error(h + "1:ioport = min=3F8, max=40Z\n", 7, "ioport: max is not a hex number (found '40Z')");
    expect_error(h + "1:ioport = min=, max=400\n", 7, "ioport: min is not a hex number (found '')");
    expect_error(h + "1:ioport = min=0x, max=400\n", 7, "ioport: min is not a hex number");
    expect_error(h + "1:ioport = min=3F8\n", 7, "ioport: max is missing");
    expect_error(h + "1:ioport = max=3F8\n", 7, "ioport: min is missing");
    expect_error(h + "1:ioport\n", 7, "ioport: min is missing");
    expect_error(h + "1:ioport = min=400, max=3F8\n", 7, "ioport: min 400 is above max 3F8");
    expect_error(h + "1:ioport = min=3F8, max=10000\n", 7, "ioport: max 10000 is above FFFF");
    expect_error(h + "1:ioport = min=3F8, max=3FF, base=3F8\n", 7, "ioport: unknown key 'base' (expected min and max)");
    expect_error(h + "1:ioport = min=3F8, min=3F9, max=3FF\n", 7, "ioport: min is given twice");
    expect_error(h + "1:ioport = min=3F8, 3FF\n", 7, "ioport: expected KEY=VALUE, found '3FF'");
    expect_error(h + "1:ioport = min=3F8,, max=3FF\n", 7, "ioport: empty item in 'min=3F8,, max=3FF'");
    expect_error(h + "1:ioport = min=3F8, max=3FF,\n", 7, "ioport: empty item");
}

TEST_CASE("errors in irq entries", "[manifest][errors]") {
    expect_error("[capabilities]\n0:note\n1:irq = irq=16, note=0\n", 3,
                 "irq: irq '16' is not an IRQ line (a decimal number from 0 to 15)");
    expect_error("[capabilities]\n0:note\n1:irq = irq=x, note=0\n", 3, "irq: irq 'x' is not an IRQ line");
    expect_error("[capabilities]\n0:note\n1:irq = irq=4, note=zero\n", 3,
                 "irq: note 'zero' is not a decimal slot number");
    expect_error("[capabilities]\n0:note\n1:irq = irq=4\n", 3, "irq: note is missing");
    expect_error("[capabilities]\n0:note\n1:irq = note=0\n", 3, "irq: irq is missing");
    expect_error("[capabilities]\n0:note\n1:irq = irq=4, note=0, level=high\n", 3,
                 "irq: unknown key 'level' (expected irq and note)");
    // The notification must be declared first, at that slot, as a note.
    expect_error("[capabilities]\n1:irq = irq=4, note=0\n0:note\n", 2,
                 "irq: note 0 does not name a note declared on an earlier line");
    expect_error("[capabilities]\n0:endpoint\n1:irq = irq=4, note=0\n", 3, "irq: note 0 does not name a note");
    expect_error("[capabilities]\n_:note\n1:irq = irq=4, note=0\n", 3, "irq: note 0 does not name a note");
    expect_error("[capabilities]\n0:note\n1:irq = irq=4, note=0\n2:irq = irq=4, note=0\n", 4,
                 "irq: line 4 is already requested on line 3");
}

TEST_CASE("errors in memory entries", "[manifest][errors]") {
    expect_error("[capabilities]\n_:memory = pages=0\n", 2,
                 "memory: pages '0' is not a decimal number from 1 to 1048576");
    expect_error("[capabilities]\n_:memory = pages=1048577\n", 2, "memory: pages '1048577' is not a decimal number");
    expect_error("[capabilities]\n_:memory = pages=lots\n", 2, "memory: pages 'lots' is not a decimal number");
    expect_error("[capabilities]\n_:memory\n", 2, "memory: pages is missing");
    expect_error("[capabilities]\n_:memory = size=3\n", 2, "memory: unknown key 'size' (expected pages)");
}

TEST_CASE("errors in the services section", "[manifest][errors]") {
    expect_error("[services]\nserial = com1\n", 2, "service serial takes no value (found 'com1'");
    expect_error("[services]\nserial=\nserial=\n", 3, "service serial is listed twice (first on line 2)");
    expect_error("[services]\nmy service=\n", 2, "service name 'my service' must be 1-15 characters");
    expect_error("[services]\n" + std::string(16, 's') + "=\n", 2, "must be 1-15 characters");
    std::string many = "[services]\n";
    for (int i = 0; i < 16; ++i) many += "s" + std::to_string(i) + "=\n";
    CHECK(parse(many).ok);
    expect_error(many + "s16=\n", 18, "too many services (at most 16)");
}

TEST_CASE("long values are shortened in messages", "[manifest][errors]") {
    Parsed p = parse("[capabilities]\n0:note = " + std::string(100, 'v') + "\n");
    REQUIRE_FALSE(p.ok);
    std::string msg = p.e.message;
    CHECK(msg.find("...") != std::string::npos);
    CHECK(msg.size() < sizeof p.e.message);
}

TEST_CASE("capability type names", "[manifest]") {
    CHECK(std::string(lib::manifest_cap_type_name(ManifestCapType::irq)) == "irq");
    CHECK(std::string(lib::manifest_cap_type_name(ManifestCapType::serial)) == "serial");
    CHECK(std::string(lib::manifest_cap_type_name(static_cast<ManifestCapType>(200))) == "unknown");
}
