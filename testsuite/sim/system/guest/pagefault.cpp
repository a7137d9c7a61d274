// sys_pagefault: a supervisor thread resolves a second thread's page fault.
//
// The worker writes 1337 to an unmapped address; init (the supervisor)
// receives the fault on the worker's fault endpoint, checks it (kind PAGE,
// the address, a write, the worker's ip and cookie), maps a page there and
// resumes the worker, which retries the store, reads 1337 back and signals
// a notification. Exit status 0 only when every step was as expected.
#include "common.h"

namespace {

constexpr const char* kProg = "sys_pagefault";
constexpr uint64_t kFaultAddr = 0x20000000;
constexpr uint64_t kThreadBase = 0x10000000;
constexpr uint64_t kCookie = 0xC00C1E;
constexpr uint64_t kValue = 1337;

helios_caddr_t g_done = 0;     // notification the worker signals
volatile uint64_t g_seen = 0;  // what the worker read back

extern "C" [[noreturn]] void worker(uint64_t addr) {
    auto* p = reinterpret_cast<volatile uint64_t*>(addr);
    *p = kValue;  // faults: nothing is mapped there yet
    g_seen = *p;
    (void)helios::sys::signal(g_done);
    (void)helios::sys::exit(0);
    for (;;) (void)helios::sys::yield();
}

}  // namespace

int main() {
    helios_caddr_t fault_ep = systest::make(kProg, HELIOS_CT_ENDPOINT, "allocate endpoint");
    g_done = systest::make(kProg, HELIOS_CT_NOTIFICATION, "allocate notification");
    systest::Thread t = systest::start_thread(kProg, kThreadBase, worker, kFaultAddr, fault_ep, kCookie);
    uint64_t worker_id = systest::expect_ok(kProg, "task_info", helios::task_info(t.task));

    helios::SysResult got = helios::sys::recv(fault_ep);
    systest::expect_ok(kProg, "recv fault", got);
    systest::expect_eq(kProg, "fault label", HELIOS_TAG_LABEL(got.value), HELIOS_LABEL_FAULT);
    systest::expect_eq(kProg, "fault nparams", HELIOS_TAG_NPARAMS(got.value), HELIOS_FAULT_NPARAMS);
    const uint64_t* p = helios::ipcbuf()->params;
    systest::expect_eq(kProg, "fault kind", p[HELIOS_FAULT_P_KIND], HELIOS_FAULT_PAGE);
    systest::expect_eq(kProg, "fault addr", p[HELIOS_FAULT_P_ADDR], kFaultAddr);
    systest::expect_eq(kProg, "fault access", p[HELIOS_FAULT_P_ACCESS], HELIOS_ACCESS_WRITE);
    systest::expect_eq(kProg, "fault task", p[HELIOS_FAULT_P_TASK], worker_id);
    systest::expect_eq(kProg, "fault cookie", p[HELIOS_FAULT_P_COOKIE], kCookie);
    const uint64_t ip = p[HELIOS_FAULT_P_IP];
    const auto entry = reinterpret_cast<uint64_t>(&worker);
    if (ip < entry || ip >= entry + 64) systest::fail(kProg, "fault ip (want just inside worker)", ip, entry);
    systest::expect_eq(kProg, "no value before the fault", g_seen, 0);
    helios::printf("%s: fault kind=PAGE addr=0x%lx access=write\n", kProg, static_cast<unsigned long>(kFaultAddr));

    systest::map_new_page(kProg, kFaultAddr);
    systest::expect_ok(kProg, "task_resume", helios::task_resume(t.task));

    helios::SysResult word = helios::sys::wait(g_done);
    systest::expect_ok(kProg, "wait", word);
    systest::expect_eq(kProg, "notification word", word.value, 1);
    systest::expect_eq(kProg, "value read back by the worker", g_seen, kValue);
    systest::expect_eq(kProg, "value seen by the supervisor", *reinterpret_cast<volatile uint64_t*>(kFaultAddr),
                       kValue);
    helios::printf("%s: resolved, worker read %lu\n", kProg, static_cast<unsigned long>(g_seen));
    return 0;
}
