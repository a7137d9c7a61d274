// World: builds processes straight from kernel objects, issues syscalls.
#include "support/world.h"


namespace helios::test {

World::World(uint64_t bytes) {
    fake_arch().reset(bytes);
    auto r = k.init(0, bytes);
    world_require(r.ok(), "r.ok()");
    root = *r;
    root_used_at_start = root->used();
}

World::~World() = default;

// The World builds processes from kernel objects directly, as boot does:
// the machine's host limits (fake_arch().object_limit) are for guests.
struct LimitsSuspended {
    bool was = fake_arch().limits_suspended;
    LimitsSuspended() { fake_arch().limits_suspended = true; }
    ~LimitsSuspended() { fake_arch().limits_suspended = was; }
};

static Object* must(Result<Object*> r) {
    world_require(r.ok(), "r.ok()");
    return *r;
}

void World::ensure_tables(Proc& p, uint64_t vaddr) {
    LimitsSuspended suspended;
    const CapType types[] = {HELIOS_CT_PDPT, HELIOS_CT_PD, HELIOS_CT_PT};
    for (CapType type : types) {
        auto* table = static_cast<PageTable*>(must(k.create_object(*root, type, 0)));
        unsigned missing = 0;
        Status st = k.paging().map_table(*p.vspace, *table, vaddr, &missing);
        if (!st.ok()) {
            world_require(st.error() == Error::BUSY, "st.error() == Error::BUSY");  // already present at this level
            k.destroy(table);
        }
    }
}

void World::map_new_page(Proc& p, uint64_t vaddr) {
    LimitsSuspended suspended;
    auto* page = static_cast<Page*>(must(k.create_object(*root, HELIOS_CT_PAGE, 0)));
    world_require(k.paging().map_page(*p.vspace, *page, vaddr, HELIOS_MAP_WRITE, nullptr).ok(), "k.paging().map_page(*p.vspace, *page, vaddr, HELIOS_MAP_WRITE, nullptr).ok()");
}

Proc World::spawn(unsigned radix, uint64_t quota) {
    LimitsSuspended suspended;
    Proc p;
    p.cspace = static_cast<CSpace*>(must(k.create_object(*root, HELIOS_CT_CSPACE, radix)));
    p.vspace = static_cast<VSpace*>(must(k.create_object(*root, HELIOS_CT_VSPACE, 0)));
    p.task = static_cast<Task*>(must(k.create_object(*root, HELIOS_CT_TASK, 0)));
    p.memory = static_cast<Memory*>(must(k.create_object(*root, HELIOS_CT_MEMORY, quota)));
    Caps::install(**p.cspace->slot(kSlotCSpace), p.cspace, HELIOS_CT_CSPACE, HELIOS_RIGHTS_ALL, 0);
    Caps::install(**p.cspace->slot(kSlotVSpace), p.vspace, HELIOS_CT_VSPACE, HELIOS_RIGHTS_ALL, 0);
    Caps::install(**p.cspace->slot(kSlotTask), p.task, HELIOS_CT_TASK, HELIOS_RIGHTS_ALL, 0);
    Caps::install(**p.cspace->slot(kSlotMemory), p.memory, HELIOS_CT_MEMORY, HELIOS_RIGHTS_ALL, 0);
    ensure_tables(p, kIpcBufAddr);
    map_new_page(p, kIpcBufAddr);
    for (unsigned i = 0; i < kDataPages; ++i) map_new_page(p, kDataAddr + i * HELIOS_PAGE_SIZE);
    Caps::install(p.task->cspace_slot, p.cspace, HELIOS_CT_CSPACE, HELIOS_RIGHTS_ALL, 0, p.task);
    Caps::install(p.task->vspace_slot, p.vspace, HELIOS_CT_VSPACE, HELIOS_RIGHTS_ALL, 0, p.task);
    p.task->ipcbuf = kIpcBufAddr;
    p.task->suspended = false;
    p.ipc = k.ipcbuf_of(*p.task);
    world_require(p.ipc != nullptr, "p.ipc != nullptr");
    k.make_runnable(*p.task);
    return p;
}

Proc World::thread(Proc& p, uint64_t ipcbuf, helios_caddr_t* task_cap) {
    LimitsSuspended suspended;
    Proc t = p;
    t.task = static_cast<Task*>(must(k.create_object(*root, HELIOS_CT_TASK, 0)));
    auto slot = p.cspace->empty(HELIOS_CADDR_UNDEF);
    world_require(slot.ok(), "slot.ok()");
    Caps::install(**slot, t.task, HELIOS_CT_TASK, HELIOS_RIGHTS_ALL, 0);
    if (task_cap) *task_cap = p.cspace->caddr_of(*slot);
    ensure_tables(p, ipcbuf);
    map_new_page(p, ipcbuf);
    Caps::install(t.task->cspace_slot, p.cspace, HELIOS_CT_CSPACE, HELIOS_RIGHTS_ALL, 0, t.task);
    Caps::install(t.task->vspace_slot, p.vspace, HELIOS_CT_VSPACE, HELIOS_RIGHTS_ALL, 0, t.task);
    t.task->ipcbuf = ipcbuf;
    t.task->suspended = false;
    t.ipc = k.ipcbuf_of(*t.task);
    world_require(t.ipc != nullptr, "t.ipc != nullptr");
    k.make_runnable(*t.task);
    return t;
}

SysResult World::sys(Proc& p, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                     uint64_t a5) {
    world_require(p.task->runnable(), "p.task->runnable()");
    k.switch_to(*p.task);
    helios_regs& r = p.task->regs;
    r.rax = nr;
    r.rdi = a0;
    r.rsi = a1;
    r.rdx = a2;
    r.r10 = a3;
    r.r8 = a4;
    r.r9 = a5;
    k.enter_syscall(*p.task);
    return {static_cast<Error>(r.rax), r.rdx};
}

SysResult World::invoke(Proc& p, helios_caddr_t cap, uint64_t label, std::initializer_list<uint64_t> params,
                        std::initializer_list<helios_caddr_t> caps) {
    unsigned i = 0;
    for (uint64_t v : params) p.ipc->params[i++] = v;
    unsigned j = 0;
    for (helios_caddr_t c : caps) p.ipc->caps[j++] = c;
    return sys(p, HELIOS_SYS_send, cap, HELIOS_TAG(label, j, i));
}

helios_caddr_t World::alloc(Proc& p, CapType type, uint64_t size) {
    SysResult r = invoke(p, kSlotMemory, HELIOS_INV_memory_allocate, {static_cast<uint64_t>(type), size, 1},
                         {HELIOS_CADDR_UNDEF});
    world_require(r.status == Error::NONE, "r.status == Error::NONE");
    return static_cast<helios_caddr_t>(r.value);
}

bool World::poke(Proc& p, uint64_t vaddr, const void* data, uint64_t len) {
    return k.copy_to_user(*p.vspace, vaddr, data, len);
}

bool World::peek(Proc& p, uint64_t vaddr, void* data, uint64_t len) {
    return k.copy_from_user(*p.vspace, vaddr, data, len);
}

}  // namespace helios::test
