// Machine: boot, the run loop, and the translation of ptrace stops into kernel entries.
#include "sim/machine/machine.h"

#include "sim/devices/stdio_backend.h"
#include "sim/machine/host_memory.h"
#include "sim/ptrace/guest_regs.h"
#include "sim/ptrace/insn_decode.h"
#include "sim/ptrace/virtual_cpu.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <sys/syscall.h>
#include <unistd.h>
#include <csignal>

namespace helios::sim {

namespace {
Machine* g_machine = nullptr;
// The top of simulated RAM is a device-memory window (a stand-in for MMIO or
// a framebuffer), handed to init as its DevMem.
constexpr uint64_t kDevMemPages = 16;

// "rdtsc=trapped" -> "trapped" in a host profile line; "" when absent.
std::string profile_field(const std::string& profile, const std::string& key) {
    const std::string k = key + "=";
    size_t at = profile.find(k);
    if (at == std::string::npos || (at > 0 && profile[at - 1] != ' ')) return "";
    size_t end = profile.find(' ', at);
    return profile.substr(at + k.size(), end == std::string::npos ? std::string::npos : end - at - k.size());
}
// A rep string instruction looks at the timeout flag once per this many
// elements: often enough to stop within a millisecond, rarely enough to cost
// nothing next to the per-element copy.
constexpr uint64_t kStringIoCheckEvery = 4096;

}  // namespace

Machine& Machine::current() { return *g_machine; }

Machine::Machine(MachineConfig config) : config_(std::move(config)) { g_machine = this; }

Machine::~Machine() {
    threads_.clear();
    husks_.clear();  // kills every husk
    if (g_machine == this) g_machine = nullptr;
}

Status Machine::fit_limits_to_host() {
    if (!config_.max_address_spaces || !config_.max_tasks || !config_.max_mappings)
        return Status::failure("the host-resource limits (--max-address-spaces, --max-tasks, --max-mappings) "
                               "must be at least 1");
    // Each mapped page may be its own host mapping, and Linux refuses a
    // process more than vm.max_map_count of them; keep a margin for the
    // husk's own. The default fits Linux's default (65530).
    uint64_t host_max = 0;
    if (FILE* f = fopen("/proc/sys/vm/max_map_count", "re")) {
        unsigned long long v = 0;
        if (fscanf(f, "%llu", &v) == 1) host_max = v;
        fclose(f);
    }
    constexpr uint64_t kMargin = 1024;
    if (host_max > 0 && config_.max_mappings + kMargin > host_max) {
        const uint64_t fitted = host_max > 2 * kMargin ? host_max - kMargin : kMargin;
        fmt::print(stderr,
                   "helios-sim: warning: --max-mappings lowered from {} to {} (this host's vm.max_map_count is {}); "
                   "guests may get NOMEM sooner than on other hosts\n",
                   config_.max_mappings, fitted, host_max);
        config_.max_mappings = fitted;
    }
    return Status::success();
}

Status Machine::boot(const std::vector<uint8_t>& image) {
    // main() checks --mem and a scenario's mem= first (to pick the exit
    // code); this is the same rule for every other caller of boot().
    if (Status mem_ok = check_guest_memory(config_.memory_bytes, "memory size"); !mem_ok) return mem_ok;
    if (Status limits_ok = fit_limits_to_host(); !limits_ok) return limits_ok;
    spdlog::debug("host: {}", host_profile());
    if (config_.replay && !config_.replay->host.empty() && config_.replay->host != host_profile()) {
        const std::string then_tsc = profile_field(config_.replay->host, "rdtsc");
        const std::string now_tsc = profile_field(host_profile(), "rdtsc");
        if (then_tsc != now_tsc || profile_field(config_.replay->host, "cpuid") != profile_field(host_profile(), "cpuid"))
            fmt::print(stderr, "helios-sim: note: recorded on a host with '{}', replaying on '{}'; a guest that "
                               "reads the TSC or cpuid may see other values\n",
                       config_.replay->host, host_profile());
    }
    auto mem = PhysicalMemory::create(config_.memory_bytes);
    if (!mem) return mem.status();
    memory_ = std::move(*mem);

    std::string err;
    com1_end_ = parse_char_backend(config_.com1, err, "COM1");
    if (!com1_end_) return Status::failure("--com1: " + err);
    com2_end_ = parse_char_backend(config_.com2, err, "COM2");
    if (!com2_end_) return Status::failure("--com2: " + err);
    com1_.on_tx = [this](uint8_t b) { com1_end_->write(&b, 1); };
    com2_.on_tx = [this](uint8_t b) { com2_end_->write(&b, 1); };
    com1_.on_irq_change = [this](bool level) { pic_.set_level(kCom1Irq, level); };
    com2_.on_irq_change = [this](bool level) { pic_.set_level(kCom2Irq, level); };
    if (!config_.trace_path.empty()) {
        trace_ = TraceWriter::open(config_.trace_path, err, config_.trace_limit_bytes);
        if (!trace_) return Status::failure(err);
    }

    uint64_t ram = config_.memory_bytes - kDevMemPages * HELIOS_PAGE_SIZE;
    auto root = kernel_.init(0, ram);
    if (!root.ok()) return Status::failure(fmt::format("kernel init failed: {}", error_name(root.error())));
    root_ = *root;

    schedule_ = config_.injections;
    if (config_.replay)
        schedule_.insert(schedule_.end(), config_.replay->injections.begin(), config_.replay->injections.end());
    std::stable_sort(schedule_.begin(), schedule_.end(),
                     [](const Injection& a, const Injection& b) { return a.vtime < b.vtime; });
    if (!config_.record_path.empty()) {
        recorder_ = ScenarioWriter::create(config_.record_path, err, config_.trace_limit_bytes);
        if (!recorder_) return Status::failure(err);
        recorder_->header(config_.image_path, image_hash(image), image.size(), config_.memory_bytes, config_.cmdline);
        recorder_->limits({config_.max_address_spaces, config_.max_tasks, config_.max_mappings}, host_profile());
    }

    symbols_ = std::make_unique<Symbolizer>(image);

    BootConfig boot{};
    boot.initramfs = image.data();
    boot.initramfs_size = image.size();
    boot.devmem_base = ram;
    boot.devmem_pages = kDevMemPages;
    boot.cmdline = config_.cmdline.c_str();
    BootError why;
    auto init = boot_init(kernel_, *root_, boot, &why);
    if (!init.ok()) {
        std::string msg = why.what ? why.what : "boot failed";
        if (why.detail) msg += fmt::format(": {}", why.detail);
        return Status::failure(msg);
    }
    return Status::success();
}

// ---- registers --------------------------------------------------------------

void Machine::load_regs(Task& task, const user_regs_struct& r) {
    helios_regs& h = task.regs;
    h.rax = r.rax, h.rbx = r.rbx, h.rcx = r.rcx, h.rdx = r.rdx, h.rsi = r.rsi, h.rdi = r.rdi;
    h.rbp = r.rbp, h.rsp = r.rsp, h.r8 = r.r8, h.r9 = r.r9, h.r10 = r.r10, h.r11 = r.r11;
    h.r12 = r.r12, h.r13 = r.r13, h.r14 = r.r14, h.r15 = r.r15;
    h.rip = r.rip, h.rflags = r.eflags, h.fs_base = r.fs_base, h.gs_base = r.gs_base;
    task.dirty = kDirtyNone;
}

void Machine::store_regs(const Task& task, user_regs_struct& r) {
    const helios_regs& h = task.regs;
    r.rax = h.rax, r.rbx = h.rbx, r.rcx = h.rcx, r.rdx = h.rdx, r.rsi = h.rsi, r.rdi = h.rdi;
    r.rbp = h.rbp, r.rsp = h.rsp, r.r8 = h.r8, r.r9 = h.r9, r.r10 = h.r10, r.r11 = h.r11;
    r.r12 = h.r12, r.r13 = h.r13, r.r14 = h.r14, r.r15 = h.r15;
    r.rip = h.rip, r.eflags = h.rflags, r.fs_base = h.fs_base, r.gs_base = h.gs_base;
}

// ---- address spaces and threads ----------------------------------------------

HuskProcess* Machine::husk_for(VSpace& vs) {
    auto it = husks_.find(vs.id());
    if (it != husks_.end()) return it->second.get();
    if (broken_vspaces_.count(vs.id())) return nullptr;
    auto husk = HuskProcess::spawn(*memory_, default_husk_path(), config_.traps);
    if (!husk) {
        // The host refused (no more processes, no memory): this address
        // space cannot run, its tasks fault when scheduled; the run goes on.
        guest_message(fmt::format("warning: cannot start a husk for vspace {}: {}", vs.id(), husk.message()));
        broken_vspaces_.insert(vs.id());
        return nullptr;
    }
    HuskProcess* h = husk->get();
    husks_[vs.id()] = std::move(*husk);
    return h;
}

static int prot_of(unsigned flags) {
    return PROT_READ | ((flags & HELIOS_MAP_WRITE) ? PROT_WRITE : 0) | ((flags & HELIOS_MAP_EXEC) ? PROT_EXEC : 0);
}

void Machine::map_page(VSpace& vs, uint64_t vaddr, uint64_t phys, unsigned flags) {
    if (vaddr < kUserBottom) return;  // never a host mapping: accesses are emulated (absorb_stop)
    HuskProcess* h = husk_for(vs);
    if (!h) return;
    Status st = h->map(vaddr, phys, HELIOS_PAGE_SIZE, prot_of(flags));
    if (!st) guest_message(fmt::format("warning: mapping {:#x} in vspace {}: {}", vaddr, vs.id(), st.message()));
}

void Machine::unmap_page(VSpace& vs, uint64_t vaddr) {
    if (vaddr < kUserBottom) return;
    auto it = husks_.find(vs.id());
    if (it == husks_.end()) return;
    (void)it->second->unmap(vaddr, HELIOS_PAGE_SIZE);
}

void Machine::vspace_destroyed(VSpace& vs) {
    for (auto it = threads_.begin(); it != threads_.end();) {
        auto found = husks_.find(vs.id());
        if (found != husks_.end() && it->second.husk == found->second.get())
            it = threads_.erase(it);
        else
            ++it;
    }
    husks_.erase(vs.id());
    broken_vspaces_.erase(vs.id());
}

bool Machine::admit_object(unsigned type, uint64_t live) const {
    if (type == HELIOS_CT_VSPACE) return live < config_.max_address_spaces;
    if (type == HELIOS_CT_TASK) return live < config_.max_tasks;
    return true;
}

bool Machine::admit_mapping(VSpace&, uint64_t mapped) const {
    return mapped < config_.max_mappings;
}

void Machine::task_destroyed(Task& task) {
    auto it = threads_.find(task.id());
    if (it == threads_.end()) return;
    (void)it->second.husk->kill_thread(it->second.tid);
    threads_.erase(it);
}

void Machine::task_exited(Task& task, uint64_t status) {
    if (&task == kernel_.init_task()) init_exit_ = static_cast<int>(status & 0xFF);
    task_destroyed(task);  // its Linux thread is no longer needed
}

Result<Machine::Thread*> Machine::thread_for(Task& task) {
    auto it = threads_.find(task.id());
    VSpace* vs = task.vspace();
    HuskProcess* h = vs ? husk_for(*vs) : nullptr;
    if (!h) return Status::failure(vs ? "its address space has no husk process" : "task without an address space");
    if (it != threads_.end() && it->second.husk != h) {
        // Reconfigured into another vspace: move to a thread of that husk.
        (void)it->second.husk->kill_thread(it->second.tid);
        threads_.erase(it);
        it = threads_.end();
    }
    if (it == threads_.end()) {
        auto tid = h->create_thread();
        if (!tid) return tid.status();
        Thread th;
        th.husk = h;
        th.tid = *tid;
        th.regs = initial_guest_regs(0, 0);
        it = threads_.emplace(task.id(), th).first;
        task.dirty = kDirtyAll;
    }
    return &it->second;
}

// ---- devices -------------------------------------------------------------------

uint32_t Machine::port_in(uint16_t port, unsigned width) {
    uint32_t v = 0;
    for (unsigned i = 0; i < width; ++i) {
        uint16_t p = static_cast<uint16_t>(port + i);
        uint8_t b = 0xFF;
        if (p >= kCom1Base && p < kCom1Base + 8)
            b = com1_.read(p - kCom1Base);
        else if (p >= kCom2Base && p < kCom2Base + 8)
            b = com2_.read(p - kCom2Base);
        v |= static_cast<uint32_t>(b) << (8 * i);
    }
    return v;
}

void Machine::port_out(uint16_t port, unsigned width, uint32_t value) {
    for (unsigned i = 0; i < width; ++i) {
        uint16_t p = static_cast<uint16_t>(port + i);
        uint8_t b = static_cast<uint8_t>(value >> (8 * i));
        if (p >= kCom1Base && p < kCom1Base + 8)
            com1_.write(p - kCom1Base, b);
        else if (p >= kCom2Base && p < kCom2Base + 8)
            com2_.write(p - kCom2Base, b);
    }
}

void Machine::console_write(const char* text, size_t length) {
    // The kernel console is COM1's far end, as on a PC with a serial console.
    com1_end_->write(reinterpret_cast<const uint8_t*>(text), length);
}

void Machine::trace(const arch::TraceEvent& event) {
    if (trace_) trace_->write(clock_.now(), event);
    if (trace_ && trace_->truncated() && !trace_limit_warned_) {
        trace_limit_warned_ = true;
        fmt::print(stderr, "helios-sim: warning: the trace '{}' reached --trace-limit ({} bytes); later events are "
                           "not written (the run goes on)\n", config_.trace_path, config_.trace_limit_bytes);
    }
    if (!recorder_ && !config_.replay) return;
    std::string text = TraceWriter::format(clock_.now(), event);
    uint64_t index = event_index_++;
    if (recorder_) {
        recorder_->event(index, text);
        if (recorder_->truncated() && !record_limit_warned_) {
            record_limit_warned_ = true;
            fmt::print(stderr, "helios-sim: warning: the recording '{}' reached --trace-limit ({} bytes); it ends "
                               "here and replays as a cut-off recording (the run goes on)\n", config_.record_path,
                       config_.trace_limit_bytes);
        }
    }
    // A hand-written scenario with no events checks nothing: it only injects.
    const Scenario* sc = config_.replay;
    if (sc && sc->events.empty() && !sc->complete) sc = nullptr;
    if (sc && divergence_.empty() && !cutoff_reached_) {
        if (index >= sc->events.size()) {
            if (sc->complete)
                divergence_ = divergence_report("(no more events: the recording ended here)", text);
            else
                cutoff_reached_ = true;
        } else if (sc->events[index] != text) {
            divergence_ = divergence_report(sc->events[index], text);
        }
    }
    history_.push_back(fmt::format("event {} {}", index, text));
    if (history_.size() > 12) history_.pop_front();
}

std::string Machine::divergence_report(const std::string& expected, const std::string& actual) {
    std::string r = fmt::format("replay diverged at event {}\n  expected: {}\n  actual:   {}\n  recent history:\n",
                                event_index_ - 1, expected, actual);
    for (const std::string& h : history_) r += "    " + h + "\n";
    r += host_difference_note();
    return r;
}

std::string Machine::host_profile() const {
    HostTraps t = host_traps();
    t.rdtsc = t.rdtsc && config_.traps.tsc;
    t.cpuid = t.cpuid && config_.traps.cpuid;
    return t.describe();
}

std::string Machine::host_difference_note() {
    const Scenario* sc = config_.replay;
    if (!sc) return "";
    const std::string here = host_profile();
    std::string note;
    const std::string then_tsc = profile_field(sc->host, "rdtsc"), now_tsc = profile_field(here, "rdtsc");
    if (!then_tsc.empty() && then_tsc != now_tsc) {
        if (now_tsc == "trapped" && guest_read_tsc_) {
            const GuestRead& g = *guest_read_tsc_;
            note += fmt::format(
                "  hosts differ: the recording host could not trap rdtsc (its guest read that host's TSC, which "
                "nothing records); here the guest executed rdtsc {} times, first in {} at {} (before event {}): "
                "the likely cause\n",
                guest_tsc_reads_, g.program.empty() ? "?" : g.program,
                symbols_ ? symbols_->describe(g.program, g.ip) : fmt::format("{:#x}", g.ip), g.event_index);
        } else if (now_tsc == "native") {
            for (const std::string& r : sc->guest_reads)
                if (r.rfind("rdtsc", 0) == 0)
                    note += "  hosts differ: this host cannot trap rdtsc, and the recording's guest executed it (" +
                            r + "): here it read this host's TSC instead of virtual time: the likely cause\n";
        }
    }
    if (now_tsc == "native" && note.empty() && symbols_) {
        // Nothing observed it here (rdtsc runs natively); say where the
        // image's programs could have read the host's clock.
        auto sites = symbols_->tsc_reads(4);
        if (!sites.empty()) {
            note += "  this host cannot trap rdtsc; where a guest ran one of these it read the host's TSC, which no "
                    "recording holds:\n";
            for (const std::string& site : sites) note += "    " + site + "\n";
        }
    }
    const std::string then_cpuid = profile_field(sc->host, "cpuid"), now_cpuid = profile_field(here, "cpuid");
    if (!then_cpuid.empty() && then_cpuid != now_cpuid)
        note += fmt::format("  hosts differ: cpuid was {} when recorded and is {} here (a guest reading cpuid sees "
                            "different values)\n",
                            then_cpuid, now_cpuid);
    return note;
}

bool Machine::has_live_input() const {
    if (next_injection_ < schedule_.size()) return true;  // scheduled input is still to come
    if (config_.replay) return false;
    return com1_end_->poll_fd() >= 0 || com2_end_->poll_fd() >= 0 || com1_end_->has_buffered_input() ||
           com2_end_->has_buffered_input();
}

void Machine::wait_for_input(int timeout_ms) {
    struct pollfd fds[2];
    int n = 0;
    for (CharBackend* end : {com1_end_.get(), com2_end_.get()})
        if (end->poll_fd() >= 0) fds[n++] = {end->poll_fd(), POLLIN, 0};
    if (n) (void)::poll(fds, n, timeout_ms);
}

void Machine::poll_input() {
    struct Port {
        Uart16550& uart;
        CharBackend& end;
    };
    for (Port port : {Port{com1_, *com1_end_}, Port{com2_, *com2_end_}}) {
        port.end.service();
        uint8_t buf[16];
        size_t space = port.uart.rx_space();
        if (space == 0) continue;
        size_t n = port.end.read(buf, space < sizeof buf ? space : sizeof buf);
        if (n == 0) continue;
        unsigned index = &port.uart == &com1_ ? 0 : 1;
        if (recorder_) {
            Injection inj;
            inj.kind = Injection::Kind::UartInput;
            inj.vtime = clock_.now();
            inj.boundary = boundary_;
            inj.port = index;
            inj.bytes.assign(buf, buf + n);
            recorder_->injection(inj);
        }
        push_uart_bytes(index, buf, n);
    }
}

void Machine::push_uart_bytes(unsigned port, const uint8_t* bytes, size_t n) {
    Uart16550& uart = port == 0 ? com1_ : com2_;
    for (size_t i = 0; i < n; ++i) {
        uint8_t b = bytes[i];
        if (uart_corrupt_[port]) {
            b ^= *uart_corrupt_[port];
            uart_corrupt_[port].reset();
        }
        uart.push_rx(b);
    }
}

void Machine::apply_injection(const Injection& inj) {
    if (recorder_) {
        Injection rec = inj;
        rec.vtime = clock_.now();
        rec.boundary = boundary_;
        recorder_->injection(rec);
    }
    auto find_task = [this](uint32_t id) -> Task* {
        for (Task* t : tasks())
            if (t->id() == id) return t;
        return nullptr;
    };
    switch (inj.kind) {
        case Injection::Kind::UartInput: push_uart_bytes(inj.port, inj.bytes.data(), inj.bytes.size()); break;
        case Injection::Kind::Preempt: kernel_.enter_tick(); break;
        case Injection::Kind::FailAlloc:
            kernel_.fail_next_allocations(kernel_.pending_allocation_failures() + inj.count);
            break;
        case Injection::Kind::IrqDrop: irq_drop_[inj.line]++; break;
        case Injection::Kind::IrqDup: irq_dup_[inj.line]++; break;
        case Injection::Kind::SpuriousIrq: kernel_.enter_irq(inj.line); break;
        case Injection::Kind::UartCorrupt: uart_corrupt_[inj.port] = inj.xor_mask; break;
        case Injection::Kind::KillTask:
            // The program dies as a crash or an OOM killer would end it.
            if (Task* t = find_task(inj.task)) kernel_.kill_program(*t);
            break;
        case Injection::Kind::Fault:
            if (Task* t = find_task(inj.task); t && !t->exited) {
                FaultInfo f{static_cast<helios_fault_kind>(inj.fault_kind), inj.addr, t->regs.rip, 0};
                kernel_.enter_fault(*t, f);
            }
            break;
    }
}

void Machine::deliver_irqs() {
    while (auto line = pic_.next_pending()) {
        if (irq_drop_[*line]) {
            // Lost on the way: the kernel never hears of it, and the line
            // stays masked as if it had been delivered.
            irq_drop_[*line]--;
            pic_.mask(*line);
            continue;
        }
        kernel_.enter_irq(*line);
        if (irq_dup_[*line]) {
            irq_dup_[*line]--;
            kernel_.enter_irq(*line);
        }
    }
}

void Machine::kernel_entry_boundary() {
    ++boundary_;
    tsc_reads_since_boundary_ = 0;
    // A replay takes its input from the scenario only; a live run from the
    // far ends (and records what it took).
    if (!config_.replay) poll_input();
    while (next_injection_ < schedule_.size()) {
        const Injection& inj = schedule_[next_injection_];
        bool due = inj.boundary ? *inj.boundary <= boundary_ : inj.vtime <= clock_.now();
        if (!due) break;
        ++next_injection_;
        apply_injection(inj);
    }
    if (clock_.now() >= next_tick_) {
        next_tick_ = clock_.now() - clock_.now() % kTickNs + kTickNs;
        kernel_.enter_tick();
    }
    deliver_irqs();
    if (recorder_) recorder_->flush();
}

// ---- stops -----------------------------------------------------------------------

bool Machine::handle_port_io(Task& task, Thread& th) {
    uint8_t insn[15];
    size_t n = th.husk->read_instruction(th.regs.rip, insn, sizeof insn);
    auto io = decode_port_io(insn, n);
    if (!io) return false;
    uint16_t port = io->port_is_imm ? io->port : static_cast<uint16_t>(th.regs.rdx);
    if (!kernel_.task_may_access_port(task, port, io->width)) {
        FaultInfo f{HELIOS_FAULT_IOPORT, port, th.regs.rip, io->is_in ? HELIOS_ACCESS_READ : HELIOS_ACCESS_WRITE};
        kernel_.enter_fault(task, f);
        return true;
    }
    uint64_t mask = io->width == 4 ? 0xFFFFFFFFull : io->width == 2 ? 0xFFFFull : 0xFFull;
    // One PortIo event: port, direction and width; the rest per kind.
    auto io_event = [&](uint64_t value) {
        arch::TraceEvent e{};
        e.kind = arch::TraceKind::PortIo;
        e.task_id = task.id();
        e.number = port;
        e.args[0] = io->is_in;
        e.args[1] = io->width;
        e.value = value;
        return e;
    };
    auto trace_io = [&](uint32_t value) { trace(io_event(value)); };
    if (!io->is_string) {
        if (io->is_in) {
            uint64_t v = port_in(port, io->width);
            trace_io(static_cast<uint32_t>(v));
            // 32-bit results zero-extend into rax, narrower ones merge.
            th.regs.rax = io->width == 4 ? v : (th.regs.rax & ~mask) | v;
        } else {
            trace_io(static_cast<uint32_t>(th.regs.rax & mask));
            port_out(port, io->width, static_cast<uint32_t>(th.regs.rax & mask));
        }
    } else {
        // ins/outs, with or without rep: one trace event for the whole
        // instruction (a guest must not turn one trap into millions of
        // lines), carrying the count, the first bytes and a hash of all of
        // them. A replay of a v1 recording (traced byte by byte) keeps the
        // old per-element events so the corpus still replays.
        const bool per_element = config_.replay && config_.replay->version < 2;
        const uint64_t count = io->rep ? th.regs.rcx : 1;
        const bool down = th.regs.eflags & 0x400;  // DF
        const uint64_t step = down ? -static_cast<uint64_t>(io->width) : io->width;
        VSpace& vs = *task.vspace();
        StringIoDigest digest;
        uint64_t done = 0;
        bool faulted = false;
        for (; done < count; ++done) {
            // --timeout is a hard bound even inside one instruction: a rep
            // over hundreds of MB takes seconds. Stop between elements with
            // rcx/rsi/rdi saying what was done and rip still here, as an
            // interrupt would leave them, so the instruction could resume.
            if (done % kStringIoCheckEvery == kStringIoCheckEvery - 1 && timed_out_.load(std::memory_order_relaxed))
                break;
            uint32_t v = 0;
            if (io->is_in) {
                v = port_in(port, io->width);
                if (per_element) trace_io(v);
                if (!kernel_.copy_to_user(vs, th.regs.rdi, &v, io->width)) {
                    faulted = true;
                    break;
                }
                th.regs.rdi += step;
            } else {
                if (!kernel_.copy_from_user(vs, th.regs.rsi, &v, io->width)) {
                    faulted = true;
                    break;
                }
                if (per_element) trace_io(v);
                port_out(port, io->width, v);
                th.regs.rsi += step;
            }
            digest.add(v, io->width);
            if (io->rep) th.regs.rcx--;
        }
        if (!per_element && done > 0) {
            arch::TraceEvent e = io_event(digest.hash);
            e.args[2] = done;
            e.args[3] = kPortIoString | (down ? kPortIoDown : 0);
            e.args[4] = digest.head[0];
            e.args[5] = digest.head[1];
            trace(e);
        }
        if (faulted) {
            // The memory operand faulted: report it like hardware would.
            load_regs(task, th.regs);
            FaultInfo f{HELIOS_FAULT_PAGE, io->is_in ? th.regs.rdi : th.regs.rsi, th.regs.rip,
                        io->is_in ? HELIOS_ACCESS_WRITE : HELIOS_ACCESS_READ};
            kernel_.enter_fault(task, f);
            return true;
        }
        if (done < count) {
            // Stopped by the timeout: rip stays at the instruction.
            load_regs(task, th.regs);
            return true;
        }
    }
    th.regs.rip += io->length;
    load_regs(task, th.regs);
    return true;
}

void Machine::guest_message(const std::string& text) {
    // A guest can cause these as often as it likes (a new task faulting
    // each time): stderr is the user's terminal or a pipe the simulator
    // cannot make non-blocking, so they are bounded.
    constexpr uint64_t kMaxGuestMessages = 200;
    if (++guest_messages_ <= kMaxGuestMessages) {
        fmt::print(stderr, "helios-sim: {}\n", text);
        if (guest_messages_ == kMaxGuestMessages)
            fmt::print(stderr, "helios-sim: ({} messages caused by the guest: later ones are not shown)\n",
                       kMaxGuestMessages);
    }
}

void Machine::host_failure(Task& task, const std::string& what) {
    guest_message(fmt::format("warning: task {}: {}; the task faults, the run goes on", task.id(), what));
    entries_++;
    clock_.advance(kEntryCostNs);
    FaultInfo f{HELIOS_FAULT_GENERAL_PROTECTION, 0, task.regs.rip, 0};
    report_fault(task, f);
    kernel_.enter_fault(task, f);
}

void Machine::handle_stop(Task& task, Thread& th, const StopEvent& ev) {
    if (ev.kind != StopKind::Exited && ev.kind != StopKind::Killed && refuse_foreign_entry(task, th, ev)) return;
    switch (ev.kind) {
        case StopKind::Syscall:
            task.regs.rax = ev.syscall_nr;
            kernel_.enter_syscall(task);
            return;
        case StopKind::Signal:
        case StopKind::SingleStep: {
            FaultInfo f{HELIOS_FAULT_GENERAL_PROTECTION, 0, th.regs.rip, 0};
            switch (ev.signo) {
                case SIGSYS:
                    // The husk's seccomp filter trapped a system call that
                    // bypassed emulation (a call into the vsyscall page).
                    spdlog::debug("task {}: a system call at {:#x} reached the husk's filter (SIGSYS)", task.id(),
                                  th.regs.rip);
                    break;
                case SIGSEGV:
                case SIGBUS:
                    if (ev.si_code == SI_KERNEL || (ev.signo == SIGSEGV && ev.fault_addr == 0 && ev.si_code > 2)) {
                        if (handle_port_io(task, th)) return;
                        break;  // a general protection fault
                    }
                    {
                        uint8_t insn[15];
                        size_t n = th.husk->read_instruction(th.regs.rip, insn, sizeof insn);
                        MemAccess a = classify_access(insn, n, ev.fault_addr, th.regs.rip, &th.regs);
                        f.kind = HELIOS_FAULT_PAGE;
                        f.addr = ev.fault_addr;
                        f.access = (a == MemAccess::Write ? HELIOS_ACCESS_WRITE
                                    : a == MemAccess::Exec ? HELIOS_ACCESS_EXEC
                                                           : HELIOS_ACCESS_READ) |
                                   (ev.si_code == SEGV_ACCERR ? HELIOS_ACCESS_PRESENT : 0);
                    }
                    break;
                case SIGILL: f.kind = HELIOS_FAULT_INVALID_OPCODE; break;
                case SIGFPE: f.kind = HELIOS_FAULT_DIVIDE; break;
                case SIGTRAP:
                    // A trace trap (the guest set TF) is a debug exception, as
                    // on hardware; int3 is a breakpoint.
                    f.kind = ev.kind == StopKind::SingleStep || ev.si_code == TRAP_TRACE ? HELIOS_FAULT_DEBUG
                                                                                         : HELIOS_FAULT_BREAKPOINT;
                    break;
                default: break;
            }
            report_fault(task, f);
            kernel_.enter_fault(task, f);
            return;
        }
        case StopKind::Preempted:
            // The wall-clock slice ran out (free-running mode) or the run is
            // being stopped: a timer interrupt, recorded since it came from
            // outside the guest.
            if (recorder_) {
                Injection inj;
                inj.kind = Injection::Kind::Preempt;
                inj.vtime = clock_.now();
                inj.boundary = boundary_ + 1;
                recorder_->injection(inj);
            }
            if (!timed_out_) kernel_.enter_tick();
            return;
        case StopKind::Exited:
        case StopKind::Killed: {
            // The Linux thread vanished under us (killed from outside): the
            // task faults, and gets a fresh thread if it is ever resumed.
            threads_.erase(task.id());
            FaultInfo f{HELIOS_FAULT_GENERAL_PROTECTION, 0, task.regs.rip, 0};
            kernel_.enter_fault(task, f);
            return;
        }
    }
}

void Machine::report_fault(Task& task, const FaultInfo& fault) {
    // A supervised fault is routine (a supervisor may be paging); an
    // unsupervised one stops the task, so say where, in source terms.
    std::string program = task.vspace() ? program_name(*task.vspace()) : "";
    std::string where = symbols_ ? symbols_->describe(program, fault.ip) : fmt::format("{:#x}", fault.ip);
    const char* kind = helios_fault_kind_text(fault.kind) ? helios_fault_kind_text(fault.kind) : "fault";
    std::string line = fmt::format("{} (task {}): {} at {} addr {:#x}", program.empty() ? "?" : program, task.id(),
                                   kind, where, fault.addr);
    if (task.fault_endpoint())
        spdlog::debug("fault: {}", line);
    else
        guest_message("unsupervised fault: " + line);
}

void Machine::watchdog(std::chrono::steady_clock::time_point start) {
    using namespace std::chrono;
    const auto slice = milliseconds(10);
    std::unique_lock lock(watchdog_mutex_);
    while (!watchdog_stop_) {
        watchdog_cv_.wait_for(lock, milliseconds(5));
        if (watchdog_stop_) break;
        auto now = steady_clock::now();
        bool expired = config_.timeout_seconds > 0 && now - start > duration<double>(config_.timeout_seconds);
        if (expired) timed_out_ = true;
        pid_t pid = running_pid_.load(), tid = running_tid_.load();
        if (tid == 0) continue;
        auto ran = nanoseconds(steady_clock::now().time_since_epoch().count() - running_since_.load());
        // A guest that never enters the kernel is interrupted: at the end of
        // its slice (free-running), or when the run must stop (timeout).
        if (expired || (config_.free_running && ran > slice)) {
            running_tid_ = 0;
            ::syscall(SYS_tgkill, pid, tid, kPreemptSignal);
        }
    }
}

RunOutcome Machine::run() {
    auto start = std::chrono::steady_clock::now();
    std::thread dog;
    if (config_.free_running || config_.timeout_seconds > 0) dog = std::thread([this, start] { watchdog(start); });
    RunOutcome outcome = run_loop();
    if (dog.joinable()) {
        {
            std::lock_guard lock(watchdog_mutex_);
            watchdog_stop_ = true;
        }
        watchdog_cv_.notify_all();
        dog.join();
    }
    const Scenario* sc = config_.replay;
    if (sc && sc->events.empty() && !sc->complete) sc = nullptr;
    if (sc && divergence_.empty() && !cutoff_reached_) {
        if (event_index_ < sc->events.size())
            outcome = {3, divergence_report(sc->events[event_index_], fmt::format("(the run ended: {})", outcome.reason))};
        else if (sc->exit_status && *sc->exit_status != outcome.exit_code)
            outcome = {3, fmt::format("replay ended with status {}, the recording with {}", outcome.exit_code,
                                      *sc->exit_status)};
        else
            outcome = {0, fmt::format("replay matched all {} events ({})", event_index_, outcome.reason)};
    }
    if (recorder_ && guest_read_tsc_) {
        // Only known where rdtsc traps: lets a replay on a host that cannot
        // trap it explain a divergence (host_difference_note).
        const GuestRead& g = *guest_read_tsc_;
        recorder_->comment(fmt::format(
            "guest-read rdtsc count={} first program={} ip={:#x} at={} event={}", guest_tsc_reads_,
            g.program.empty() ? "?" : g.program, g.ip,
            symbols_ ? symbols_->describe(g.program, g.ip) : fmt::format("{:#x}", g.ip), g.event_index));
    }
    if (recorder_) recorder_->end(outcome.exit_code, outcome.reason);
    if (debug_) debug_->on_exit(*this, outcome.exit_code);
    return outcome;
}

HuskProcess* Machine::husk_of(Task& task) {
    auto th = thread_for(task);
    return th ? (*th)->husk : nullptr;
}

pid_t Machine::linux_tid_of(const Task& task) const {
    auto it = threads_.find(task.id());
    return it == threads_.end() ? 0 : it->second.tid;
}

std::vector<Task*> Machine::tasks() {
    std::vector<Task*> out;
    std::vector<Object*> stack{root_};
    while (!stack.empty()) {
        Object* o = stack.back();
        stack.pop_back();
        if (auto* t = downcast<Task>(o)) out.push_back(t);
        if (auto* m = downcast<Memory>(o)) {
            // Push in reverse so children are visited in creation order.
            std::vector<Object*> kids;
            for (Object* c = m->children.front(); c; c = m->children.next(c)) kids.push_back(c);
            for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
        }
    }
    std::sort(out.begin(), out.end(), [](Task* a, Task* b) { return a->id() < b->id(); });
    return out;
}

std::string Machine::program_name(VSpace& vs) {
    if (kernel_.init_task() && kernel_.init_task()->vspace() == &vs) return "init";
    // Programs started by a loader have a read-only procinfo page naming them.
    auto phys = kernel_.translate(vs, HELIOS_PROCINFO_ADDR, false);
    if (!phys.ok() || *phys + sizeof(helios_procinfo) > memory_->size()) return "";
    const auto* info = static_cast<const helios_procinfo*>(phys_to_virt(*phys));
    if (info->magic != HELIOS_PROCINFO_MAGIC) return "";
    size_t n = 0;
    while (n < sizeof info->name && info->name[n] != '\0') ++n;
    return std::string(info->name, n);
}

std::string Machine::task_name(const Task& task) const {
    if (&task == kernel_.init_task()) return "init";
    if (VSpace* vs = task.vspace()) {
        std::string name = const_cast<Machine*>(this)->program_name(*vs);
        if (!name.empty()) return name;
    }
    return fmt::format("task{}", task.id());
}

RunOutcome Machine::run_loop() {
    auto start = std::chrono::steady_clock::now();
    // The rule for virtual time (docs/virtual-time.md), enforced here and
    // only here: an iteration that ends in a kernel entry (a syscall, fault
    // or tick of the guest's own), or in idling, is a boundary: virtual time
    // advances, input and injections are taken, ticks fire. An iteration the
    // debugger ends (a breakpoint, a single step, a watchpoint trap, a change
    // it made to the system) is not: it leaves time, the boundary count and
    // the event trace exactly as they were, however long the stop lasted.
    bool boundary_due = true;
    for (;;) {
        if (!divergence_.empty()) return {3, divergence_};
        if (cutoff_reached_)
            return {0, fmt::format("the scenario was cut off after {} events (its recorder died); the replay "
                                   "matched up to there", config_.replay->events.size())};
        if (init_exit_) return {*init_exit_, fmt::format("init exited with status {}", *init_exit_)};
        if (!fatal_.empty()) return {70, fatal_};
        if (exit_request_) return *exit_request_;
        if (config_.timeout_seconds > 0) {
            double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (elapsed > config_.timeout_seconds || timed_out_)
                return {124, fmt::format("timeout: stopped after {} s", config_.timeout_seconds)};
        }
        if (boundary_due) kernel_entry_boundary();
        boundary_due = true;
        Task* task = kernel_.current();
        if (!task) {
            if (!kernel_.init_task()) return {70, "init was destroyed"};
            if (!has_live_input()) return {75, "every task is blocked and no input can arrive (deadlock)"};
            // Idle: virtual time jumps to the next tick; wait for input.
            clock_.advance_to(next_tick_);
            if (debug_) debug_->on_idle(*this);  // the debugger may stop the idle system
            bool buffered = com1_end_->has_buffered_input() || com2_end_->has_buffered_input();
            if (!config_.replay && next_injection_ >= schedule_.size() && !buffered) wait_for_input(50);
            continue;
        }
        auto th = thread_for(*task);
        if (!th) {
            host_failure(*task, "the host gave it no thread (" + th.message() + ")");
            continue;
        }
        Thread& t = **th;
        if (Status flushed = t.husk->flush(); !flushed) {
            host_failure(*task, "the host refused a mapping (" + flushed.message() + ")");
            continue;
        }
        bool step = debug_ && debug_->before_run(*this, *task);
        if (task != kernel_.current() || exit_request_) {  // the debugger changed the system
            boundary_due = false;
            continue;
        }
        if (task->dirty != kDirtyNone) store_regs(*task, t.regs);
        running_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
        running_pid_ = t.husk->pid();
        running_tid_ = t.tid;
        Result<StopEvent> ev = Status::failure("not run");
        for (;;) {
            ev = t.husk->run(t.tid, t.regs, step);
            // Stops the virtual CPU finishes itself are no kernel entry: no
            // virtual time, no boundary, no event; the guest just goes on.
            if (timed_out_ || !ev || !absorb_stop(*task, t, *ev)) break;
            if (step) {  // the debugger's single step is done
                StopEvent stepped;
                stepped.kind = StopKind::SingleStep;
                stepped.signo = SIGTRAP;
                stepped.si_code = TRAP_TRACE;
                ev = stepped;
                break;
            }
        }
        running_tid_ = 0;
        if (timed_out_) continue;  // the watchdog stopped the guest: report the timeout, not a stop
        if (!ev) return {70, "running task failed: " + ev.message()};
        bool gone = ev->kind == StopKind::Exited || ev->kind == StopKind::Killed;
        if (debug_ && !gone && debug_->on_stop(*this, *task, *ev, t.regs)) {
            load_regs(*task, t.regs);
            boundary_due = false;  // the debugger's stop: no time, no boundary, no event
            continue;
        }
        entries_++;
        clock_.advance(kEntryCostNs);
        if (!gone) load_regs(*task, t.regs);
        handle_stop(*task, t, *ev);
    }
}

}  // namespace helios::sim
