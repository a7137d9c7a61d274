// GdbStub: tasks as gdb threads, and the program each address space runs.
#include "sim/gdb/stub.h"

#include <fmt/format.h>

#include "core/inbound.h"
#include "sim/machine/machine.h"

namespace helios::sim {

std::string GdbStub::task_state(Kernel& kernel, Task& t) {
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

std::vector<gdb::ThreadInfo> GdbStub::threads() {
    std::vector<gdb::ThreadInfo> out;
    if (!machine_) return out;
    for (Task* t : machine_->tasks()) {
        if (t->exited || !t->vspace()) continue;
        out.push_back({t->id(), t->vspace()->id(), machine_->task_name(*t), task_state(machine_->kernel(), *t)});
    }
    return out;
}

bool GdbStub::thread_alive(uint32_t tid) {
    return task_by_id(tid) != nullptr;
}

uint32_t GdbStub::process_of(uint32_t tid) {
    Task* t = task_by_id(tid);
    return t && t->vspace() ? t->vspace()->id() : 0;
}

std::string GdbStub::program_of_process(uint32_t id) {
    if (!machine_ || id == 0) return "";
    for (Task* t : machine_->tasks())
        if (t->vspace() && t->vspace()->id() == id && !t->exited) return program_of(*t->vspace());
    // Gone (a driver that crashed): its points still belong to its program,
    // which a restarted instance runs again.
    auto it = programs_.find(id);
    return it != programs_.end() ? it->second : "";
}

}  // namespace helios::sim
