// task and fault: the seed's task::pagefault, task state and registers, every fault kind, resuming after a fix.
#include "vulcan.h"

using namespace helios;
using namespace vulcan;

// Fault sites with known addresses (SysV functions; each faults on its
// first instruction unless noted).
extern "C" {
uint64_t vulcan_site_read(uint64_t addr);               // mov (%rdi), %rax
void vulcan_site_write(uint64_t addr, uint64_t value);  // mov %rsi, (%rdi)
void vulcan_site_hlt();                                 // hlt (privileged: #GP)
void vulcan_site_ud2();                                 // ud2 (#UD), 2 bytes
void vulcan_site_int3();                                // int3 (#BP), a trap: ip is after it
uint64_t vulcan_site_div(uint64_t a, uint64_t b);       // a / b; the div is at vulcan_site_div_insn
extern const char vulcan_site_div_insn[];
void vulcan_site_step();  // nop; nop; ud2 (single-stepped: never reaches ud2)
}
asm(R"(
    .text
    .globl vulcan_site_read, vulcan_site_write, vulcan_site_hlt, vulcan_site_ud2
    .globl vulcan_site_int3, vulcan_site_div, vulcan_site_div_insn, vulcan_site_step
vulcan_site_read:
    movq (%rdi), %rax
    ret
vulcan_site_write:
    movq %rsi, (%rdi)
    ret
vulcan_site_hlt:
    hlt
    ret
vulcan_site_ud2:
    ud2
    ret
vulcan_site_int3:
    int3
    ret
vulcan_site_step:
    nop
    nop
    ud2
vulcan_site_div:
    xorl %edx, %edx
    movq %rdi, %rax
vulcan_site_div_insn:
    divq %rsi
    ret
)");

namespace {
constexpr helios_caddr_t CS = HELIOS_INIT_CAP_CSPACE;
constexpr helios_caddr_t VS = HELIOS_INIT_CAP_VSPACE;
using threads::Thread;

struct Shared {
    uint64_t addr = 0;
    volatile uint64_t value = 0;
};
Shared* shared(uint64_t arg) {
    return reinterpret_cast<Shared*>(arg);
}
uint64_t arg_of(Shared& s) {
    return reinterpret_cast<uint64_t>(&s);
}

uint64_t fn_addr(const void* f) {
    return reinterpret_cast<uint64_t>(f);
}

// An int at a fixed address, hidden from the compiler's bounds analysis.
volatile int* int_at(uint64_t addr) {
    asm("" : "+r"(addr));
    return reinterpret_cast<volatile int*>(addr);
}

// A thread running body(arg) whose faults go to a fresh endpoint (in *ep).
Thread* supervised(threads::Entry body, uint64_t arg, helios_caddr_t* ep, uint64_t cookie = 0) {
    *ep = alloc(HELIOS_CT_ENDPOINT);
    Thread* t = spawn(body, arg, HELIOS_PRIORITY_DEFAULT, false);
    CHECK_OK(threads::set_fault(t, *ep, cookie));
    CHECK_OK(threads::start(t));
    return t;
}

// Moves a stopped thread's instruction pointer on by n bytes.
void skip(Thread* t, uint64_t n) {
    helios_regs regs;
    CHECK_OK(task_read_registers(threads::task(t), &regs));
    regs.rip += n;
    CHECK_OK(task_write_registers(threads::task(t), &regs));
}
}  // namespace

VULCAN_TEST(task, pagefault) {
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    Thread* t = spawn(
        [](uint64_t) {
            volatile int* p = int_at(0x100);
            *p = 1337;
            CHECK_EQ(*p, 1337);
        },
        0, HELIOS_PRIORITY_DEFAULT, false);
    CHECK_OK(threads::set_fault(t, ep));
    CHECK_OK(threads::start(t));
    Fault f = recv_fault(ep);
    CHECK_EQ(f.addr, 0x100);
    CHECK_EQ(f.kind, HELIOS_FAULT_PAGE);
    CHECK(f.access & HELIOS_ACCESS_WRITE);
    helios_caddr_t page = alloc(HELIOS_CT_PAGE);
    CHECK_OK(map_page(ctx().mem, VS, page, 0, HELIOS_MAP_WRITE));
    CHECK_OK(threads::resume(t));
    join_thread(t);
    CHECK_EQ(*int_at(0x100), 1337);
}

VULCAN_TEST(task, state) {
    SysResult self = task_info(HELIOS_INIT_CAP_TASK);
    CHECK_OK(self);
    uint64_t flags = ipcbuf()->params[0];
    CHECK_EQ(flags, HELIOS_TASK_CONFIGURED);
    CHECK_EQ(ipcbuf()->params[1], HELIOS_PRIORITY_DEFAULT);
    // A running task's registers are not for others to touch.
    helios_regs regs{};
    CHECK_ERR(task_read_registers(HELIOS_INIT_CAP_TASK, &regs), BUSY);
    CHECK_ERR(task_write_registers(HELIOS_INIT_CAP_TASK, &regs), BUSY);
    // A new task: suspended, unconfigured, its own id.
    helios_caddr_t task = alloc(HELIOS_CT_TASK);
    SysResult info = task_info(task);
    CHECK_OK(info);
    CHECK_NE(info.value, self.value);
    CHECK_EQ(ipcbuf()->params[0], HELIOS_TASK_SUSPENDED);
    // Configure checks its IPC buffer: aligned and mapped.
    uint64_t va = ctx().va;
    map_new_page(va);
    CHECK_ERR(task_configure(task, CS, VS, va + 8), INVALID_PARAM);
    CHECK_ERR(task_configure(task, CS, VS, va + HELIOS_PAGE_SIZE), INVALID_PARAM);
    CHECK_ERR(task_configure(task, VS, CS, va), INVALID_CTYPE);
    CHECK_OK(task_configure(task, CS, VS, va));
    CHECK_OK(task_info(task));
    CHECK_EQ(ipcbuf()->params[0], HELIOS_TASK_CONFIGURED | HELIOS_TASK_SUSPENDED);
    // Registers of a suspended task: user code cannot set IOPL or leave IF off.
    CHECK_OK(task_read_registers(task, &regs));
    regs.rip = fn_addr(reinterpret_cast<const void*>(&vulcan_site_hlt));
    regs.rflags = 0x3000 | 0x1 | 0x400;  // IOPL 3, CF, DF; IF clear
    CHECK_OK(task_write_registers(task, &regs));
    helios_regs back{};
    CHECK_OK(task_read_registers(task, &back));
    CHECK_EQ(back.rflags, 0x1u | 0x400u | 0x202u);
    CHECK_EQ(back.rip, regs.rip);
    regs.rip = HELIOS_USER_TOP;
    CHECK_ERR(task_write_registers(task, &regs), INVALID_PARAM);
    regs.rip = back.rip;
    regs.fs_base = ~0ull;
    CHECK_ERR(task_write_registers(task, &regs), INVALID_PARAM);
    CHECK_ERR(task_write_tls_base(task, HELIOS_USER_TOP), INVALID_PARAM);
    CHECK_OK(task_write_tls_base(task, va));
    destroy(task);
}

VULCAN_TEST(task, exit) {
    Shared s;
    Thread* t = spawn([](uint64_t) { (void)sys::exit(77); }, arg_of(s));
    // exit ends only the calling task; its status stays readable.
    for (int i = 0; i < 100 && !(task_flags(t) & HELIOS_TASK_EXITED); ++i) (void)sys::yield();
    CHECK_OK(task_info(threads::task(t)));
    CHECK(ipcbuf()->params[0] & HELIOS_TASK_EXITED);
    CHECK_EQ(ipcbuf()->params[2], 77);
    CHECK_ERR(task_resume(threads::task(t)), INVALID_PARAM);
    kill_thread(t);
}

VULCAN_TEST(fault, read) {
    Shared s;
    s.addr = ctx().va + 0x18;
    helios_caddr_t ep;
    Thread* t = supervised([](uint64_t arg) { (void)vulcan_site_read(shared(arg)->addr); }, arg_of(s), &ep, 0xC00C1E);
    Fault f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_PAGE);
    CHECK_EQ(f.addr, s.addr);
    CHECK_EQ(f.ip, fn_addr(reinterpret_cast<const void*>(&vulcan_site_read)));
    CHECK_EQ(f.access, HELIOS_ACCESS_READ);
    CHECK_EQ(f.cookie, 0xC00C1E);
    SysResult info = task_info(threads::task(t));
    CHECK_OK(info);
    CHECK_EQ(f.task, info.value);
    CHECK(ipcbuf()->params[0] & HELIOS_TASK_FAULTED);
    CHECK(ipcbuf()->params[0] & HELIOS_TASK_SUSPENDED);
    // Fixed: the read is retried and succeeds.
    map_new_page(ctx().va, 0);
    CHECK_OK(threads::resume(t));
    join_thread(t);
}

VULCAN_TEST(fault, write) {
    Shared s;
    s.addr = ctx().va;
    helios_caddr_t page = map_new_page(s.addr, 0);  // read-only
    helios_caddr_t ep;
    Thread* t = supervised([](uint64_t arg) { vulcan_site_write(shared(arg)->addr, 5); }, arg_of(s), &ep);
    Fault f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_PAGE);
    CHECK_EQ(f.addr, s.addr);
    CHECK_EQ(f.access, HELIOS_ACCESS_WRITE | HELIOS_ACCESS_PRESENT);
    CHECK_EQ(f.ip, fn_addr(reinterpret_cast<const void*>(&vulcan_site_write)));
    CHECK_OK(page_protect(page, HELIOS_MAP_WRITE));
    CHECK_OK(threads::resume(t));
    join_thread(t);
    CHECK_EQ(*reinterpret_cast<volatile uint64_t*>(s.addr), 5);
}

VULCAN_TEST(fault, exec) {
    Shared s;
    s.addr = ctx().va;
    helios_caddr_t page = map_new_page(s.addr, HELIOS_MAP_WRITE);
    *reinterpret_cast<volatile uint8_t*>(s.addr) = 0xC3;  // ret
    CHECK_OK(page_protect(page, 0));                      // readable, not executable
    helios_caddr_t ep;
    Thread* t = supervised(
        [](uint64_t arg) {
            reinterpret_cast<void (*)()>(shared(arg)->addr)();
            shared(arg)->value = 1;
        },
        arg_of(s), &ep);
    Fault f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_PAGE);
    CHECK_EQ(f.addr, s.addr);
    CHECK_EQ(f.ip, s.addr);
    CHECK(f.access & HELIOS_ACCESS_EXEC);
    CHECK_OK(page_protect(page, HELIOS_MAP_EXEC));
    CHECK_OK(threads::resume(t));
    join_thread(t);
    CHECK_EQ(s.value, 1);
}

VULCAN_TEST(fault, general_protection) {
    helios_caddr_t ep;
    Thread* t = supervised([](uint64_t) { vulcan_site_hlt(); }, 0, &ep);
    Fault f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_GENERAL_PROTECTION);
    CHECK_EQ(f.ip, fn_addr(reinterpret_cast<const void*>(&vulcan_site_hlt)));
    // Resuming without a fix faults again at the same place.
    CHECK_OK(threads::resume(t));
    f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_GENERAL_PROTECTION);
    CHECK_EQ(f.ip, fn_addr(reinterpret_cast<const void*>(&vulcan_site_hlt)));
    skip(t, 1);
    CHECK_OK(threads::resume(t));
    join_thread(t);
}

VULCAN_TEST(fault, invalid_opcode) {
    helios_caddr_t ep;
    Thread* t = supervised([](uint64_t) { vulcan_site_ud2(); }, 0, &ep);
    Fault f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_INVALID_OPCODE);
    CHECK_EQ(f.ip, fn_addr(reinterpret_cast<const void*>(&vulcan_site_ud2)));
    skip(t, 2);
    CHECK_OK(threads::resume(t));
    join_thread(t);
}

VULCAN_TEST(fault, divide_error) {
    Shared s;
    helios_caddr_t ep;
    Thread* t = supervised([](uint64_t arg) { shared(arg)->value = vulcan_site_div(84, 0); }, arg_of(s), &ep);
    Fault f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_DIVIDE);
    CHECK_EQ(f.ip, fn_addr(vulcan_site_div_insn));
    // Fix the divisor in the saved registers; the division is retried.
    helios_regs regs;
    CHECK_OK(task_read_registers(threads::task(t), &regs));
    CHECK_EQ(regs.rsi, 0);
    regs.rsi = 2;
    CHECK_OK(task_write_registers(threads::task(t), &regs));
    CHECK_OK(threads::resume(t));
    join_thread(t);
    CHECK_EQ(s.value, 42);
}

VULCAN_TEST(fault, breakpoint) {
    Shared s;
    helios_caddr_t ep;
    Thread* t = supervised(
        [](uint64_t arg) {
            vulcan_site_int3();
            shared(arg)->value = 1;
        },
        arg_of(s), &ep);
    Fault f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_BREAKPOINT);
    CHECK_EQ(f.ip, fn_addr(reinterpret_cast<const void*>(&vulcan_site_int3)) + 1);  // a trap
    CHECK_EQ(s.value, 0);
    CHECK_OK(threads::resume(t));
    join_thread(t);
    CHECK_EQ(s.value, 1);
}

VULCAN_TEST(fault, single_step) {
    // The trap flag is the user's to set (HELIOS_USER_RFLAGS_MASK): a task
    // given TF through task_write_registers stops after each instruction
    // with a DEBUG fault, the ip after that instruction, on both machines.
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    Thread* t = spawn([](uint64_t) {}, 0, HELIOS_PRIORITY_DEFAULT, false);
    CHECK_OK(threads::set_fault(t, ep));
    uint64_t site = fn_addr(reinterpret_cast<const void*>(&vulcan_site_step));
    helios_regs regs;
    CHECK_OK(task_read_registers(threads::task(t), &regs));
    regs.rip = site;
    regs.rflags |= HELIOS_RFLAGS_TF;
    CHECK_OK(task_write_registers(threads::task(t), &regs));
    helios_regs back{};
    CHECK_OK(task_read_registers(threads::task(t), &back));
    CHECK(back.rflags & HELIOS_RFLAGS_TF);
    CHECK_OK(threads::start(t));
    Fault f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_DEBUG);
    CHECK_EQ(f.ip, site + 1);
    // The flag stays set: resuming steps one more instruction.
    CHECK_OK(threads::resume(t));
    f = recv_fault(ep);
    CHECK_EQ(f.kind, HELIOS_FAULT_DEBUG);
    CHECK_EQ(f.ip, site + 2);
    kill_thread(t);
}

VULCAN_TEST(fault, destroy_faulting) {
    Shared s;
    s.addr = ctx().va;
    helios_caddr_t ep;
    // Faulted, its record still queued on the endpoint: destroying the task
    // withdraws it.
    Thread* t = supervised([](uint64_t arg) { (void)vulcan_site_read(shared(arg)->addr); }, arg_of(s), &ep);
    CHECK(wait_blocked(t));
    CHECK(task_flags(t) & HELIOS_TASK_FAULTED);
    kill_thread(t);
    CHECK_ERR(sys::nbrecv(ep), WOULD_BLOCK);
    // Faulted and received: destroyed while stopped.
    t = supervised([](uint64_t arg) { (void)vulcan_site_read(shared(arg)->addr); }, arg_of(s), &ep);
    (void)recv_fault(ep);
    kill_thread(t);
    CHECK_EQ(live_threads(), 0);
}

VULCAN_TEST(fault, unhandled) {
    // No fault endpoint: the task stops, the kernel reports it and goes on.
    Shared s;
    s.addr = ctx().va;
    Thread* t = spawn([](uint64_t arg) { (void)vulcan_site_read(shared(arg)->addr); }, arg_of(s));
    CHECK(wait_blocked(t));
    uint64_t flags = task_flags(t);
    CHECK(flags & HELIOS_TASK_FAULTED);
    CHECK(flags & HELIOS_TASK_SUSPENDED);
    // Setting a fault endpoint afterwards and resuming retries the access.
    helios_caddr_t ep = alloc(HELIOS_CT_ENDPOINT);
    CHECK_OK(threads::set_fault(t, ep));
    CHECK_OK(threads::resume(t));
    Fault f = recv_fault(ep);
    CHECK_EQ(f.addr, s.addr);
    kill_thread(t);
}
