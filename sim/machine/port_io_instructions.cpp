// Port I/O instructions (in, out, ins, outs, rep): checked against the task's I/O rights, performed on the bus, traced.
#include "sim/machine/machine.h"

#include "sim/ptrace/insn_decode.h"

namespace helios::sim {

namespace {

// A rep string instruction looks at the timeout flag once per this many
// elements: often enough to stop within a millisecond, rarely enough to cost
// nothing next to the per-element copy.
constexpr uint64_t kStringIoCheckEvery = 4096;

}  // namespace

bool Machine::handle_port_io(Task& task, GuestThread& th) {
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
            if (done % kStringIoCheckEvery == kStringIoCheckEvery - 1 && watchdog_.timed_out())
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

}  // namespace helios::sim
