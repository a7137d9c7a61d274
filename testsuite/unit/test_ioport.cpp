// I/O control and I/O port ranges: issue, in/out, bounds, direct-access checks.
#include "support/ops.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

namespace {
struct Setup {
    Proc p;
    helios_caddr_t ctl = 0;
};
Setup make(World& w) {
    Setup s{w.spawn()};
    auto ctl = w.k.create_boot_object(HELIOS_CT_IOCONTROL, 0, 0);
    REQUIRE(ctl.ok());
    s.ctl = give(s.p, *ctl, HELIOS_CT_IOCONTROL);
    return s;
}
SysResult issue(World& w, Setup& s, uint64_t min, uint64_t max, helios_caddr_t dest = HELIOS_CADDR_UNDEF) {
    return w.invoke(s.p, s.ctl, HELIOS_INV_iocontrol_issue, {min, max}, {dest});
}
helios_caddr_t must_issue(World& w, Setup& s, uint64_t min, uint64_t max) {
    SysResult r = issue(w, s, min, max);
    REQUIRE(r.ok());
    return static_cast<helios_caddr_t>(r.value);
}
SysResult in(World& w, Proc& p, helios_caddr_t io, uint64_t port, uint64_t width) {
    return w.invoke(p, io, HELIOS_INV_ioport_in, {port, width});
}
SysResult out(World& w, Proc& p, helios_caddr_t io, uint64_t port, uint64_t width, uint64_t value) {
    return w.invoke(p, io, HELIOS_INV_ioport_out, {port, width, value});
}
}  // namespace

TEST_CASE("ioport: issue makes an IOPort capability for a range", "[ioport]") {
    World w;
    Setup s = make(w);
    SysResult r = issue(w, s, 0x3F8, 0x3FF);
    REQUIRE(r.ok());
    auto io = static_cast<helios_caddr_t>(r.value);
    CHECK(s.p.ipc->caps[0] == io);
    CHECK(slot_of(s.p, io).type == HELIOS_CT_IOPORT);
    CHECK(slot_of(s.p, io).rights == HELIOS_RIGHT_SEND);
    auto* obj = static_cast<IoPort*>(slot_of(s.p, io).object);
    CHECK(obj->min() == 0x3F8);
    CHECK(obj->max() == 0x3FF);
    REQUIRE(issue(w, s, 0x60, 0x60, 90).ok());
    CHECK(slot_of(s.p, 90).type == HELIOS_CT_IOPORT);
    REQUIRE(issue(w, s, 0, 0xFFFF).ok());
}

TEST_CASE("ioport: min > max or max > 0xFFFF is INVALID_PARAM", "[ioport]") {
    World w;
    Setup s = make(w);
    size_t n = w.k.ioports().size();
    CHECK(issue(w, s, 0x10, 0x0F).status == Error::INVALID_PARAM);
    CHECK(issue(w, s, 0x10, 0x10000).status == Error::INVALID_PARAM);
    CHECK(issue(w, s, 0x10000, 0x10000).status == Error::INVALID_PARAM);
    CHECK(issue(w, s, 0, ~0ull).status == Error::INVALID_PARAM);
    CHECK(issue(w, s, 0x10, 0x20, kSlotTask).status == Error::INVALID_CSLOT);
    CHECK(w.k.ioports().size() == n);
    CHECK(w.invoke(s.p, s.ctl, 2, {1, 2}, {HELIOS_CADDR_UNDEF}).status == Error::INVALID_SYSCALL);
}

TEST_CASE("ioport: in and out within the range reach the ports", "[ioport]") {
    World w;
    Setup s = make(w);
    helios_caddr_t io = must_issue(w, s, 0x3F8, 0x3FF);
    REQUIRE(out(w, s.p, io, 0x3F8, 1, 0x41).ok());
    REQUIRE(out(w, s.p, io, 0x3FC, 4, 0xAABBCCDD).ok());
    REQUIRE(fake_arch().port_writes.size() == 2);
    CHECK(fake_arch().port_writes[0] == std::make_pair(uint16_t{0x3F8}, uint32_t{0x41}));
    CHECK(fake_arch().port_writes[1] == std::make_pair(uint16_t{0x3FC}, uint32_t{0xAABBCCDD}));
    fake_arch().ports[0x3FD] = 0x1234;
    SysResult r = in(w, s.p, io, 0x3FD, 1);
    REQUIRE(r.ok());
    CHECK(r.value == 0x34);
    r = in(w, s.p, io, 0x3FD, 2);
    REQUIRE(r.ok());
    CHECK(r.value == 0x1234);
    r = in(w, s.p, io, 0x3FC, 4);
    REQUIRE(r.ok());
    CHECK(r.value == 0xAABBCCDD);
    r = in(w, s.p, io, 0x3F9, 1);  // never written: the fake floats high
    CHECK(r.value == 0xFF);
}

TEST_CASE("ioport: out of range is INVALID_PARAM, including a wide access at the end", "[ioport]") {
    World w;
    Setup s = make(w);
    helios_caddr_t io = must_issue(w, s, 0x3F8, 0x3FF);
    CHECK(in(w, s.p, io, 0x3F7, 1).status == Error::INVALID_PARAM);
    CHECK(in(w, s.p, io, 0x400, 1).status == Error::INVALID_PARAM);
    CHECK(in(w, s.p, io, 0x3FE, 4).status == Error::INVALID_PARAM);
    CHECK(in(w, s.p, io, 0x3FF, 2).status == Error::INVALID_PARAM);
    CHECK(in(w, s.p, io, 0x3FF, 1).ok());
    CHECK(out(w, s.p, io, 0x3F7, 1, 0).status == Error::INVALID_PARAM);
    CHECK(out(w, s.p, io, 0x103F8, 1, 0).status == Error::INVALID_PARAM);  // not truncated to 0x3F8
    CHECK(fake_arch().port_writes.empty());
    helios_caddr_t top = must_issue(w, s, 0xFFFE, 0xFFFF);
    CHECK(in(w, s.p, top, 0xFFFE, 2).ok());
    CHECK(in(w, s.p, top, 0xFFFE, 4).status == Error::INVALID_PARAM);
    CHECK(in(w, s.p, top, 0xFFFF, 2).status == Error::INVALID_PARAM);
}

TEST_CASE("ioport: widths other than 1, 2, 4 are INVALID_PARAM", "[ioport]") {
    World w;
    Setup s = make(w);
    helios_caddr_t io = must_issue(w, s, 0x0, 0xFF);
    for (uint64_t width : {0ull, 3ull, 5ull, 8ull, 1ull << 32}) {
        INFO("width " << width);
        CHECK(in(w, s.p, io, 0x10, width).status == Error::INVALID_PARAM);
        CHECK(out(w, s.p, io, 0x10, width, 1).status == Error::INVALID_PARAM);
    }
    CHECK(fake_arch().port_writes.empty());
    CHECK(w.invoke(s.p, io, 3, {0x10, 1}).status == Error::INVALID_SYSCALL);
}

TEST_CASE("ioport: direct access is allowed only for ports an IOPort in the cspace covers", "[ioport]") {
    World w;
    Setup s = make(w);
    Proc other = w.spawn();
    Task& t = *s.p.task;
    CHECK_FALSE(w.k.task_may_access_port(t, 0x3F8, 1));
    helios_caddr_t io = must_issue(w, s, 0x3F8, 0x3FF);
    CHECK(w.k.task_may_access_port(t, 0x3F8, 1));
    CHECK(w.k.task_may_access_port(t, 0x3FC, 4));
    CHECK_FALSE(w.k.task_may_access_port(t, 0x3FE, 4));
    CHECK_FALSE(w.k.task_may_access_port(t, 0x3F7, 1));
    CHECK_FALSE(w.k.task_may_access_port(t, 0x400, 1));
    CHECK_FALSE(w.k.task_may_access_port(t, 0x3F8, 0));
    CHECK_FALSE(w.k.task_may_access_port(t, 0xFFFF, 2));
    // Another process without the capability may not.
    CHECK_FALSE(w.k.task_may_access_port(*other.task, 0x3F8, 1));
    // ...until it is given a copy.
    helios_caddr_t ocs = give(s.p, other.cspace, HELIOS_CT_CSPACE);
    REQUIRE(cap_copy_to(w, s.p, 20, io, ocs).ok());
    CHECK(w.k.task_may_access_port(*other.task, 0x3F8, 1));
    // Destroying every capability withdraws the permission.
    REQUIRE(cap_destroy(w, s.p, io).ok());
    CHECK_FALSE(w.k.task_may_access_port(t, 0x3F8, 1));
    CHECK(w.k.task_may_access_port(*other.task, 0x3F8, 1));
    w.k.destroy(slot_of(other, 20).object);
    CHECK_FALSE(w.k.task_may_access_port(*other.task, 0x3F8, 1));
}

TEST_CASE("ioport: overlapping ranges each grant their own ports", "[ioport]") {
    World w;
    Setup s = make(w);
    Proc other = w.spawn();
    helios_caddr_t a = must_issue(w, s, 0x60, 0x64);
    helios_caddr_t ocs = give(s.p, other.cspace, HELIOS_CT_CSPACE);
    helios_caddr_t b = must_issue(w, s, 0x64, 0x70);
    REQUIRE(w.invoke(s.p, kSlotCSpace, HELIOS_INV_cspace_move, {}, {30, b, ocs}).ok());
    CHECK(w.k.task_may_access_port(*s.p.task, 0x60, 1));
    CHECK_FALSE(w.k.task_may_access_port(*s.p.task, 0x65, 1));
    CHECK(w.k.task_may_access_port(*other.task, 0x65, 1));
    CHECK_FALSE(w.k.task_may_access_port(*other.task, 0x60, 1));
    CHECK(w.k.ioports().size() == 2);
    (void)a;
}

TEST_CASE("ioport: the last capability gone frees the IOPort object", "[ioport]") {
    World w;
    Setup s = make(w);
    uint64_t frames = w.frames_used();
    helios_caddr_t io = must_issue(w, s, 1, 2);
    CHECK(w.frames_used() == frames + 1);
    CHECK(w.k.ioports().size() == 1);
    REQUIRE(cap_destroy(w, s.p, io).ok());
    CHECK(w.k.ioports().empty());
    CHECK(w.frames_used() == frames);
}
