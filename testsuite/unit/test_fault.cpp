// Fault delivery: fault messages to a supervisor, queueing, resume, and the
// unsupervised case.
#include "support/ops.h"

#include <catch2/catch.hpp>

using namespace helios;
using namespace helios::test;

namespace {
// A supervisor process with a child task (its own thread, suspended on a
// fault) whose fault endpoint is `ep` in the supervisor's cspace.
struct Supervised {
    Proc sup;
    Proc child;
    helios_caddr_t child_cap = 0;
    helios_caddr_t ep = 0;
};
Supervised make(World& w, uint64_t cookie = 0xC0FFEE) {
    Supervised s;
    s.sup = w.spawn();
    s.child = w.spawn();
    s.child_cap = give(s.sup, s.child.task, HELIOS_CT_TASK);
    s.ep = w.alloc(s.sup, HELIOS_CT_ENDPOINT);
    REQUIRE(w.invoke(s.sup, s.child_cap, HELIOS_INV_task_set_fault, {cookie}, {s.ep}).ok());
    return s;
}

FaultInfo page_fault(uint64_t addr, uint64_t ip = 0x401000, unsigned access = HELIOS_ACCESS_WRITE) {
    return FaultInfo{HELIOS_FAULT_PAGE, addr, ip, access};
}
}  // namespace

TEST_CASE("fault: a waiting supervisor receives the fault message", "[fault]") {
    World w;
    Supervised s = make(w);
    w.sys(s.sup, HELIOS_SYS_recv, s.ep);
    REQUIRE(is_blocked(s.sup));
    w.k.enter_fault(*s.child.task, page_fault(0xDEAD000, 0x401234, HELIOS_ACCESS_WRITE | HELIOS_ACCESS_PRESENT));
    CHECK_FALSE(is_blocked(s.sup));
    SysResult r = w.result_of(s.sup);
    CHECK(r.status == Error::NONE);
    CHECK(HELIOS_TAG_LABEL(r.value) == HELIOS_LABEL_FAULT);
    CHECK(HELIOS_TAG_NPARAMS(r.value) == HELIOS_FAULT_NPARAMS);
    CHECK(HELIOS_TAG_NCAPS(r.value) == 0);
    const uint64_t* pr = s.sup.ipc->params;
    CHECK(pr[HELIOS_FAULT_P_KIND] == HELIOS_FAULT_PAGE);
    CHECK(pr[HELIOS_FAULT_P_ADDR] == 0xDEAD000);
    CHECK(pr[HELIOS_FAULT_P_IP] == 0x401234);
    CHECK(pr[HELIOS_FAULT_P_ACCESS] == (HELIOS_ACCESS_WRITE | HELIOS_ACCESS_PRESENT));
    CHECK(pr[HELIOS_FAULT_P_TASK] == s.child.task->id());
    CHECK(pr[HELIOS_FAULT_P_COOKIE] == 0xC0FFEE);
    CHECK(s.sup.ipc->badge == 0);
    // The faulting task is stopped and flagged.
    CHECK(s.child.task->suspended);
    CHECK_FALSE(w.k.scheduler().queued(*s.child.task));
    CHECK(task_info(w, s.sup, s.child_cap).flags ==
          (HELIOS_TASK_CONFIGURED | HELIOS_TASK_SUSPENDED | HELIOS_TASK_FAULTED));
    CHECK(w.k.stats().faults == 1);
}

TEST_CASE("fault: without a waiting receiver the fault queues for a later recv", "[fault]") {
    World w;
    Supervised s = make(w);
    w.k.enter_fault(*s.child.task, FaultInfo{HELIOS_FAULT_GENERAL_PROTECTION, 0, 0x4000AA, 0});
    auto* ep = static_cast<Endpoint*>(slot_of(s.sup, s.ep).object);
    CHECK(ep->senders.front() == s.child.task);
    CHECK(task_info(w, s.sup, s.child_cap).flags & HELIOS_TASK_BLOCKED);
    SysResult r = w.sys(s.sup, HELIOS_SYS_recv, s.ep);
    REQUIRE(r.ok());
    CHECK(HELIOS_TAG_LABEL(r.value) == HELIOS_LABEL_FAULT);
    CHECK(s.sup.ipc->params[HELIOS_FAULT_P_KIND] == HELIOS_FAULT_GENERAL_PROTECTION);
    CHECK(s.sup.ipc->params[HELIOS_FAULT_P_IP] == 0x4000AA);
    CHECK(s.sup.ipc->params[HELIOS_FAULT_P_TASK] == s.child.task->id());
    // Received, but still stopped; and the supervisor has no reply to give.
    CHECK_FALSE(is_blocked(s.child));
    CHECK(s.child.task->suspended);
    CHECK_FALSE(w.k.scheduler().queued(*s.child.task));
    CHECK(s.sup.task->reply_to == nullptr);
}

TEST_CASE("fault: the task stays stopped until task_resume", "[fault]") {
    World w;
    Supervised s = make(w);
    w.k.enter_fault(*s.child.task, page_fault(0x5000));
    REQUIRE(w.sys(s.sup, HELIOS_SYS_recv, s.ep).ok());
    w.k.enter_tick();
    CHECK(w.k.current() != s.child.task);
    REQUIRE(w.invoke(s.sup, s.child_cap, HELIOS_INV_task_resume, {}).ok());
    CHECK(w.k.scheduler().queued(*s.child.task));
    CHECK_FALSE(s.child.task->faulted);
    CHECK(task_info(w, s.sup, s.child_cap).flags == HELIOS_TASK_CONFIGURED);
}

TEST_CASE("fault: resume before the supervisor received withdraws the message", "[fault]") {
    World w;
    Supervised s = make(w);
    w.k.enter_fault(*s.child.task, page_fault(0x5000));
    REQUIRE(w.invoke(s.sup, s.child_cap, HELIOS_INV_task_resume, {}).ok());
    CHECK(w.k.scheduler().queued(*s.child.task));
    CHECK(w.sys(s.sup, HELIOS_SYS_nbrecv, s.ep).status == Error::WOULD_BLOCK);
}

TEST_CASE("fault: the faulting task's registers can be fixed while it is stopped", "[fault]") {
    World w;
    Supervised s = make(w);
    s.child.task->regs.rip = 0x401000;
    w.k.enter_fault(*s.child.task, page_fault(0, 0x401000, HELIOS_ACCESS_READ));
    REQUIRE(w.sys(s.sup, HELIOS_SYS_recv, s.ep).ok());
    REQUIRE(w.invoke(s.sup, s.child_cap, HELIOS_INV_task_read_registers, {kDataAddr}).ok());
    helios_regs r{};
    REQUIRE(w.peek(s.sup, kDataAddr, &r, sizeof r));
    CHECK(r.rip == 0x401000);
    r.rip = 0x401002;  // skip the faulting instruction
    REQUIRE(w.poke(s.sup, kDataAddr, &r, sizeof r));
    REQUIRE(w.invoke(s.sup, s.child_cap, HELIOS_INV_task_write_registers, {kDataAddr}).ok());
    REQUIRE(w.invoke(s.sup, s.child_cap, HELIOS_INV_task_resume, {}).ok());
    CHECK(s.child.task->regs.rip == 0x401002);
}

TEST_CASE("fault: without a fault endpoint the task is stopped and the console says so", "[fault]") {
    World w;
    Proc p = w.spawn();
    Proc q = w.spawn();
    fake_arch().console.clear();
    w.k.switch_to(*p.task);
    w.k.enter_fault(*p.task, FaultInfo{HELIOS_FAULT_INVALID_OPCODE, 0, 0x400ABC, HELIOS_ACCESS_EXEC});
    CHECK(p.task->suspended);
    CHECK(p.task->faulted);
    CHECK_FALSE(w.k.scheduler().queued(*p.task));
    CHECK(w.k.current() == q.task);
    const std::string& c = fake_arch().console;
    CHECK(c.find("task " + std::to_string(p.task->id()) + " faulted") != std::string::npos);
    CHECK(c.find("invalid opcode") != std::string::npos);
    CHECK(c.find("0x400abc") != std::string::npos);
    CHECK(c.find("no fault endpoint") != std::string::npos);
    CHECK(c.back() == '\n');
}

TEST_CASE("fault: the badge of the fault capability is 0 and the cookie is per task", "[fault]") {
    World w;
    Supervised s = make(w, 1);
    Proc other = w.spawn();
    helios_caddr_t ocap = give(s.sup, other.task, HELIOS_CT_TASK);
    REQUIRE(w.invoke(s.sup, ocap, HELIOS_INV_task_set_fault, {2}, {s.ep}).ok());
    w.k.enter_fault(*s.child.task, page_fault(0x1000));
    w.k.enter_fault(*other.task, page_fault(0x2000));
    REQUIRE(w.sys(s.sup, HELIOS_SYS_recv, s.ep).ok());
    CHECK(s.sup.ipc->params[HELIOS_FAULT_P_COOKIE] == 1);
    CHECK(s.sup.ipc->params[HELIOS_FAULT_P_ADDR] == 0x1000);
    REQUIRE(w.sys(s.sup, HELIOS_SYS_recv, s.ep).ok());
    CHECK(s.sup.ipc->params[HELIOS_FAULT_P_COOKIE] == 2);
    CHECK(s.sup.ipc->params[HELIOS_FAULT_P_ADDR] == 0x2000);
}

TEST_CASE("fault: destroying the fault endpoint leaves a queued faulter stopped", "[fault]") {
    World w;
    Supervised s = make(w);
    w.k.enter_fault(*s.child.task, page_fault(0x1000));
    REQUIRE(is_blocked(s.child));
    w.k.destroy(slot_of(s.sup, s.ep).object);
    CHECK_FALSE(is_blocked(s.child));
    CHECK(s.child.task->suspended);
    CHECK(s.child.task->faulted);
    CHECK_FALSE(w.k.scheduler().queued(*s.child.task));
    CHECK(s.child.task->fault_endpoint() == nullptr);
}

TEST_CASE("fault: destroying a queued faulting task removes its message", "[fault]") {
    World w;
    Supervised s = make(w);
    w.k.enter_fault(*s.child.task, page_fault(0x1000));
    w.k.destroy(s.child.task);
    CHECK(w.sys(s.sup, HELIOS_SYS_nbrecv, s.ep).status == Error::WOULD_BLOCK);
}

TEST_CASE("fault: faults are traced with kind, address, ip and access", "[fault]") {
    World w;
    Supervised s = make(w);
    fake_arch().trace.clear();
    w.k.enter_fault(*s.child.task, page_fault(0xAB000, 0x40CD00, HELIOS_ACCESS_READ));
    REQUIRE_FALSE(fake_arch().trace.empty());
    const arch::TraceEvent& e = fake_arch().trace.front();
    CHECK(e.kind == arch::TraceKind::Fault);
    CHECK(e.task_id == s.child.task->id());
    CHECK(e.number == HELIOS_FAULT_PAGE);
    CHECK(e.args[0] == 0xAB000);
    CHECK(e.args[1] == 0x40CD00);
    CHECK(e.args[2] == HELIOS_ACCESS_READ);
}

TEST_CASE("fault: task::pagefault scenario (fault at 0x100, map a page at 0, resume)", "[fault]") {
    World w;
    Supervised s = make(w);
    Proc& c = s.child;
    // The child touches 0x100: nothing is mapped there.
    CHECK_FALSE(w.k.paging().translate(*c.vspace, 0x100, true).ok());
    w.sys(s.sup, HELIOS_SYS_recv, s.ep);
    w.k.enter_fault(*c.task, page_fault(0x100, 0x401000, HELIOS_ACCESS_WRITE));
    REQUIRE(w.result_of(s.sup).ok());
    uint64_t addr = s.sup.ipc->params[HELIOS_FAULT_P_ADDR];
    CHECK(addr == 0x100);
    // The supervisor maps a page at the faulting page, in the child's vspace.
    helios_caddr_t cvs = give(s.sup, c.vspace, HELIOS_CT_VSPACE);
    helios_caddr_t pg = w.alloc(s.sup, HELIOS_CT_PAGE);
    const uint64_t page = addr & ~HELIOS_PAGE_MASK;
    SysResult m = w.invoke(s.sup, pg, HELIOS_INV_page_map, {page, HELIOS_MAP_WRITE}, {cvs});
    // The child's PDPT and PD (covering 0..1 GiB) exist; a PT is missing.
    REQUIRE(m.status == Error::MISSING_TABLES);
    CHECK(m.value == HELIOS_LEVEL_PT);
    helios_caddr_t pt = w.alloc(s.sup, HELIOS_CT_PT);
    REQUIRE(w.invoke(s.sup, pt, HELIOS_INV_pt_map, {page}, {cvs}).ok());
    REQUIRE(w.invoke(s.sup, pg, HELIOS_INV_page_map, {page, HELIOS_MAP_WRITE}, {cvs}).ok());
    REQUIRE(w.invoke(s.sup, s.child_cap, HELIOS_INV_task_resume, {}).ok());
    // The child's retry now succeeds.
    uint32_t v = 0xAA55;
    CHECK(w.poke(c, 0x100, &v, sizeof v));
    CHECK(fake_arch().mappings[c.vspace->id()].count(0) == 1);
    CHECK((w.k.scheduler().queued(*c.task) || w.k.current() == c.task));
    REQUIRE(w.sys(c, HELIOS_SYS_yield).ok());
}
