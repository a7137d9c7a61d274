// sys_bench: the operations scripts/bench-sim.sh times. Command line "OP N":
//   identify  N identify syscalls (the null syscall)
//   yield     N yield syscalls (one runnable task: no switch)
//   out       N `out` instructions to COM1's scratch register
//   fault     N page faults of a worker thread, each delivered to init (the
//             supervisor), resolved by mapping the page and resuming the
//             worker, which unmaps it again for the next round
//   call      N endpoint call/reply round trips between init and a server thread
// N = 0 runs the same set-up with no operation, so the host can subtract it.
#include <helios/portio.h>

#include "common.h"

namespace {

constexpr const char* kProg = "sys_bench";
constexpr uint64_t kThreadBase = 0x10000000;
constexpr uint64_t kFaultAddr = 0x20000000;

helios_caddr_t g_page = 0;
helios_caddr_t g_done = 0;
helios_caddr_t g_ep = 0;

extern "C" [[noreturn]] void fault_worker(uint64_t n) {
    auto* p = reinterpret_cast<volatile uint64_t*>(kFaultAddr);
    for (uint64_t i = 0; i < n; ++i) {
        *p = i;  // faults: the page is unmapped
        if (!helios::page_unmap(g_page).ok()) break;
    }
    (void)helios::sys::signal(g_done);
    for (;;) (void)helios::sys::wait(g_ep);  // g_ep is never signalled: stay blocked
}

extern "C" [[noreturn]] void call_server(uint64_t) {
    helios::SysResult r = helios::sys::recv(g_ep);
    for (;;) r = helios::sys::replyrecv(HELIOS_TAG(2, 0, 0), g_ep);
}

}  // namespace

int main() {
    char op[16] = "";
    (void)systest::cmdline_word(0, op, sizeof op);
    const uint64_t n = systest::cmdline_number(1, 0);

    if (systest::str_eq(op, "identify")) {
        for (uint64_t i = 0; i < n; ++i) (void)helios::sys::identify(HELIOS_INIT_CAP_CSPACE);
    } else if (systest::str_eq(op, "yield")) {
        for (uint64_t i = 0; i < n; ++i) (void)helios::sys::yield();
    } else if (systest::str_eq(op, "out")) {
        systest::expect_ok(kProg, "iocontrol_issue", helios::iocontrol_issue(HELIOS_INIT_CAP_IOCONTROL, 0x3F8, 0x3FF));
        for (uint64_t i = 0; i < n; ++i) helios::port::outb(0x3FF, static_cast<uint8_t>(i));
    } else if (systest::str_eq(op, "fault")) {
        helios_caddr_t ep = systest::make(kProg, HELIOS_CT_ENDPOINT, "allocate endpoint");
        g_ep = systest::make(kProg, HELIOS_CT_NOTIFICATION, "allocate notification");
        g_done = systest::make(kProg, HELIOS_CT_NOTIFICATION, "allocate notification");
        // Map once (installing the page tables), then unmap: every round maps it again.
        g_page = systest::map_new_page(kProg, kFaultAddr);
        systest::expect_ok(kProg, "page_unmap", helios::page_unmap(g_page));
        systest::Thread t = systest::start_thread(kProg, kThreadBase, fault_worker, n, ep, 0);
        for (uint64_t i = 0; i < n; ++i) {
            helios::SysResult f = helios::sys::recv(ep);
            if (!f.ok() || helios::ipcbuf()->params[HELIOS_FAULT_P_ADDR] != kFaultAddr)
                systest::fail(kProg, "fault message", f.status, HELIOS_ENONE);
            systest::expect_ok(kProg, "page_map",
                               helios::page_map(g_page, HELIOS_INIT_CAP_VSPACE, kFaultAddr, HELIOS_MAP_WRITE));
            systest::expect_ok(kProg, "task_resume", helios::task_resume(t.task));
        }
        systest::expect_ok(kProg, "wait", helios::sys::wait(g_done));
    } else if (systest::str_eq(op, "call")) {
        g_ep = systest::make(kProg, HELIOS_CT_ENDPOINT, "allocate endpoint");
        (void)systest::start_thread(kProg, kThreadBase, call_server, 0, 0, 0);
        for (uint64_t i = 0; i < n; ++i) {
            helios::SysResult r = helios::sys::call(g_ep, HELIOS_TAG(1, 0, 0));
            if (!r.ok() || HELIOS_TAG_LABEL(r.value) != 2) systest::fail(kProg, "call", r.status, HELIOS_ENONE);
        }
    } else {
        helios::printf("%s: unknown operation '%s' (identify, yield, out, fault, call)\n", kProg, op);
        return 2;
    }
    return 0;
}
