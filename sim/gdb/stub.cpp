// GdbStub: the machine side of the GDB remote stub (stops, threads, registers, memory, breakpoints, watchpoints).
#include "sim/gdb/stub.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/inbound.h"
#include "lib/tar.h"
#include "sim/gdb/gdb_log.h"
#include "sim/machine/machine.h"
#include "sim/ptrace/guest_regs.h"
#include "sim/ptrace/husk_process.h"
#include "sim/ptrace/insn_decode.h"
#include "sim/ptrace/physical_memory.h"

namespace helios::sim {

using gdb::InputKind;
using gdb::PointType;
using gdb::StopReply;

namespace {

constexpr uint8_t kInt3 = 0xCC;

spdlog::logger& log() {
    return gdb::log();
}

// Linux signal number -> gdb's wire numbering (they differ for SIGBUS).
int gdb_signal(int sig) {
    switch (sig) {
        case SIGSEGV: return gdb::kSigSegv;
        case SIGBUS: return gdb::kSigBus;
        case SIGILL: return gdb::kSigIll;
        case SIGFPE: return gdb::kSigFpe;
        case SIGTRAP: return gdb::kSigTrap;
        default: return sig;
    }
}

std::string task_state(Kernel& kernel, Task& t) {
    if (&t == kernel.current()) return "running";
    if (t.exited) return "exited";
    if (t.faulted) return "faulted";
    if (t.suspended) return "suspended";
    switch (t.blocked) {
        case BlockedOn::None: return "runnable";
        case BlockedOn::Send: return "blocked in send";
        case BlockedOn::Recv: return "blocked in recv";
        case BlockedOn::Reply: return "waiting for a reply";
        case BlockedOn::Wait: return "waiting on a notification";
        case BlockedOn::Poll: return "blocked in poll";
    }
    return "blocked";
}

std::string trim(std::string_view s) {
    size_t b = s.find_first_not_of(" \t\n");
    if (b == std::string_view::npos) return "";
    size_t e = s.find_last_not_of(" \t\n");
    return std::string(s.substr(b, e - b + 1));
}

// DR7 encodings of one slot.
uint64_t dr7_len_bits(uint64_t len) {
    switch (len) {
        case 1: return 0;
        case 2: return 1;
        case 8: return 2;
        default: return 3;  // 4
    }
}

}  // namespace

Result<std::unique_ptr<GdbStub>> GdbStub::create(const GdbStubOptions& options) {
    auto server = gdb::Server::listen(options.listen);
    if (!server) return server.status();
    std::unique_ptr<GdbStub> stub(new GdbStub(options));
    stub->server_ = std::move(*server);
    // No send to a client that stops reading outlives the run's deadline.
    GdbStub* self = stub.get();
    stub->server_->set_give_up([self] { return self->deadline_passed(); });
    return stub;
}

// The extracted files go with extracted_ (ExtractDir's destructor).
GdbStub::~GdbStub() = default;

// ---- the connection ------------------------------------------------------------

void GdbStub::new_client() {
    session_ = std::make_unique<gdb::Session>(static_cast<gdb::Target&>(*this), options_.wait);
    running_ = false;
    pending_input_.clear();
    client_since_ = std::chrono::steady_clock::now();
    client_spoke_ = false;
    log().info("gdb connected on {}", server_->address());
}

void GdbStub::client_gone() {
    // As a detach: the system runs on without breakpoints or watchpoints.
    if (machine_) {
        remove_all();
        unprotect_all();
    }
    watch_step_ = WatchStep{};
    breaks_.clear();
    watches_.clear();
    for (int i = 0; i < 4; ++i) slot_owner_[i] = -1;
    ++dr_generation_;
    sticky_.clear();
    forced_program_.clear();
    step_task_ = 0;
    step_via_kernel_ = false;
    stepover_task_ = 0;
    running_ = false;
    server_->close_client();
    session_.reset();
    log().info("gdb detached");
}

bool GdbStub::poll_client(bool force, bool& fresh) {
    fresh = false;
    if (!server_->connected()) {
        // Checking for a new client costs a poll(): not on every run.
        if (!force && (++poll_count_ & 63) != 0) return false;
        if (!server_->accept(0)) return false;
        new_client();
        fresh = true;
        return true;
    }
    if (!force && (++poll_count_ & 15) != 0) return false;
    std::vector<gdb::InputEvent> events;
    if (!server_->receive(0, events)) {
        client_gone();
        return false;
    }
    bool interrupt = false;
    for (auto& e : events) {
        if (e.kind == InputKind::Interrupt) interrupt = true;
        // All-stop gdb sends nothing else while the target runs; anything
        // that does arrive is answered once the system stops.
        if (e.kind == InputKind::Packet && pending_input_.size() < gdb::PacketDecoder::kMaxPacket * 4)
            pending_input_ += gdb::frame_packet(e.payload);
    }
    return interrupt;
}

void GdbStub::apply_resume(const std::vector<gdb::ResumeAction>& actions, Decision& decision) {
    const uint32_t stopped = session_->stop().thread;
    step_task_ = 0;
    step_via_kernel_ = false;
    decision.signal = 0;
    bool stopped_done = false;
    for (const gdb::ResumeAction& a : actions) {
        // The leftmost action naming a thread applies to it.
        bool for_stopped = a.thread == -1 || a.thread == static_cast<int64_t>(stopped);
        if (for_stopped && !stopped_done) {
            decision.signal = a.signal;
            stopped_done = true;
        }
        if (a.step && step_task_ == 0) {
            // One thread steps at a time (uniprocessor); "step all" steps the stopped one.
            step_task_ = a.thread > 0 ? static_cast<uint32_t>(a.thread) : stopped;
        }
    }
    // A thread resumed while sitting on one of its breakpoints steps over it
    // first (gdb normally does that itself, with the breakpoint removed).
    stepover_task_ = 0;
    stepover_lifted_ = false;
    if (Task* t = cur_task_; t && t->vspace()) {
        uint64_t rip = cur_regs_ ? cur_regs_->rip : t->regs.rip;
        if (in_scope(*t->vspace(), rip)) {
            stepover_task_ = t->id();
            stepover_rip_ = rip;
        }
    }
}

bool GdbStub::deadline_passed() const {
    return machine_ && machine_->timed_out();
}

void GdbStub::end_run_at_deadline() {
    log().warn("gdb: the run's --timeout passed while the stub waited for gdb; ending the run");
    if (machine_) machine_->request_exit(124, "timeout: the run's --timeout passed while waiting for gdb");
}

GdbStub::WaitEnd GdbStub::wait_for_input(std::vector<gdb::InputEvent>& events) {
    const auto idle = std::chrono::duration<double>(options_.idle_seconds);
    for (;;) {
        // Checked between bounded slices: the run's deadline and a silent
        // client both end the wait within Server::kSliceMs.
        if (deadline_passed()) return WaitEnd::Deadline;
        if (!client_spoke_ && options_.idle_seconds > 0 && std::chrono::steady_clock::now() - client_since_ > idle)
            return WaitEnd::Idle;
        if (!server_->receive(gdb::Server::kSliceMs, events)) return WaitEnd::Gone;
        if (!events.empty()) return WaitEnd::Input;
    }
}

GdbStub::Decision GdbStub::serve(Task* task, user_regs_struct* regs, const StopReply& stop, bool announce) {
    Decision decision;
    if (!server_->connected() || !session_) {
        decision.how = Decision::How::Detached;
        return decision;
    }
    cur_task_ = task;
    cur_regs_ = regs;
    remove_all();  // gdb sees the original bytes while the system stands still
    unprotect_all();
    running_ = false;
    session_->set_stop(stop);
    if (announce && !server_->send_packet(gdb::format_stop_reply(stop))) {
        client_gone();
        decision.how = Decision::How::Detached;
        cur_task_ = nullptr;
        cur_regs_ = nullptr;
        return decision;
    }
    std::vector<gdb::InputEvent> events;
    if (!pending_input_.empty()) {
        gdb::PacketDecoder d;
        d.feed(pending_input_.data(), pending_input_.size(), events);
        pending_input_.clear();
    }
    bool done = false;
    while (!done) {
        WaitEnd why = events.empty() ? wait_for_input(events) : WaitEnd::Input;
        if (why == WaitEnd::Idle) {
            log().warn("gdb: dropped the client on {}: no packet within {} s of connecting (--gdb-idle)",
                       server_->address(), options_.idle_seconds);
        }
        if (why == WaitEnd::Deadline) {
            end_run_at_deadline();
            client_gone();
            decision.how = Decision::How::Killed;
            break;
        }
        if (why != WaitEnd::Input) {
            client_gone();
            decision.how = Decision::How::Detached;
            break;
        }
        std::vector<gdb::InputEvent> batch;
        batch.swap(events);
        for (size_t i = 0; i < batch.size() && !done; ++i) {
            gdb::InputEvent& e = batch[i];
            bool ok = true;
            switch (e.kind) {
                case InputKind::Ack:
                case InputKind::Interrupt: break;  // already stopped
                case InputKind::Nak: ok = server_->resend_last(); break;
                case InputKind::BadChecksum:
                    log().debug("gdb: packet with a bad checksum");
                    if (!session_->no_ack()) ok = server_->send_raw("-");
                    break;
                case InputKind::Overflow:
                    log().warn("gdb: dropped a packet longer than {} bytes", gdb::PacketDecoder::kMaxPacket);
                    if (!session_->no_ack()) ok = server_->send_raw("+");
                    ok = ok && server_->send_packet("E22");
                    break;
                case InputKind::Packet: {
                    client_spoke_ = true;
                    if (!session_->no_ack()) ok = server_->send_raw("+");
                    log().trace("gdb <- {}", e.payload.substr(0, 200));
                    gdb::Outcome out = session_->handle(e.payload);
                    switch (out.kind) {
                        case gdb::Outcome::Kind::Reply:
                            log().trace("gdb -> {}", out.reply.substr(0, 200));
                            ok = ok && server_->send_packet(out.reply);
                            break;
                        case gdb::Outcome::Kind::Resume:
                            apply_resume(out.actions, decision);
                            running_ = true;
                            done = true;
                            // Packets gdb sent after the resume wait for the next stop.
                            for (size_t k = i + 1; k < batch.size(); ++k) {
                                if (batch[k].kind == InputKind::Packet)
                                    pending_input_ += gdb::frame_packet(batch[k].payload);
                            }
                            break;
                        case gdb::Outcome::Kind::Detach:
                            (void)server_->send_packet(out.reply);
                            client_gone();
                            decision.how = Decision::How::Detached;
                            done = true;
                            break;
                        case gdb::Outcome::Kind::Kill:
                            if (!out.reply.empty()) (void)server_->send_packet(out.reply);
                            machine_->request_exit(137, "killed by the debugger");
                            client_gone();
                            decision.how = Decision::How::Killed;
                            done = true;
                            break;
                    }
                    break;
                }
            }
            if (!ok && !done) {
                client_gone();
                decision.how = Decision::How::Detached;
                done = true;
            }
        }
    }
    if (decision.how == Decision::How::Resumed) insert_all();
    cur_task_ = nullptr;
    cur_regs_ = nullptr;
    return decision;
}

// ---- the hooks ------------------------------------------------------------------

bool GdbStub::before_run(Machine& machine, Task& task) {
    machine_ = &machine;
    if (first_run_) {
        first_run_ = false;
        if (options_.wait) {
            fmt::print(stderr, "helios-sim: waiting for gdb on {} (stopped before init's first instruction)\n",
                       server_->address());
            // Until a client that speaks the protocol has had the system:
            // one that connects and stays silent (dropped after --gdb-idle)
            // or hangs up at once does not count. The run's deadline ends
            // the wait.
            for (;;) {
                if (!server_->accept(-1)) {
                    end_run_at_deadline();
                    return false;
                }
                new_client();
                StopReply stop;
                stop.signal = gdb::kSigTrap;
                stop.thread = task.id();
                Decision d = serve(&task, nullptr, stop, false);
                if (d.how == Decision::How::Killed) return false;  // the run ends (kill or deadline)
                if (client_spoke_) break;
            }
        }
    }
    bool fresh = false;
    if (poll_client(false, fresh)) {
        StopReply stop;
        stop.signal = fresh ? gdb::kSigTrap : gdb::kSigInt;
        stop.thread = task.id();
        (void)serve(&task, nullptr, stop, !fresh);
    }
    if (!session_) return false;
    if (task.vspace() && !armed_.count(task.vspace()->id()) &&
        (!breaks_.empty() || (watch_mode_ == WatchMode::Page && !watches_.empty()))) {
        insert_in(*task.vspace());
        protect_in(task);
    }
    apply_debug_registers(task);
    if (step_task_ == task.id() && step_via_kernel_) {
        // The stepped instruction went to the kernel (a syscall, emulated port
        // I/O, a delivered fault) and the task is back: the step is complete.
        step_task_ = 0;
        step_via_kernel_ = false;
        StopReply stop;
        stop.signal = gdb::kSigTrap;
        stop.thread = task.id();
        (void)serve(&task, nullptr, stop, true);
        if (!session_) return false;
        apply_debug_registers(task);
    }
    if (stepover_task_ == task.id()) {
        if (task.regs.rip != stepover_rip_ || !task.vspace()) {
            stepover_task_ = 0;
        } else if (!stepover_lifted_) {
            auto phys = machine.kernel().translate(*task.vspace(), stepover_rip_, false);
            if (phys.ok() && inserted_at_phys(*phys)) {
                stepover_phys_ = *phys;
                lift(stepover_phys_);
                stepover_lifted_ = true;
            } else {
                stepover_task_ = 0;
            }
        }
    }
    bool watch_step = false;
    if (watch_step_.task == task.id()) {
        // Open the watched page for this one instruction.
        if (!watch_step_.lifted) {
            set_protection(watch_step_.vspace, watch_step_.page, watch_step_.orig);
            watch_step_.lifted = true;
        }
        watch_step = true;
    }
    return task.id() == step_task_ || task.id() == stepover_task_ || watch_step;
}

bool GdbStub::on_stop(Machine& machine, Task& task, const StopEvent& ev, user_regs_struct& regs) {
    machine_ = &machine;
    const bool stepping = task.id() == step_task_;
    bool stepped_over = false;
    if (stepover_task_ == task.id()) {
        if (stepover_lifted_) rearm(stepover_phys_);
        stepover_task_ = 0;
        stepover_lifted_ = false;
        stepped_over = true;
    }
    int watch_hit_index = -1;
    uint64_t watch_hit_addr = 0;
    if (watch_step_.task == task.id()) {
        if (watch_step_.lifted) set_protection(watch_step_.vspace, watch_step_.page, watch_step_.prot);
        watch_hit_index = watch_step_.hit;
        watch_hit_addr = watch_step_.data_addr;
        for (auto& [index, bytes] : watch_step_.before) {
            if (watch_hit_index >= 0 || index >= static_cast<int>(watches_.size())) break;
            const Watch& w = watches_[static_cast<size_t>(index)];
            std::string now(bytes.size(), '\0');
            now.resize(copy_memory(task.id(), w.addr, reinterpret_cast<uint8_t*>(now.data()), now.size(), false));
            if (now != bytes) {
                watch_hit_index = index;
                watch_hit_addr = w.addr;
            }
        }
        watch_step_ = WatchStep{};
        stepped_over = true;
    }
    if (!session_) {
        // No debugger: only our own leftovers are handled here.
        if (ev.kind == StopKind::SingleStep) return true;
        return false;
    }
    StopReply stop;
    stop.thread = task.id();
    stop.signal = gdb::kSigTrap;

    if (ev.kind == StopKind::Syscall) {
        if (stepping) step_via_kernel_ = true;
        return false;
    }
    // Anything but a signal (e.g. a free-running preemption) is the machine's business.
    if (ev.kind != StopKind::Signal && ev.kind != StopKind::SingleStep) return false;

    // A hardware watchpoint (the debug registers say which slot).
    if (ev.signo == SIGTRAP && dr_used_) {
        uint64_t slot_addr = 0;
        if (const Watch* w = watch_hit(task, slot_addr)) {
            if (stepping) step_task_ = 0;
            stop.reason = w->type == PointType::Read     ? StopReply::Reason::RWatch
                          : w->type == PointType::Access ? StopReply::Reason::AWatch
                                                         : StopReply::Reason::Watch;
            stop.data_addr = slot_addr;
            (void)serve(&task, &regs, stop, true);
            return true;
        }
    }

    if (ev.kind == StopKind::SingleStep && watch_hit_index >= 0 &&
        watch_hit_index < static_cast<int>(watches_.size())) {
        // The access to a watched page is done: report it after the instruction.
        const Watch& w = watches_[static_cast<size_t>(watch_hit_index)];
        if (stepping) step_task_ = 0;
        stop.reason = w.type == PointType::Read     ? StopReply::Reason::RWatch
                      : w.type == PointType::Access ? StopReply::Reason::AWatch
                                                    : StopReply::Reason::Watch;
        stop.data_addr = watch_hit_addr;
        (void)serve(&task, &regs, stop, true);
        return true;
    }

    if (ev.kind == StopKind::SingleStep) {
        if (stepping) {
            step_task_ = 0;
            (void)serve(&task, &regs, stop, true);
        }
        (void)stepped_over;
        return true;  // our own step (over a breakpoint, or gdb's): never the kernel's business
    }

    // One of our int3s (rip is just past it).
    if (ev.signo == SIGTRAP && ev.si_code == SI_KERNEL && task.vspace() && regs.rip > 0) {
        uint64_t at = regs.rip - 1;
        auto phys = machine.kernel().translate(*task.vspace(), at, false);
        if (phys.ok() && inserted_at_phys(*phys)) {
            regs.rip = at;
            if (!in_scope(*task.vspace(), at)) {
                // Another program sharing the frame: step it over silently.
                stepover_task_ = task.id();
                stepover_rip_ = at;
                stepover_lifted_ = false;
                return true;
            }
            if (stepping) step_task_ = 0;
            stop.reason = StopReply::Reason::SwBreak;
            (void)serve(&task, &regs, stop, true);
            return true;
        }
    }

    // An access to a page protected for a watchpoint, which the kernel's own
    // mapping allows: step it with the page open (before_run), then see.
    if (ev.signo == SIGSEGV && ev.si_code == SEGV_ACCERR && task.vspace() && !protected_.empty()) {
        const uint64_t page = ev.fault_addr & ~uint64_t{HELIOS_PAGE_SIZE - 1};
        const uint32_t vsid = task.vspace()->id();
        auto pr = std::find_if(protected_.begin(), protected_.end(),
                               [&](const Protected& x) { return x.vspace == vsid && x.page == page; });
        if (pr != protected_.end()) {
            uint8_t insn[15];
            size_t n = copy_memory(task.id(), regs.rip, insn, sizeof insn, false);
            MemAccess access = classify_access(insn, n, ev.fault_addr, regs.rip, &regs);
            bool allowed = access == MemAccess::Write  ? (pr->orig & PROT_WRITE) != 0
                           : access == MemAccess::Exec ? (pr->orig & PROT_EXEC) != 0
                                                       : (pr->orig & PROT_READ) != 0;
            if (allowed) {
                WatchStep ws;
                ws.task = task.id();
                ws.vspace = vsid;
                ws.page = page;
                ws.orig = pr->orig;
                ws.prot = pr->prot;
                std::string program = program_of(*task.vspace());
                for (size_t k = 0; k < watches_.size(); ++k) {
                    const Watch& w = watches_[k];
                    if (w.program != program || access == MemAccess::Exec) continue;
                    // An access that starts inside the range hits it; one that
                    // starts before it (the operand size is not decoded) counts
                    // when it changed the watched bytes.
                    bool inside = ev.fault_addr >= w.addr && ev.fault_addr < w.addr + w.len;
                    bool kind_ok = w.type != PointType::Write || access == MemAccess::Write;
                    if (inside && kind_ok && ws.hit < 0) {
                        ws.hit = static_cast<int>(k);
                        ws.data_addr = ev.fault_addr;
                    }
                    if (!inside && w.type != PointType::Read && access == MemAccess::Write && w.addr > ev.fault_addr &&
                        w.addr - ev.fault_addr < 64) {
                        std::string bytes(w.len, '\0');
                        bytes.resize(
                            copy_memory(task.id(), w.addr, reinterpret_cast<uint8_t*>(bytes.data()), w.len, false));
                        ws.before.emplace_back(static_cast<int>(k), std::move(bytes));
                    }
                }
                watch_step_ = ws;
                return true;
            }
        }
    }

    // Port I/O the kernel performs for the task is not a fault.
    if ((ev.signo == SIGSEGV || ev.signo == SIGBUS) &&
        (ev.si_code == SI_KERNEL || (ev.signo == SIGSEGV && ev.fault_addr == 0 && ev.si_code > 2))) {
        uint8_t insn[15];
        size_t n = copy_memory(task.id(), regs.rip, insn, sizeof insn, false);
        if (auto io = decode_port_io(insn, n)) {
            uint16_t port = io->port_is_imm ? io->port : static_cast<uint16_t>(regs.rdx);
            if (machine.kernel().task_may_access_port(task, port, io->width)) {
                if (stepping) step_via_kernel_ = true;
                return false;
            }
        }
    }

    // A fault: gdb sees it first, at the faulting instruction.
    stop.signal = gdb_signal(ev.signo);
    if (stepping) step_task_ = 0;
    const uint64_t rip_before = regs.rip;
    Decision d = serve(&task, &regs, stop, true);
    if (d.how == Decision::How::Killed) return true;
    if (d.how == Decision::How::Detached) return false;
    // Continuing with the signal (gdb's default for SIGSEGV: `C 0b`), or with
    // none but the pc left where it faulted, hands the fault to the kernel;
    // gdb may instead move the pc away (`set $pc = ...; signal 0`).
    if (d.signal != 0 || regs.rip == rip_before) {
        if (step_task_ == task.id()) step_via_kernel_ = true;
        return false;
    }
    return true;
}

void GdbStub::on_idle(Machine& machine) {
    machine_ = &machine;
    bool fresh = false;
    if (!poll_client(true, fresh)) return;
    // Every task is blocked: the stop names gdb's current thread (or init).
    Task* t = session_ ? task_by_id(session_->general_thread()) : nullptr;
    if (!t) t = machine.kernel().init_task();
    if (!t) {
        auto all = machine.tasks();
        if (!all.empty()) t = all.front();
    }
    if (!t) return;
    StopReply stop;
    stop.signal = fresh ? gdb::kSigTrap : gdb::kSigInt;
    stop.thread = t->id();
    (void)serve(t, nullptr, stop, !fresh);
}

void GdbStub::on_exit(Machine& machine, int exit_code) {
    machine_ = &machine;
    if (!server_->connected() || !session_) return;
    remove_all();
    if (running_) {
        StopReply stop;
        stop.kind = StopReply::Kind::Exited;
        stop.exit_code = exit_code;
        if (server_->send_packet(gdb::format_stop_reply(stop))) {
            // gdb closes the connection once it has mourned the process; give
            // it a moment (and answer what it asks meanwhile).
            for (int i = 0; i < 20 && server_->connected(); ++i) {
                std::vector<gdb::InputEvent> events;
                if (!server_->receive(50, events)) break;
                for (auto& e : events) {
                    if (e.kind != InputKind::Packet) continue;
                    if (!session_->no_ack()) (void)server_->send_raw("+");
                    // The process is gone: kill/detach succeed, anything else fails.
                    bool bye = e.payload == "k" || e.payload.rfind("vKill", 0) == 0 || e.payload[0] == 'D';
                    if (e.payload != "k") (void)server_->send_packet(bye ? "OK" : "E01");
                }
            }
        }
    }
    server_->close_client();
    session_.reset();
}

// ---- tasks, programs, memory ------------------------------------------------------

Task* GdbStub::task_by_id(uint32_t tid) {
    if (!machine_ || tid == 0) return nullptr;
    if (cur_task_ && cur_task_->id() == tid) return cur_task_;
    for (Task* t : machine_->tasks())
        if (t->id() == tid && !t->exited && t->vspace()) return t;
    return nullptr;
}

std::string GdbStub::program_of(VSpace& vs) {
    auto it = programs_.find(vs.id());
    if (it != programs_.end()) return it->second;
    std::string name = machine_->program_name(vs);
    if (name.empty()) return fmt::format("vspace{}", vs.id());  // not named (yet)
    programs_[vs.id()] = name;
    return name;
}

bool GdbStub::phys_ok(uint64_t phys, size_t len) const {
    uint64_t size = machine_->memory().size();
    return phys < size && len <= size - phys;
}

size_t GdbStub::copy_memory(uint32_t tid, uint64_t addr, uint8_t* buf, size_t len, bool write) {
    Task* t = task_by_id(tid);
    if (!t || !t->vspace()) return 0;
    size_t done = 0;
    while (done < len) {
        uint64_t va = addr + done;
        if (va < addr) break;  // wrapped
        size_t chunk = std::min<size_t>(len - done, HELIOS_PAGE_SIZE - (va & (HELIOS_PAGE_SIZE - 1)));
        auto phys = machine_->kernel().translate(*t->vspace(), va, false);
        if (!phys.ok() || !phys_ok(*phys, chunk)) break;
        auto* p = static_cast<uint8_t*>(machine_->phys_to_virt(*phys));
        std::memcpy(write ? p : buf + done, write ? buf + done : p, chunk);
        done += chunk;
    }
    return done;
}

size_t GdbStub::read_memory(uint32_t tid, uint64_t addr, uint8_t* buf, size_t len) {
    return copy_memory(tid, addr, buf, len, false);
}

size_t GdbStub::write_memory(uint32_t tid, uint64_t addr, const uint8_t* buf, size_t len) {
    return copy_memory(tid, addr, const_cast<uint8_t*>(buf), len, true);
}

std::vector<gdb::ThreadInfo> GdbStub::threads() {
    std::vector<gdb::ThreadInfo> out;
    if (!machine_) return out;
    for (Task* t : machine_->tasks()) {
        if (t->exited || !t->vspace()) continue;
        out.push_back({t->id(), machine_->task_name(*t), task_state(machine_->kernel(), *t)});
    }
    return out;
}

bool GdbStub::thread_alive(uint32_t tid) {
    return task_by_id(tid) != nullptr;
}

bool GdbStub::read_registers(uint32_t tid, gdb::RegisterFile& regs) {
    using namespace gdb;
    Task* t = task_by_id(tid);
    if (!t) return false;
    const bool live = t == cur_task_ && cur_regs_;
    user_regs_struct u{};
    if (live) {
        u = *cur_regs_;
    } else {
        const helios_regs& h = t->regs;
        u.rax = h.rax, u.rbx = h.rbx, u.rcx = h.rcx, u.rdx = h.rdx, u.rsi = h.rsi, u.rdi = h.rdi;
        u.rbp = h.rbp, u.rsp = h.rsp, u.r8 = h.r8, u.r9 = h.r9, u.r10 = h.r10, u.r11 = h.r11;
        u.r12 = h.r12, u.r13 = h.r13, u.r14 = h.r14, u.r15 = h.r15;
        u.rip = h.rip, u.eflags = h.rflags, u.fs_base = h.fs_base, u.gs_base = h.gs_base;
        u.cs = 0x33, u.ss = 0x2b;
        u.orig_rax = ~0ull;
    }
    const uint64_t gpr[16] = {u.rax, u.rbx, u.rcx, u.rdx, u.rsi, u.rdi, u.rbp, u.rsp,
                              u.r8,  u.r9,  u.r10, u.r11, u.r12, u.r13, u.r14, u.r15};
    for (unsigned i = 0; i < 16; ++i) regs.set(kRax + i, gpr[i]);
    regs.set(kRip, u.rip);
    regs.set(kEflags, u.eflags);
    regs.set(kCs, u.cs), regs.set(kSs, u.ss), regs.set(kDs, u.ds);
    regs.set(kEs, u.es), regs.set(kFs, u.fs), regs.set(kGs, u.gs);
    regs.set(kOrigRax, u.orig_rax);
    regs.set(kFsBase, u.fs_base);
    regs.set(kGsBase, u.gs_base);
    // x87/SSE state lives in the Linux thread (when the task has one).
    if (pid_t ltid = machine_->linux_tid_of(*t)) {
        user_fpregs_struct fp{};
        HuskProcess* husk = machine_->husk_of(*t);
        if (husk && husk->get_fpregs(ltid, fp)) {
            for (size_t i = 0; i < 8; ++i)
                std::memcpy(regs.at(kSt0 + static_cast<unsigned>(i)), &fp.st_space[4 * i], 10);
            regs.set(kFctrl, fp.cwd);
            regs.set(kFstat, fp.swd);
            // fxsave keeps an abridged tag (1 bit per register: valid); gdb
            // wants the full one (2 bits: 3 = empty). Valid registers show as 0.
            uint32_t tag = 0;
            for (unsigned i = 0; i < 8; ++i)
                if (!(fp.ftw & (1u << i))) tag |= 3u << (2 * i);
            regs.set(kFtag, tag);
            regs.set(kFioff, static_cast<uint32_t>(fp.rip));
            regs.set(kFiseg, static_cast<uint32_t>(fp.rip >> 32));
            regs.set(kFooff, static_cast<uint32_t>(fp.rdp));
            regs.set(kFoseg, static_cast<uint32_t>(fp.rdp >> 32));
            regs.set(kFop, fp.fop);
            for (size_t i = 0; i < 16; ++i)
                std::memcpy(regs.at(kXmm0 + static_cast<unsigned>(i)), &fp.xmm_space[4 * i], 16);
            regs.set(kMxcsr, fp.mxcsr);
        }
    } else {
        regs.set(kFctrl, 0x37f);
        regs.set(kFtag, 0xFFFF);
        regs.set(kMxcsr, 0x1f80);
    }
    return true;
}

bool GdbStub::write_registers(uint32_t tid, const gdb::RegisterFile& regs) {
    using namespace gdb;
    Task* t = task_by_id(tid);
    if (!t) return false;
    uint64_t g[16];
    for (unsigned i = 0; i < 16; ++i) g[i] = regs.get(kRax + i);
    // Only the flags a user program may change (status, DF, TF, AC, ID); IF stays set.
    const uint64_t user_flags = 0x0CD5 | 0x0100 | 0x40000 | 0x200000;
    if (t == cur_task_ && cur_regs_) {
        user_regs_struct& u = *cur_regs_;
        u.rax = g[0], u.rbx = g[1], u.rcx = g[2], u.rdx = g[3], u.rsi = g[4], u.rdi = g[5], u.rbp = g[6];
        u.rsp = g[7], u.r8 = g[8], u.r9 = g[9], u.r10 = g[10], u.r11 = g[11], u.r12 = g[12], u.r13 = g[13];
        u.r14 = g[14], u.r15 = g[15];
        u.rip = regs.get(kRip);
        u.eflags = (u.eflags & ~user_flags) | (regs.get(kEflags) & user_flags);
        u.fs_base = regs.get(kFsBase);
        u.gs_base = regs.get(kGsBase);
    } else {
        helios_regs& h = t->regs;
        h.rax = g[0], h.rbx = g[1], h.rcx = g[2], h.rdx = g[3], h.rsi = g[4], h.rdi = g[5], h.rbp = g[6];
        h.rsp = g[7], h.r8 = g[8], h.r9 = g[9], h.r10 = g[10], h.r11 = g[11], h.r12 = g[12], h.r13 = g[13];
        h.r14 = g[14], h.r15 = g[15];
        h.rip = regs.get(kRip);
        h.rflags = (h.rflags & ~user_flags) | (regs.get(kEflags) & user_flags);
        h.fs_base = regs.get(kFsBase);
        h.gs_base = regs.get(kGsBase);
        t->dirty = kDirtyAll;
    }
    if (pid_t ltid = machine_->linux_tid_of(*t)) {
        user_fpregs_struct fp{};
        HuskProcess* husk = machine_->husk_of(*t);
        if (husk && husk->get_fpregs(ltid, fp)) {
            user_fpregs_struct old = fp;
            for (size_t i = 0; i < 8; ++i)
                std::memcpy(&fp.st_space[4 * i], regs.at(kSt0 + static_cast<unsigned>(i)), 10);
            fp.cwd = static_cast<uint16_t>(regs.get(kFctrl));
            fp.swd = static_cast<uint16_t>(regs.get(kFstat));
            for (size_t i = 0; i < 16; ++i)
                std::memcpy(&fp.xmm_space[4 * i], regs.at(kXmm0 + static_cast<unsigned>(i)), 16);
            fp.mxcsr = static_cast<uint32_t>(regs.get(kMxcsr)) & 0xFFFF;
            if (std::memcmp(&old, &fp, sizeof fp) != 0 && !husk->set_fpregs(ltid, fp)) return false;
        }
    }
    return true;
}

std::string GdbStub::exec_file(uint32_t tid) {
    Task* t = task_by_id(tid);
    if (!t || !t->vspace() || options_.image_path.empty()) return "";
    std::string program = program_of(*t->vspace());
    auto it = exec_paths_.find(program);
    if (it != exec_paths_.end()) return it->second;
    std::ifstream in(options_.image_path, std::ios::binary);
    if (!in) return "";
    std::vector<uint8_t> image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    lib::TarReader tar(image.data(), image.size());
    lib::TarEntry e{};
    bool found = false;
    while (!found && tar.next(&e) == lib::TarError::none) {
        if (e.type != lib::TarType::regular) continue;
        char path[256];
        if (e.copy_path(path, sizeof path) >= sizeof path) continue;
        std::string p = path;
        std::string base = p.substr(p.rfind('/') == std::string::npos ? 0 : p.rfind('/') + 1);
        found = p == program || base == program;
    }
    if (!found) return "";
    auto written = extracted_.write(program, e.data, e.size);
    if (!written) {
        log().warn("gdb: cannot extract '{}' for gdb: {}", program, written.message());
        return "";
    }
    exec_paths_[program] = *written;
    return *written;
}

// ---- breakpoints ---------------------------------------------------------------------

std::string GdbStub::scope_for(uint32_t tid, const std::string& sticky_key) {
    if (!forced_program_.empty()) return sticky_[sticky_key] = forced_program_;
    auto it = sticky_.find(sticky_key);
    if (it != sticky_.end()) return it->second;
    Task* t = task_by_id(tid);
    if (!t || !t->vspace()) return "";
    return sticky_[sticky_key] = program_of(*t->vspace());
}

bool GdbStub::in_scope(VSpace& vs, uint64_t addr) {
    std::string program = program_of(vs);
    for (const SwBreak& b : breaks_)
        if (b.addr == addr && b.program == program) return true;
    return false;
}

const GdbStub::Inserted* GdbStub::inserted_at_phys(uint64_t phys) const {
    for (const Inserted& i : inserted_)
        if (i.phys == phys) return &i;
    return nullptr;
}

void GdbStub::insert_in(VSpace& vs) {
    armed_[vs.id()] = true;
    std::string program = program_of(vs);
    for (const SwBreak& b : breaks_) {
        if (b.program != program) continue;
        bool have = false;
        for (const Inserted& i : inserted_) have = have || (i.vspace == vs.id() && i.addr == b.addr);
        if (have) continue;
        auto phys = machine_->kernel().translate(vs, b.addr, false);
        if (!phys.ok() || !phys_ok(*phys, 1)) continue;  // not mapped (yet) in this one
        auto* p = static_cast<uint8_t*>(machine_->phys_to_virt(*phys));
        // A frame shared by two address spaces holds one int3 and one original byte.
        const Inserted* alias = inserted_at_phys(*phys);
        uint8_t orig = alias ? alias->orig : *p;
        inserted_.push_back({vs.id(), b.addr, *phys, orig});
        *p = kInt3;
    }
}

void GdbStub::insert_all() {
    armed_.clear();
    if (!machine_) return;
    const bool pages = watch_mode_ == WatchMode::Page && !watches_.empty();
    if (breaks_.empty() && !pages) return;
    for (Task* t : machine_->tasks()) {
        VSpace* vs = t->vspace();
        if (!vs || armed_.count(vs->id())) continue;
        insert_in(*vs);
        protect_in(*t);
    }
}

std::unordered_map<uint32_t, VSpace*> GdbStub::live_vspaces() {
    std::unordered_map<uint32_t, VSpace*> out;
    std::vector<Object*> stack{machine_->root_memory()};
    while (!stack.empty()) {
        Object* o = stack.back();
        stack.pop_back();
        if (auto* vs = downcast<VSpace>(o)) out[vs->id()] = vs;
        if (auto* m = downcast<Memory>(o))
            for (Object* c = m->children.front(); c; c = m->children.next(c)) stack.push_back(c);
    }
    return out;
}

void GdbStub::remove_all() {
    if (!machine_) return;
    // Put back the original bytes, once per frame, where the address space
    // still maps that frame there; a byte the guest has since overwritten
    // (no longer our int3) is left alone.
    auto spaces = inserted_.empty() ? std::unordered_map<uint32_t, VSpace*>() : live_vspaces();
    for (size_t k = 0; k < inserted_.size(); ++k) {
        const Inserted& i = inserted_[k];
        bool first = true;
        for (size_t j = 0; j < k; ++j) first = first && inserted_[j].phys != i.phys;
        if (!first || !phys_ok(i.phys, 1)) continue;
        auto vs = spaces.find(i.vspace);
        if (vs == spaces.end()) continue;
        auto now = machine_->kernel().translate(*vs->second, i.addr, false);
        if (!now.ok() || *now != i.phys) continue;
        auto* p = static_cast<uint8_t*>(machine_->phys_to_virt(i.phys));
        if (*p == kInt3) *p = i.orig;
    }
    inserted_.clear();
    armed_.clear();
    stepover_lifted_ = false;
}

void GdbStub::lift(uint64_t phys) {
    const Inserted* i = inserted_at_phys(phys);
    if (!i || !phys_ok(phys, 1)) return;
    auto* p = static_cast<uint8_t*>(machine_->phys_to_virt(phys));
    if (*p == kInt3) *p = i->orig;
}

void GdbStub::rearm(uint64_t phys) {
    if (!inserted_at_phys(phys) || !phys_ok(phys, 1)) return;
    *static_cast<uint8_t*>(machine_->phys_to_virt(phys)) = kInt3;
}

int GdbStub::insert_point(uint32_t tid, PointType type, uint64_t addr, uint64_t kind) {
    if (type == PointType::HwBreak) return -1;
    Task* t = task_by_id(tid);
    if (!t) return 3;  // ESRCH
    if (type == PointType::SwBreak) {
        std::string program = scope_for(tid, fmt::format("b{:x}", addr));
        for (const SwBreak& b : breaks_)
            if (b.addr == addr && b.program == program) return 0;
        // Refuse an address no live address space of the program has mapped:
        // gdb then says it cannot insert the breakpoint. A program with no
        // address space yet takes it on trust (it is inserted when one starts).
        bool some = false, mapped = false;
        for (Task* other : machine_->tasks()) {
            VSpace* vs = other->vspace();
            if (!vs || program_of(*vs) != program) continue;
            some = true;
            mapped = mapped || machine_->kernel().translate(*vs, addr, false).ok();
        }
        if (some && !mapped) return 14;  // EFAULT
        breaks_.push_back({program, addr});
        log().debug("breakpoint at {:#x} in program {}", addr, program);
        return 0;
    }
    uint64_t len = kind;
    if (page_watches()) {
        // Emulated: any length up to a page, any number (within reason).
        if (len == 0 || len > HELIOS_PAGE_SIZE || addr + len < addr) return 22;  // EINVAL
        if (watches_.size() >= 64) return 28;                                    // ENOSPC
        watches_.push_back(
            {scope_for(tid, fmt::format("w{}:{:x}:{:x}", static_cast<int>(type), addr, len)), type, addr, len, {}});
        return 0;
    }
    // A watchpoint: aligned pieces of 1, 2, 4 or 8 bytes, one debug register each.
    if (len == 0 || len > 32 || addr + len < addr) return 22;  // EINVAL
    std::vector<std::pair<uint64_t, uint64_t>> pieces;
    for (uint64_t a = addr, end = addr + len; a < end;) {
        uint64_t size = 8;
        while (size > 1 && ((a & (size - 1)) != 0 || a + size > end)) size /= 2;
        pieces.emplace_back(a, size);
        a += size;
    }
    int free_slots = 0;
    for (int s : slot_owner_) free_slots += s < 0;
    if (static_cast<int>(pieces.size()) > free_slots) return 28;  // ENOSPC
    Watch w{scope_for(tid, fmt::format("w{}:{:x}:{:x}", static_cast<int>(type), addr, len)), type, addr, len, {}};
    int index = static_cast<int>(watches_.size());
    for (auto [a, size] : pieces) {
        for (int s = 0; s < 4; ++s) {
            if (slot_owner_[s] >= 0) continue;
            slot_owner_[s] = index;
            slot_addr_[s] = a;
            slot_len_[s] = size;
            w.slots.push_back(s);
            break;
        }
    }
    watches_.push_back(std::move(w));
    ++dr_generation_;
    dr_used_ = true;
    return 0;
}

int GdbStub::remove_point(uint32_t tid, PointType type, uint64_t addr, uint64_t kind) {
    if (type == PointType::HwBreak) return -1;
    if (type == PointType::SwBreak) {
        std::string program = scope_for(tid, fmt::format("b{:x}", addr));
        auto it = std::find_if(breaks_.begin(), breaks_.end(),
                               [&](const SwBreak& b) { return b.addr == addr && b.program == program; });
        if (it == breaks_.end())
            it = std::find_if(breaks_.begin(), breaks_.end(), [&](const SwBreak& b) { return b.addr == addr; });
        if (it != breaks_.end()) breaks_.erase(it);
        return 0;
    }
    for (size_t k = 0; k < watches_.size(); ++k) {
        const Watch& w = watches_[k];
        if (w.type != type || w.addr != addr || w.len != kind) continue;
        for (int s : w.slots) slot_owner_[s] = -1;
        watches_.erase(watches_.begin() + static_cast<long>(k));
        // Slots of later watchpoints name them by index: renumber.
        for (int& owner : slot_owner_)
            if (owner > static_cast<int>(k)) --owner;
        ++dr_generation_;
        return 0;
    }
    return 0;
}

// ---- watchpoints ----------------------------------------------------------------------

namespace {

// Does a write to a watched address trap? Runs `movl $1, DATA; int3` in a
// scratch husk with DR0 watching DATA: a debug trap means yes, reaching the
// int3 means the CPU (often a virtual one) ignores the debug registers.
bool probe_debug_registers() {
    constexpr uint64_t kCode = 0x10000000, kData = 0x10001000;
    auto phys = PhysicalMemory::create(2 * HELIOS_PAGE_SIZE);
    if (!phys) return false;
    const uint8_t code[] = {0xC7, 0x04, 0x25, 0x00, 0x10, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0xCC};
    std::memcpy((*phys)->base(), code, sizeof code);
    auto husk = HuskProcess::spawn(**phys);
    if (!husk) return false;
    HuskProcess& h = **husk;
    if (!h.map(kCode, 0, HELIOS_PAGE_SIZE, PROT_READ | PROT_EXEC) ||
        !h.map(kData, HELIOS_PAGE_SIZE, HELIOS_PAGE_SIZE, PROT_READ | PROT_WRITE))
        return false;
    auto tid = h.create_thread();  // flushes the mappings too
    if (!tid) return false;
    const uint64_t addr[4] = {kData, 0, 0, 0};
    if (!h.set_debug_registers(*tid, addr, 1 | (1ull << 16) | (3ull << 18))) return false;
    user_regs_struct regs = initial_guest_regs(kCode, kData + HELIOS_PAGE_SIZE - 64);
    auto ev = h.run(*tid, regs);
    return ev && ev->kind == StopKind::Signal && ev->signo == SIGTRAP && ev->si_code == TRAP_HWBKPT;
}

int prot_of_flags(unsigned flags) {
    return PROT_READ | ((flags & HELIOS_MAP_WRITE) ? PROT_WRITE : 0) | ((flags & HELIOS_MAP_EXEC) ? PROT_EXEC : 0);
}

}  // namespace

bool GdbStub::page_watches() {
    if (watch_mode_ == WatchMode::Auto) {
        bool hw = probe_debug_registers();
        watch_mode_ = hw ? WatchMode::Hardware : WatchMode::Page;
        log().info("watchpoints: {}", hw ? "debug registers" : "page protection (this CPU ignores debug registers)");
    }
    return watch_mode_ == WatchMode::Page;
}

int GdbStub::kernel_prot(VSpace& vs, uint64_t page) {
    for (Page* p = vs.pages.front(); p; p = vs.pages.next(p))
        if (p->vaddr() == page) return prot_of_flags(p->flags());
    return -1;
}

HuskProcess* GdbStub::husk_of_vspace(uint32_t vspace_id) {
    Task* any = nullptr;
    for (Task* t : machine_->tasks()) {
        if (!t->vspace() || t->vspace()->id() != vspace_id) continue;
        if (machine_->linux_tid_of(*t)) return machine_->husk_of(*t);
        if (!any) any = t;
    }
    return any ? machine_->husk_of(*any) : nullptr;
}

void GdbStub::set_protection(uint32_t vspace_id, uint64_t page, int prot) {
    HuskProcess* husk = husk_of_vspace(vspace_id);
    if (!husk) return;
    Status st = husk->protect(page, HELIOS_PAGE_SIZE, prot);
    if (st) st = husk->flush();
    if (!st) log().warn("watchpoint page {:#x}: {}", page, st.message());
}

void GdbStub::protect_in(Task& task) {
    if (watch_mode_ != WatchMode::Page || watches_.empty() || !task.vspace()) return;
    VSpace& vs = *task.vspace();
    std::string program = program_of(vs);
    for (const Watch& w : watches_) {
        if (w.program != program) continue;
        for (uint64_t page = w.addr & ~uint64_t{HELIOS_PAGE_SIZE - 1}; page < w.addr + w.len;
             page += HELIOS_PAGE_SIZE) {
            int orig = kernel_prot(vs, page);
            if (orig < 0) continue;  // not mapped (yet)
            int prot = w.type == PointType::Write ? (orig & ~PROT_WRITE) : PROT_NONE;
            auto it = std::find_if(protected_.begin(), protected_.end(),
                                   [&](const Protected& p) { return p.vspace == vs.id() && p.page == page; });
            if (it != protected_.end()) {
                if ((it->prot & prot) == it->prot) continue;  // already at least this strict
                it->prot &= prot;
            } else {
                protected_.push_back({vs.id(), page, orig, prot});
                it = protected_.end() - 1;
            }
            set_protection(vs.id(), page, it->prot);
        }
    }
}

void GdbStub::unprotect_all() {
    if (!machine_) return;
    for (const Protected& p : protected_) {
        // Back to what the kernel's mapping says now (it may have changed).
        VSpace* vs = nullptr;
        for (Task* t : machine_->tasks())
            if (t->vspace() && t->vspace()->id() == p.vspace) vs = t->vspace();
        if (!vs) continue;
        int now = kernel_prot(*vs, p.page);
        if (now >= 0) set_protection(p.vspace, p.page, now);
    }
    protected_.clear();
}

void GdbStub::apply_debug_registers(Task& task) {
    if (!dr_used_ || !task.vspace()) return;
    pid_t ltid = machine_->linux_tid_of(task);
    if (ltid == 0) return;
    auto it = dr_applied_.find(ltid);
    if (it != dr_applied_.end() && it->second == dr_generation_) return;
    HuskProcess* husk = machine_->husk_of(task);
    if (!husk) return;
    std::string program = program_of(*task.vspace());
    uint64_t addr[4] = {};
    uint64_t dr7 = 0;
    for (int s = 0; s < 4; ++s) {
        if (slot_owner_[s] < 0 || watches_[static_cast<size_t>(slot_owner_[s])].program != program) continue;
        const Watch& w = watches_[static_cast<size_t>(slot_owner_[s])];
        uint64_t rw = w.type == PointType::Write ? 1 : 3;  // x86 has no read-only watchpoints: read = access
        addr[s] = slot_addr_[s];
        dr7 |= (1ull << (2 * s)) | (rw << (16 + 4 * s)) | (dr7_len_bits(slot_len_[s]) << (18 + 4 * s));
    }
    Status st = husk->set_debug_registers(ltid, addr, dr7);
    log().debug("task {} (thread {}): DR0-3 {:#x} {:#x} {:#x} {:#x}, DR7 {:#x}", task.id(), ltid, addr[0], addr[1],
                addr[2], addr[3], dr7);
    if (!st) log().warn("cannot set the debug registers of task {}: {}", task.id(), st.message());
    (void)husk->set_debug_register(ltid, 6, 0);
    dr_applied_[ltid] = dr_generation_;
}

const GdbStub::Watch* GdbStub::watch_hit(Task& task, uint64_t& slot_addr) {
    pid_t ltid = machine_->linux_tid_of(task);
    HuskProcess* husk = ltid ? machine_->husk_of(task) : nullptr;
    if (!husk) return nullptr;
    auto dr6 = husk->get_debug_register(ltid, 6);
    if (!dr6.ok() || (*dr6 & 0xF) == 0) return nullptr;
    (void)husk->set_debug_register(ltid, 6, 0);
    for (int s = 0; s < 4; ++s) {
        if (!(*dr6 & (1ull << s)) || slot_owner_[s] < 0) continue;
        slot_addr = slot_addr_[s];
        return &watches_[static_cast<size_t>(slot_owner_[s])];
    }
    return nullptr;
}

// ---- monitor commands --------------------------------------------------------------------

std::string GdbStub::monitor(std::string_view command) {
    std::string cmd = trim(command);
    std::string word = cmd.substr(0, cmd.find(' '));
    std::string arg = cmd.size() > word.size() ? trim(cmd.substr(word.size())) : "";
    if (word == "help" || word.empty()) {
        return "helios-sim monitor commands:\n"
               "  program NAME   breakpoints and watchpoints set from now on apply to program NAME\n"
               "                 (every address space running it, including later ones)\n"
               "  program -      back to the program of the selected thread (the default)\n"
               "  program        show the current choice\n"
               "  tasks          list tasks: id, program, state, pc\n"
               "  points         list breakpoints and watchpoints with their programs\n"
               "  watchpoints [auto|hardware|page]\n"
               "                 how watchpoints work: x86 debug registers, or page protection\n"
               "                 (auto: debug registers when this CPU honours them)\n";
    }
    if (word == "program") {
        if (arg == "-") {
            forced_program_.clear();
            return "breakpoints follow the selected thread's program\n";
        }
        if (!arg.empty()) {
            forced_program_ = arg;
            // A later insert of an address already known keeps the new choice.
            for (auto& [key, program] : sticky_) program = arg;
            return fmt::format("breakpoints and watchpoints now apply to program '{}'\n", arg);
        }
        return forced_program_.empty() ? "breakpoints follow the selected thread's program\n"
                                       : fmt::format("breakpoints apply to program '{}'\n", forced_program_);
    }
    if (word == "tasks") {
        std::string out;
        for (Task* t : machine_->tasks()) {
            if (!t->vspace()) continue;
            uint64_t pc = t == cur_task_ && cur_regs_ ? cur_regs_->rip : t->regs.rip;
            out += fmt::format("{:4} {:<16} vspace {:<4} pc {:#x} {}\n", t->id(), machine_->task_name(*t),
                               t->vspace()->id(), pc, task_state(machine_->kernel(), *t));
        }
        return out.empty() ? "no tasks\n" : out;
    }
    if (word == "watchpoints") {
        if (arg == "hardware" || arg == "page" || arg == "auto") {
            if (!watches_.empty()) return "delete the watchpoints first\n";
            watch_mode_ = arg == "hardware" ? WatchMode::Hardware : arg == "page" ? WatchMode::Page : WatchMode::Auto;
        } else if (!arg.empty()) {
            return "usage: monitor watchpoints [auto|hardware|page]\n";
        }
        return fmt::format("watchpoints: {}\n", watch_mode_ == WatchMode::Hardware ? "debug registers"
                                                : watch_mode_ == WatchMode::Page   ? "page protection"
                                                                                   : "auto (probed at the first one)");
    }
    if (word == "points") {
        std::string out;
        for (const SwBreak& b : breaks_) out += fmt::format("break {:#x} in {}\n", b.addr, b.program);
        for (const Watch& w : watches_)
            out += fmt::format("watch {:#x} len {} in {} (slots {})\n", w.addr, w.len, w.program, w.slots.size());
        return out.empty() ? "none\n" : out;
    }
    return fmt::format("unknown monitor command '{}' (try 'monitor help')\n", word);
}

}  // namespace helios::sim
