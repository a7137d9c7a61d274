// Task invocations: configure, registers, TLS, fault endpoint, suspend and
// resume, priority, info, exit, and destroying tasks in every state.
#include "support/ops.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace helios;
using namespace helios::test;

namespace {
constexpr uint64_t kRegsAddr = kDataAddr + 0x800;
constexpr uint64_t kThreadIpc = 0x10100000;

helios_regs sample_regs() {
    helios_regs r{};
    uint64_t* words = reinterpret_cast<uint64_t*>(&r);
    for (unsigned i = 0; i < sizeof r / 8; ++i) words[i] = 0x1000 + i;
    r.rip = 0x400000;
    r.rflags = 0x2;
    r.fs_base = 0x7000;
    r.gs_base = 0x8000;
    return r;
}

SysResult write_regs(World& w, Proc& p, helios_caddr_t task, const helios_regs& r) {
    REQUIRE(w.poke(p, kRegsAddr, &r, sizeof r));
    return w.invoke(p, task, HELIOS_INV_task_write_registers, {kRegsAddr});
}
}  // namespace

TEST_CASE("task: configure installs cspace, vspace and IPC buffer", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    CHECK(task_info(w, p, t).flags == HELIOS_TASK_SUSPENDED);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_configure, {kDataAddr}, {kSlotCSpace, kSlotVSpace}).ok());
    CHECK(task->cspace() == p.cspace);
    CHECK(task->vspace() == p.vspace);
    CHECK(task->ipcbuf == kDataAddr);
    CHECK(task_info(w, p, t).flags == (HELIOS_TASK_CONFIGURED | HELIOS_TASK_SUSPENDED));
    CHECK(w.k.ipcbuf_of(*task) != nullptr);
    CHECK_FALSE(w.k.scheduler().queued(*task));  // still suspended
}

TEST_CASE("task: configure rejects an unaligned, unmapped or read-only IPC buffer", "[task]") {
    World w;
    Proc p = w.spawn();
    map_page(w, p, kDataAddr + 8 * HELIOS_PAGE_SIZE, 0);  // read-only
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    const uint64_t bad[] = {kDataAddr + 8, kDataAddr + 20 * HELIOS_PAGE_SIZE, 0, HELIOS_USER_TOP,
                            kDataAddr + 8 * HELIOS_PAGE_SIZE, ~0ull & ~HELIOS_PAGE_MASK};
    for (uint64_t addr : bad) {
        INFO("ipcbuf " << std::hex << addr);
        CHECK(w.invoke(p, t, HELIOS_INV_task_configure, {addr}, {kSlotCSpace, kSlotVSpace}).status ==
              Error::INVALID_PARAM);
    }
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    CHECK_FALSE(task->configured());
    CHECK(task->cspace() == nullptr);
    CHECK(p.cspace->owning_caps() == 2);  // slot 0 and p's own task: nothing leaked
}

TEST_CASE("task: configure needs a cspace and a vspace capability", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    CHECK(w.invoke(p, t, HELIOS_INV_task_configure, {kDataAddr}, {kSlotVSpace, kSlotVSpace}).status ==
          Error::INVALID_CTYPE);
    CHECK(w.invoke(p, t, HELIOS_INV_task_configure, {kDataAddr}, {kSlotCSpace, kSlotCSpace}).status ==
          Error::INVALID_CTYPE);
    CHECK(w.invoke(p, t, HELIOS_INV_task_configure, {kDataAddr}, {kSlotCSpace, 100}).status ==
          Error::INVALID_CSLOT);
    CHECK(w.invoke(p, t, HELIOS_INV_task_configure, {kDataAddr}, {999, kSlotVSpace}).status ==
          Error::INVALID_CADDR);
    CHECK_FALSE(static_cast<Task*>(slot_of(p, t).object)->configured());
}

TEST_CASE("task: reconfiguring replaces the cspace and frees an unowned old one", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    helios_caddr_t cs = w.alloc(p, HELIOS_CT_CSPACE, 4);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_configure, {kDataAddr}, {cs, kSlotVSpace}).ok());
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    Object* old = slot_of(p, cs).object;
    CHECK(task->cspace() == old);
    uint64_t used = mem_info(w, p).used;
    REQUIRE(cap_destroy(w, p, cs).ok());
    CHECK(mem_info(w, p).used == used);  // the task still holds it
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_configure, {kDataAddr}, {kSlotCSpace, kSlotVSpace}).ok());
    CHECK(task->cspace() == p.cspace);
    CHECK(mem_info(w, p).used == used - 1);  // the old cspace is gone
}

TEST_CASE("task: configure of a resumed task makes it runnable", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_resume, {}).ok());
    CHECK_FALSE(w.k.scheduler().queued(*task));  // not configured yet
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_configure, {kDataAddr}, {kSlotCSpace, kSlotVSpace}).ok());
    CHECK(w.k.scheduler().queued(*task));
}

TEST_CASE("task: write then read registers of a suspended task", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    helios_regs in = sample_regs();
    REQUIRE(write_regs(w, p, t, in).ok());
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    CHECK(task->regs.rip == 0x400000);
    CHECK(task->regs.r15 == in.r15);
    CHECK(task->dirty == kDirtyAll);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_read_registers, {kRegsAddr + sizeof(helios_regs)}).ok());
    helios_regs out{};
    REQUIRE(w.peek(p, kRegsAddr + sizeof(helios_regs), &out, sizeof out));
    CHECK(out.rax == in.rax);
    CHECK(out.rsp == in.rsp);
    CHECK(out.rip == in.rip);
    CHECK(out.fs_base == in.fs_base);
    CHECK(out.gs_base == in.gs_base);
    CHECK(out.rflags == 0x202);
}

TEST_CASE("task: rflags are sanitised (IF forced on, system bits dropped)", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    helios_regs r = sample_regs();
    r.rflags = ~0ull;
    REQUIRE(write_regs(w, p, t, r).ok());
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    // CF PF AF ZF SF TF DF OF and ID kept, bit 1 and IF set, IOPL/NT/RF/VM/AC... gone.
    CHECK(task->regs.rflags == (0xDD5u | 0x200000u | 0x202u));
    CHECK(task->regs.rflags == (HELIOS_USER_RFLAGS_MASK | HELIOS_USER_RFLAGS_FIXED));
    CHECK((task->regs.rflags & HELIOS_RFLAGS_TF) != 0);  // a debugger in user space may single-step
    r.rflags = 0;
    REQUIRE(write_regs(w, p, t, r).ok());
    CHECK(task->regs.rflags == 0x202u);
    r.rflags = 0x3000 | 0x4000 | 0x40000;  // IOPL 3, NT, AC
    REQUIRE(write_regs(w, p, t, r).ok());
    CHECK(task->regs.rflags == 0x202u);
}

TEST_CASE("task: registers of a running task are BUSY", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t tcap = 0;
    Proc t = w.thread(p, kThreadIpc, &tcap);
    helios_regs r = sample_regs();
    CHECK(write_regs(w, p, tcap, r).status == Error::BUSY);
    CHECK(w.invoke(p, tcap, HELIOS_INV_task_read_registers, {kRegsAddr}).status == Error::BUSY);
    CHECK(w.invoke(p, kSlotTask, HELIOS_INV_task_read_registers, {kRegsAddr}).status == Error::BUSY);
    CHECK(t.task->regs.rip != 0x400000);
    // A blocked task is not stopped either.
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    w.sys(t, HELIOS_SYS_recv, ep);
    REQUIRE(is_blocked(t));
    CHECK(write_regs(w, p, tcap, r).status == Error::BUSY);
}

TEST_CASE("task: register pointers must be mapped; rip and bases must be user addresses", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    CHECK(w.invoke(p, t, HELIOS_INV_task_write_registers, {0x20000000}).status == Error::INVALID_PARAM);
    CHECK(w.invoke(p, t, HELIOS_INV_task_read_registers, {0x20000000}).status == Error::INVALID_PARAM);
    // A buffer running off the end of the mapped data.
    const uint64_t edge = kDataAddr + kDataPages * HELIOS_PAGE_SIZE - 16;
    CHECK(w.invoke(p, t, HELIOS_INV_task_read_registers, {edge}).status == Error::INVALID_PARAM);
    helios_regs r = sample_regs();
    r.rip = HELIOS_USER_TOP;
    CHECK(write_regs(w, p, t, r).status == Error::INVALID_PARAM);
    r = sample_regs();
    r.fs_base = 0xFFFF800000000000ull;
    CHECK(write_regs(w, p, t, r).status == Error::INVALID_PARAM);
    r = sample_regs();
    r.gs_base = HELIOS_USER_TOP + 5;
    CHECK(write_regs(w, p, t, r).status == Error::INVALID_PARAM);
    CHECK(task->regs.rip == 0);  // nothing was written
    CHECK(task->dirty == kDirtyNone);
    r = sample_regs();
    r.rip = HELIOS_USER_TOP - 1;
    CHECK(write_regs(w, p, t, r).ok());
}

TEST_CASE("task: write_tls_base sets fs_base of a stopped task or of oneself", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_write_tls_base, {0x7FF000}).ok());
    CHECK(static_cast<Task*>(slot_of(p, t).object)->regs.fs_base == 0x7FF000);
    REQUIRE(w.invoke(p, kSlotTask, HELIOS_INV_task_write_tls_base, {0x1234000}).ok());
    CHECK(p.task->regs.fs_base == 0x1234000);
    CHECK(p.task->dirty == kDirtyAll);
    CHECK(w.invoke(p, t, HELIOS_INV_task_write_tls_base, {HELIOS_USER_TOP}).status == Error::INVALID_PARAM);
    helios_caddr_t tcap = 0;
    Proc other = w.thread(p, kThreadIpc, &tcap);
    CHECK(w.invoke(p, tcap, HELIOS_INV_task_write_tls_base, {0x5000}).status == Error::BUSY);
    CHECK(other.task->regs.fs_base == 0);
}

TEST_CASE("task: set_fault installs the fault endpoint and cookie; clear_fault forgets it", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_set_fault, {0xC00C1E}, {ep}).ok());
    CHECK(task->fault_endpoint() == slot_of(p, ep).object);
    CHECK(task->fault_cookie == 0xC00C1E);
    CHECK(task->fault_slot.rights == HELIOS_RIGHT_SEND);
    // The task's reference keeps the endpoint alive.
    uint64_t used = mem_info(w, p).used;
    REQUIRE(cap_destroy(w, p, ep).ok());
    CHECK(mem_info(w, p).used == used);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_clear_fault, {}).ok());
    CHECK(task->fault_endpoint() == nullptr);
    CHECK(mem_info(w, p).used == used - 1);
    CHECK(w.invoke(p, t, HELIOS_INV_task_clear_fault, {}).ok());  // harmless twice
}

TEST_CASE("task: set_fault replaces an earlier endpoint", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    helios_caddr_t e1 = w.alloc(p, HELIOS_CT_ENDPOINT);
    helios_caddr_t e2 = w.alloc(p, HELIOS_CT_ENDPOINT);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_set_fault, {1}, {e1}).ok());
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_set_fault, {2}, {e2}).ok());
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    CHECK(task->fault_endpoint() == slot_of(p, e2).object);
    CHECK(task->fault_cookie == 2);
    CHECK(slot_of(p, e1).object->owning_caps() == 1);
}

TEST_CASE("task: set_fault needs an endpoint with SEND; a null slot clears", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    helios_caddr_t n = w.alloc(p, HELIOS_CT_NOTIFICATION);
    REQUIRE(cap_copy(w, p, 50, ep, HELIOS_RIGHT_RECV).ok());
    CHECK(w.invoke(p, t, HELIOS_INV_task_set_fault, {0}, {50}).status == Error::NO_RIGHTS);
    CHECK(w.invoke(p, t, HELIOS_INV_task_set_fault, {0}, {n}).status == Error::INVALID_CTYPE);
    CHECK(w.invoke(p, t, HELIOS_INV_task_set_fault, {0}, {4096}).status == Error::INVALID_CADDR);
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    CHECK(task->fault_endpoint() == nullptr);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_set_fault, {7}, {ep}).ok());
    // The ABI: "null caddr clears".
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_set_fault, {0}, {100}).ok());
    CHECK(task->fault_endpoint() == nullptr);
}

TEST_CASE("task: suspend takes a task off the run queue, resume puts it back", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t tcap = 0;
    Proc t = w.thread(p, kThreadIpc, &tcap);
    REQUIRE(w.k.scheduler().queued(*t.task));
    REQUIRE(w.invoke(p, tcap, HELIOS_INV_task_suspend, {}).ok());
    CHECK_FALSE(w.k.scheduler().queued(*t.task));
    CHECK(task_info(w, p, tcap).flags == (HELIOS_TASK_CONFIGURED | HELIOS_TASK_SUSPENDED));
    REQUIRE(w.invoke(p, tcap, HELIOS_INV_task_suspend, {}).ok());  // twice is fine
    REQUIRE(w.invoke(p, tcap, HELIOS_INV_task_resume, {}).ok());
    CHECK(w.k.scheduler().queued(*t.task));
    CHECK(task_info(w, p, tcap).flags == HELIOS_TASK_CONFIGURED);
    REQUIRE(w.invoke(p, tcap, HELIOS_INV_task_resume, {}).ok());  // resume of a running task: no-op
    CHECK(w.k.scheduler().queued(*t.task));
}

TEST_CASE("task: suspending oneself gives up the CPU", "[task]") {
    World w;
    Proc p = w.spawn();
    Proc t = w.thread(p, kThreadIpc);
    REQUIRE(w.invoke(p, kSlotTask, HELIOS_INV_task_suspend, {}).ok());
    CHECK(w.k.current() == t.task);
    CHECK_FALSE(w.k.scheduler().queued(*p.task));
    CHECK(p.task->suspended);
}

TEST_CASE("task: blocked and suspended are independent", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t tcap = 0;
    Proc t = w.thread(p, kThreadIpc, &tcap);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    auto* e = static_cast<Endpoint*>(slot_of(p, ep).object);
    w.sys(t, HELIOS_SYS_recv, ep);
    REQUIRE(is_blocked(t));
    REQUIRE(w.invoke(p, tcap, HELIOS_INV_task_suspend, {}).ok());
    // Still queued as a receiver, and flagged both ways.
    CHECK(e->receivers.front() == t.task);
    CHECK(task_info(w, p, tcap).flags ==
          (HELIOS_TASK_CONFIGURED | HELIOS_TASK_SUSPENDED | HELIOS_TASK_BLOCKED));
    // The message arrives; the sender does not block.
    p.ipc->params[0] = 0xAB;
    SysResult s = w.sys(p, HELIOS_SYS_send, ep, HELIOS_TAG(9, 0, 1));
    REQUIRE(s.ok());
    CHECK_FALSE(is_blocked(t));
    CHECK(t.ipc->params[0] == 0xAB);
    CHECK(w.result_of(t).status == Error::NONE);
    CHECK(HELIOS_TAG_LABEL(w.result_of(t).value) == 9);
    // ...but it only runs after resume.
    CHECK_FALSE(w.k.scheduler().queued(*t.task));
    CHECK(w.k.current() == p.task);
    REQUIRE(w.invoke(p, tcap, HELIOS_INV_task_resume, {}).ok());
    CHECK(w.k.scheduler().queued(*t.task));
    CHECK(HELIOS_TAG_LABEL(w.result_of(t).value) == 9);  // resume does not clobber the result
}

TEST_CASE("task: set_priority accepts 0..31 only", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    CHECK(task_info(w, p, t).priority == HELIOS_PRIORITY_DEFAULT);
    CHECK(w.invoke(p, t, HELIOS_INV_task_set_priority, {32}).status == Error::INVALID_PARAM);
    CHECK(w.invoke(p, t, HELIOS_INV_task_set_priority, {1ull << 40}).status == Error::INVALID_PARAM);
    CHECK(task_info(w, p, t).priority == HELIOS_PRIORITY_DEFAULT);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_set_priority, {31}).ok());
    CHECK(task_info(w, p, t).priority == 31);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_set_priority, {0}).ok());
    CHECK(task_info(w, p, t).priority == 0);
}

TEST_CASE("task: set_priority of a queued task moves it to its new level", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t tcap = 0;
    Proc t = w.thread(p, kThreadIpc, &tcap);
    REQUIRE(w.invoke(p, tcap, HELIOS_INV_task_set_priority, {3}).ok());
    CHECK(w.k.scheduler().queued(*t.task));
    CHECK(w.k.scheduler().best_priority() == 3);
    CHECK(w.k.current() == p.task);
}

TEST_CASE("task: info reports the id, flags and priority", "[task]") {
    World w;
    Proc p = w.spawn();
    TaskInfo self = task_info(w, p, kSlotTask);
    CHECK(self.id == p.task->id());
    CHECK(self.flags == HELIOS_TASK_CONFIGURED);
    helios_caddr_t a = w.alloc(p, HELIOS_CT_TASK);
    helios_caddr_t b = w.alloc(p, HELIOS_CT_TASK);
    CHECK(task_info(w, p, b).id == task_info(w, p, a).id + 1);  // ids are never reused or shared
}

TEST_CASE("task: exit stops the task and reports its status", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t tcap = 0;
    Proc t = w.thread(p, kThreadIpc, &tcap);
    fake_arch().exits.clear();
    SysResult r = w.sys(t, HELIOS_SYS_exit, 42);
    CHECK(r.ok());
    REQUIRE(fake_arch().exits.size() == 1);
    CHECK(fake_arch().exits[0] == std::make_pair(t.task->id(), uint64_t{42}));
    CHECK(w.k.current() == p.task);
    CHECK_FALSE(t.task->runnable());
    CHECK_FALSE(w.k.scheduler().queued(*t.task));
    CHECK((task_info(w, p, tcap).flags & HELIOS_TASK_EXITED) != 0);
    CHECK(p.ipc->params[2] == 42);
    // An exited task cannot be resumed, but its registers may be read.
    CHECK(w.invoke(p, tcap, HELIOS_INV_task_resume, {}).status == Error::INVALID_PARAM);
    CHECK(w.invoke(p, tcap, HELIOS_INV_task_read_registers, {kRegsAddr}).ok());
    bool traced = false;
    for (auto& e : fake_arch().trace)
        if (e.kind == arch::TraceKind::Exit && e.task_id == t.task->id() && e.number == 42) traced = true;
    CHECK(traced);
}

TEST_CASE("task: destroying a task blocked in recv removes it from the endpoint", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t tcap = 0;
    Proc t = w.thread(p, kThreadIpc, &tcap);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    auto* e = static_cast<Endpoint*>(slot_of(p, ep).object);
    uint32_t id = t.task->id();
    w.sys(t, HELIOS_SYS_recv, ep);
    REQUIRE(e->receivers.front() == t.task);
    fake_arch().destroyed_tasks.clear();
    REQUIRE(cap_destroy(w, p, tcap).ok());
    CHECK(fake_arch().destroyed_tasks == std::vector<uint32_t>{id});
    CHECK(e->receivers.empty());
    // A send now finds nobody and would block.
    CHECK(w.sys(p, HELIOS_SYS_nbsend, ep, HELIOS_TAG(1, 0, 0)).status == Error::WOULD_BLOCK);
}

TEST_CASE("task: destroying a caller blocked in call leaves the server without a reply", "[task]") {
    World w;
    Proc s = w.spawn();
    helios_caddr_t ccap = 0;
    Proc c = w.thread(s, kThreadIpc, &ccap);
    helios_caddr_t ep = w.alloc(s, HELIOS_CT_ENDPOINT);
    w.sys(c, HELIOS_SYS_call, ep, HELIOS_TAG(1, 0, 0));
    REQUIRE(w.sys(s, HELIOS_SYS_recv, ep).ok());
    REQUIRE(s.task->reply_to == c.task);
    REQUIRE(cap_destroy(w, s, ccap).ok());
    CHECK(s.task->reply_to == nullptr);
    CHECK(w.sys(s, HELIOS_SYS_reply, HELIOS_TAG(0, 0, 0)).status == Error::INVALID_CSLOT);
}

TEST_CASE("task: destroying a caller still queued in call removes it from the endpoint", "[task]") {
    World w;
    Proc s = w.spawn();
    helios_caddr_t ccap = 0;
    Proc c = w.thread(s, kThreadIpc, &ccap);
    helios_caddr_t ep = w.alloc(s, HELIOS_CT_ENDPOINT);
    w.sys(c, HELIOS_SYS_call, ep, HELIOS_TAG(1, 0, 0));
    REQUIRE(is_blocked(c));
    REQUIRE(cap_destroy(w, s, ccap).ok());
    CHECK(w.sys(s, HELIOS_SYS_nbrecv, ep).status == Error::WOULD_BLOCK);
}

TEST_CASE("task: destroying a server holding a reply aborts the caller", "[task]") {
    World w;
    Proc c = w.spawn();
    helios_caddr_t scap = 0;
    Proc s = w.thread(c, kThreadIpc, &scap);
    helios_caddr_t ep = w.alloc(c, HELIOS_CT_ENDPOINT);
    w.sys(s, HELIOS_SYS_recv, ep);
    w.sys(c, HELIOS_SYS_call, ep, HELIOS_TAG(1, 0, 0));
    REQUIRE(is_blocked(c));
    REQUIRE(s.task->reply_to == c.task);
    w.k.destroy(s.task);
    CHECK_FALSE(is_blocked(c));
    CHECK(w.result_of(c).status == Error::ABORTED);
    CHECK(w.k.scheduler().queued(*c.task));
    CHECK(slot_of(c, scap).is_null());
}

TEST_CASE("task: a task destroying its own last capability ends cleanly", "[task]") {
    World w;
    Proc p = w.spawn();
    Proc q = w.spawn();
    uint32_t id = p.task->id();
    fake_arch().destroyed_tasks.clear();
    fake_arch().trace.clear();
    // The result registers belong to a task that no longer exists: ignore them.
    (void)cap_destroy(w, p, kSlotTask);
    CHECK(fake_arch().destroyed_tasks == std::vector<uint32_t>{id});
    CHECK(w.k.current() == q.task);
    CHECK(slot_of(p, kSlotTask).is_null());
    // The syscall is still traced, with its result.
    REQUIRE_FALSE(fake_arch().trace.empty());
    CHECK(fake_arch().trace.front().kind == arch::TraceKind::Syscall);
    CHECK(fake_arch().trace.front().task_id == id);
    CHECK(fake_arch().trace.front().status == 0);
}

TEST_CASE("task: losing its cspace unconfigures a task and deschedules it", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    helios_caddr_t cs = w.alloc(p, HELIOS_CT_CSPACE, 4);
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_configure, {kDataAddr}, {cs, kSlotVSpace}).ok());
    REQUIRE(w.invoke(p, t, HELIOS_INV_task_resume, {}).ok());
    auto* task = static_cast<Task*>(slot_of(p, t).object);
    REQUIRE(w.k.scheduler().queued(*task));
    w.k.destroy(slot_of(p, cs).object);
    CHECK_FALSE(task->configured());
    CHECK_FALSE(w.k.scheduler().queued(*task));
    CHECK((task_info(w, p, t).flags & HELIOS_TASK_CONFIGURED) == 0);
}

TEST_CASE("task: unknown label is INVALID_SYSCALL; no SEND right is NO_RIGHTS", "[task]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t t = w.alloc(p, HELIOS_CT_TASK);
    CHECK(w.invoke(p, t, 11, {}).status == Error::INVALID_SYSCALL);
    CHECK(w.invoke(p, t, 0, {}).status == Error::INVALID_SYSCALL);
    REQUIRE(cap_copy(w, p, 50, t, HELIOS_RIGHT_RECV).ok());
    CHECK(w.invoke(p, 50, HELIOS_INV_task_resume, {}).status == Error::NO_RIGHTS);
    CHECK(static_cast<Task*>(slot_of(p, t).object)->suspended);
}
