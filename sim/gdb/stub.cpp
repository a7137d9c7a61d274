// GdbStub: creation, the connection to gdb, and serving its packets while the system stands still.
#include "sim/gdb/stub.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sim/gdb/gdb_log.h"
#include "sim/machine/machine.h"

namespace helios::sim {

using gdb::InputKind;
using gdb::StopReply;

HostResult<std::unique_ptr<GdbStub>> GdbStub::create(const GdbStubOptions& options) {
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
GdbStub::~GdbStub() {
    if (machine_)
        for (unsigned port = 0; port < 2; ++port)
            if (uart_show_[port]) machine_->listen_to_uart(port, nullptr);
}

void GdbStub::new_client() {
    session_ = std::make_unique<gdb::Session>(static_cast<gdb::Target&>(*this), options_.wait);
    running_ = false;
    pending_input_.clear();
    client_since_ = std::chrono::steady_clock::now();
    client_spoke_ = false;
    gdb::log().info("gdb connected on {}", server_->address());
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
    bind_notes_.clear();
    unannounced_.clear();
    gone_.clear();
    last_signal_.clear();
    report_exits_ = false;
    for (unsigned port = 0; port < 2; ++port) {
        if (uart_show_[port] && machine_) machine_->listen_to_uart(port, nullptr);
        uart_show_[port] = false;
    }
    uart_out_.clear();
    step_task_ = 0;
    step_via_kernel_ = false;
    stepover_task_ = 0;
    running_ = false;
    server_->close_client();
    session_.reset();
    gdb::log().info("gdb detached");
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

void GdbStub::send_console_output() {
    if (!running_ || !session_ || !server_->connected()) return;
    // O packets: gdb prints them while it waits for a stop reply. Sent in
    // pieces well inside the packet size (hex doubles them).
    for (std::string* text : {&bind_notes_, &uart_out_}) {
        for (size_t at = 0; at < text->size(); at += 1024) {
            std::string_view part = std::string_view(*text).substr(at, 1024);
            if (!server_->send_packet("O" + gdb::encode_hex(part))) break;
        }
        text->clear();
    }
}

bool GdbStub::deadline_passed() const {
    return machine_ && machine_->timed_out();
}

void GdbStub::end_run_at_deadline() {
    gdb::log().warn("gdb: the run's --timeout passed while the stub waited for gdb; ending the run");
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
    if (announce) send_console_output();  // what the system printed before it stopped comes first
    if (announce && !server_->send_packet(session_->format_stop(stop))) {
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
            gdb::log().warn("gdb: dropped the client on {}: no packet within {} s of connecting (--gdb-idle)",
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
                    gdb::log().debug("gdb: packet with a bad checksum");
                    if (!session_->no_ack()) ok = server_->send_raw("-");
                    break;
                case InputKind::Overflow:
                    gdb::log().warn("gdb: dropped a packet longer than {} bytes", gdb::PacketDecoder::kMaxPacket);
                    if (!session_->no_ack()) ok = server_->send_raw("+");
                    ok = ok && server_->send_packet("E22");
                    break;
                case InputKind::Packet: {
                    client_spoke_ = true;
                    if (!session_->no_ack()) ok = server_->send_raw("+");
                    gdb::log().trace("gdb <- {}", e.payload.substr(0, 200));
                    gdb::Outcome out = session_->handle(e.payload);
                    switch (out.kind) {
                        case gdb::Outcome::Kind::Reply:
                            gdb::log().trace("gdb -> {}", out.reply.substr(0, 200));
                            ok = ok && server_->send_packet(out.reply);
                            break;
                        case gdb::Outcome::Kind::Resume:
                            apply_resume(out.actions, decision);
                            running_ = true;
                            done = true;
                            send_console_output();
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
                        case gdb::Outcome::Kind::KillLater:
                            // The run ends once gdb resumes or leaves; meanwhile
                            // it may kill its other inferiors.
                            machine_->request_exit(137, "killed by the debugger");
                            ok = ok && server_->send_packet(out.reply);
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

}  // namespace helios::sim
