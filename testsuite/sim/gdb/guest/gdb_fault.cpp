// gdb_fault: a worker thread writes through a null pointer; init, its
// supervisor, receives the page fault, reports it and exits with status 4.
// Under gdb the fault is seen first (SIGSEGV at the store), then delivered.
#include "thread.h"

extern "C" void crash(volatile uint64_t* where) {
    *where = 42;
}

extern "C" [[noreturn]] void crasher(uint64_t arg) {
    crash(reinterpret_cast<volatile uint64_t*>(arg));
    (void)helios::sys::exit(0);
    for (;;) (void)helios::sys::yield();
}

int main() {
    helios_caddr_t fault_ep = gdbtest::make(HELIOS_CT_ENDPOINT, "allocate endpoint");
    gdbtest::start_thread(0x10000000, crasher, 0, fault_ep);
    helios::SysResult got = helios::sys::recv(fault_ep);
    gdbtest::check("recv fault", got);
    const uint64_t* p = helios::ipcbuf()->params;
    helios::printf("gdb_fault: supervisor got fault kind=%lu addr=0x%lx\n",
                   static_cast<unsigned long>(p[HELIOS_FAULT_P_KIND]),
                   static_cast<unsigned long>(p[HELIOS_FAULT_P_ADDR]));
    return 4;
}
