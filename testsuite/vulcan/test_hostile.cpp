// hostile: bad capability addresses, bad pointers, huge sizes, unknown syscalls and labels. Errors, never crashes.
#include "vulcan.h"

using namespace helios;
using namespace vulcan;

namespace {
constexpr helios_caddr_t CS = HELIOS_INIT_CAP_CSPACE;
constexpr helios_caddr_t VS = HELIOS_INIT_CAP_VSPACE;
using threads::Thread;

const char kText[] = "x";
}  // namespace

VULCAN_TEST(hostile, caddrs) {
    helios_caddr_t page = alloc(HELIOS_CT_PAGE);
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    const uint64_t bad[] = {4096, 0x7FFFFFFF, HELIOS_CADDR_UNDEF, 1ull << 32, ~0ull};
    for (uint64_t c : bad) {
        CHECK_ERR(sys::raw(HELIOS_SYS_identify, c), INVALID_CADDR);
        CHECK_ERR(sys::raw(HELIOS_SYS_send, c, HELIOS_TAG(1, 0, 0)), INVALID_CADDR);
        CHECK_ERR(sys::raw(HELIOS_SYS_nbsend, c, HELIOS_TAG(1, 0, 0)), INVALID_CADDR);
        CHECK_ERR(sys::raw(HELIOS_SYS_recv, c), INVALID_CADDR);
        CHECK_ERR(sys::raw(HELIOS_SYS_nbrecv, c), INVALID_CADDR);
        CHECK_ERR(sys::raw(HELIOS_SYS_call, c, HELIOS_TAG(1, 0, 0)), INVALID_CADDR);
        CHECK_ERR(sys::raw(HELIOS_SYS_signal, c), INVALID_CADDR);
        CHECK_ERR(sys::raw(HELIOS_SYS_wait, c), INVALID_CADDR);
        CHECK_ERR(sys::raw(HELIOS_SYS_nbwait, c), INVALID_CADDR);
        CHECK_ERR(sys::raw(HELIOS_SYS_replyrecv, HELIOS_TAG(1, 0, 0), c), INVALID_CADDR);
    }
    helios_caddr_t empty = empty_slot();
    CHECK_ERR(sys::send(empty, HELIOS_TAG(1, 0, 0)), INVALID_CSLOT);
    CHECK_ERR(sys::recv(empty), INVALID_CSLOT);
    CHECK_ERR(sys::wait(empty), INVALID_CSLOT);
    CHECK_ERR(sys::call(empty, HELIOS_TAG(1, 0, 0)), INVALID_CSLOT);
    CHECK_ERR(sys::store_reply(4096), INVALID_CSLOT);  // checked only when a reply is pending
    // Bad capability arguments of invocations.
    CHECK_ERR(page_map(page, 0xFFFFFF, ctx().va, 0), INVALID_CADDR);
    CHECK_ERR(page_map(page, empty, ctx().va, 0), INVALID_CSLOT);
    CHECK_ERR(cspace_copy(CS, HELIOS_CADDR_UNDEF, 0x12345), INVALID_CADDR);
    CHECK_ERR(cspace_copy(CS, 0x12345, page), INVALID_CADDR);
    CHECK_ERR(cspace_copy_to(CS, page, 0, page), INVALID_CTYPE);  // target is no cspace
    CHECK_ERR(task_configure(HELIOS_INIT_CAP_TASK, 0x55555, VS, HELIOS_INIT_IPCBUF_ADDR), INVALID_CADDR);
    // Sending capabilities that are not there.
    ipcbuf()->caps[0] = 0x99999;
    CHECK_ERR(sys::nbsend(ep, HELIOS_TAG(1, 1, 0)), INVALID_CADDR);
    ipcbuf()->caps[0] = empty;
    CHECK_ERR(sys::nbsend(ep, HELIOS_TAG(1, 1, 0)), INVALID_CSLOT);
    destroy(page);
    destroy(ep);
}

VULCAN_TEST(hostile, pointers) {
    uint64_t unmapped = ctx().va;
    auto text = reinterpret_cast<uint64_t>(kText);
    CHECK_OK(sys::writecons(text, 0));
    CHECK_ERR(sys::writecons(unmapped, 1), INVALID_PARAM);
    CHECK_ERR(sys::writecons(0x1000, 1), INVALID_PARAM);
    CHECK_ERR(sys::writecons(HELIOS_USER_TOP, 1), INVALID_PARAM);
    CHECK_ERR(sys::writecons(HELIOS_USER_TOP - 1, 2), INVALID_PARAM);
    CHECK_ERR(sys::writecons(0xFFFF800000000000ull, 1), INVALID_PARAM);  // kernel half
    CHECK_ERR(sys::writecons(~0ull - 0xFFF, 0x2000), INVALID_PARAM);     // wraps around
    // Half mapped: refused whole (nothing is written).
    uint64_t va = ctx().va + HELIOS_PAGE_SIZE;
    map_new_page(va);
    CHECK_ERR(sys::writecons(va + HELIOS_PAGE_SIZE - 4, 8), INVALID_PARAM);
    CHECK_ERR(sys::writecons(va - 4, 8), INVALID_PARAM);
    // Register blocks and poll arrays at bad addresses.
    Thread* t = spawn([](uint64_t) {}, 0, HELIOS_PRIORITY_DEFAULT, false);
    helios_caddr_t task = threads::task(t);
    CHECK_ERR(inv::task_write_registers(task, unmapped), INVALID_PARAM);
    CHECK_ERR(inv::task_read_registers(task, unmapped), INVALID_PARAM);
    CHECK_ERR(inv::task_read_registers(task, text), INVALID_PARAM);                       // read-only
    CHECK_ERR(inv::task_read_registers(task, va + HELIOS_PAGE_SIZE - 8), INVALID_PARAM);  // runs off the page
    CHECK_ERR(inv::task_read_registers(task, ~0ull - 8), INVALID_PARAM);
    CHECK_OK(threads::start(t));
    join_thread(t);
    CHECK_ERR(sys::poll(0, 1), INVALID_PARAM);
    CHECK_ERR(sys::poll(~0ull, 1), INVALID_PARAM);
}

VULCAN_TEST(hostile, sizes) {
    helios_caddr_t one[1] = {HELIOS_CADDR_UNDEF};
    CHECK_ERR(memory_allocate_one(ctx().mem, HELIOS_CT_MEMORY, 1ull << 62), NOMEM);
    CHECK_ERR(memory_allocate_one(ctx().mem, HELIOS_CT_MEMORY, ~0ull), NOMEM);
    CHECK_ERR(memory_allocate_one(ctx().mem, HELIOS_CT_CSPACE, 64), INVALID_PARAM);
    CHECK_ERR(memory_allocate_one(ctx().mem, HELIOS_CT_CSPACE, ~0ull), INVALID_PARAM);
    CHECK_ERR(inv::memory_allocate(ctx().mem, HELIOS_CT_PAGE, 0, ~0ull, Caps(one, 1)), INVALID_PARAM);
    CHECK_ERR(inv::memory_allocate(ctx().mem, ~0ull, 0, 1, Caps(one, 1)), INVALID_CTYPE);
    CHECK_ERR(inv::devmem_allocate(HELIOS_INIT_CAP_DEVMEM, HELIOS_CT_DEVMEM, ~0ull, 1, Caps(one, 1)), NOMEM);
    CHECK_ERR(sys::writecons(reinterpret_cast<uint64_t>(kText), ~0ull), INVALID_PARAM);
    CHECK_ERR(sys::writecons(reinterpret_cast<uint64_t>(kText), 64 * 1024 + 1), INVALID_PARAM);
    // Tags claiming more parameters or capabilities than a message holds.
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    CHECK_ERR(sys::nbsend(ep, HELIOS_TAG(1, 0, 127)), INVALID_PARAM);
    CHECK_ERR(sys::nbsend(ep, HELIOS_TAG(1, 15, 0)), INVALID_PARAM);
    CHECK_ERR(sys::send(HELIOS_INIT_CAP_MEMORY, HELIOS_TAG(HELIOS_INV_memory_info, 15, 0)), INVALID_PARAM);
    CHECK_ERR(sys::send(HELIOS_INIT_CAP_MEMORY, HELIOS_TAG(HELIOS_INV_memory_info, 0, 100)), INVALID_PARAM);
    CHECK_ERR(sys::reply(HELIOS_TAG(1, 0, 127)), INVALID_CSLOT);
    CHECK_ERR(inv::page_map(alloc(HELIOS_CT_PAGE), ~0ull, ~0ull, {VS}), INVALID_PARAM);
    CHECK_ERR(inv::ioport_in(vulcan::com1_ports(), ~0ull, ~0ull), INVALID_PARAM);
    CHECK_ERR(sys::poll(reinterpret_cast<uint64_t>(kText), ~0ull), INVALID_PARAM);
    CHECK_ERR(task_set_priority(HELIOS_INIT_CAP_TASK, ~0ull), INVALID_PARAM);
    // A huge cspace that fits the quota nowhere.
    helios_caddr_t small = alloc_memory(4);
    CHECK_ERR(memory_allocate_one(small, HELIOS_CT_CSPACE, 16), NOMEM);
    destroy(small);
}

VULCAN_TEST(hostile, unknown_calls) {
    const uint64_t numbers[] = {HELIOS_SYSCALL_COUNT, 60, 231, 1000, 1ull << 32, ~0ull};
    for (uint64_t nr : numbers) CHECK_ERR(sys::raw(nr, 1, 2, 3, 4, 5, 6), INVALID_SYSCALL);
    // Labels no object knows.
    CHECK_ERR(invoke(HELIOS_INIT_CAP_MEMORY, 99), INVALID_SYSCALL);
    CHECK_ERR(invoke(HELIOS_INIT_CAP_MEMORY, 0), INVALID_SYSCALL);
    CHECK_ERR(invoke(HELIOS_INIT_CAP_CSPACE, 1ull << 40), INVALID_SYSCALL);
    CHECK_ERR(invoke(HELIOS_INIT_CAP_TASK, 1000), INVALID_SYSCALL);
    CHECK_ERR(invoke(HELIOS_INIT_CAP_VSPACE, 7), INVALID_SYSCALL);
    CHECK_ERR(invoke(HELIOS_INIT_CAP_IRQCONTROL, 9), INVALID_SYSCALL);
    helios_caddr_t page = alloc(HELIOS_CT_PAGE);
    CHECK_ERR(invoke(page, 77), INVALID_SYSCALL);
    // Objects that cannot receive.
    CHECK_ERR(sys::nbrecv(page), INVALID_CTYPE);
    CHECK_ERR(sys::recv(HELIOS_INIT_CAP_MEMORY), INVALID_CTYPE);
    CHECK_ERR(sys::reply(HELIOS_TAG(1, 0, 0)), INVALID_CSLOT);
    destroy(page);
}

VULCAN_TEST(hostile, self_destruction) {
    // A thread destroying its own task: the call never returns, the kernel
    // carries on, and the task is gone.
    static helios_caddr_t g_task;
    Thread* t = spawn(
        [](uint64_t) {
            (void)cspace_destroy(HELIOS_INIT_CAP_CSPACE, g_task);
            fail(__FILE__, __LINE__, "destroyed task kept running");
        },
        0, HELIOS_PRIORITY_DEFAULT, false);
    g_task = threads::task(t);
    CHECK_OK(threads::start(t));
    for (int i = 0; i < 100 && type_of(g_task) != HELIOS_CT_NULL_CAP; ++i) (void)sys::yield();
    CHECK_EQ(type_of(g_task), HELIOS_CT_NULL_CAP);
    CHECK(!failed());
    kill_thread(t);
}
