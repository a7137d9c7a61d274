// Looking into the guest from outside (the debugger, fault reports, injections): tasks, program names, husks.
#include "sim/machine/machine.h"

#include <fmt/format.h>

#include <algorithm>

namespace helios::sim {

HuskProcess* Machine::husk_of(Task& task) {
    auto th = husks_->thread_for(task);
    return th ? (*th)->husk : nullptr;
}

Status Machine::protect_guest_page(uint32_t vspace_id, uint64_t page, int prot) {
    Task* any = nullptr;
    for (Task* t : tasks()) {
        if (!t->vspace() || t->vspace()->id() != vspace_id) continue;
        if (linux_tid_of(*t)) return husks_->protect_page(*t, page, prot);
        if (!any) any = t;
    }
    return any ? husks_->protect_page(*any, page, prot) : Status::success();
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

}  // namespace helios::sim
