// Kernel: memory take-over, object creation and the iterative destroy path.
#include "core/kernel.h"

#include "arch/arch.h"

#include <new>

namespace helios {

namespace {
// construct()'s `extra` for a device page: its page-aligned physical address
// with this bit set. A plain address could not tell a device page at
// physical 0 from a RAM page (extra == 0).
constexpr uint64_t kDevicePageTag = 1;

void zero_bytes(void* p, uint64_t n) {
    auto* b = static_cast<unsigned char*>(p);
    for (uint64_t i = 0; i < n; ++i) b[i] = 0;
}
}  // namespace

static_assert(sizeof(Page) <= sizeof(Frame::storage));
static_assert(sizeof(PageTable) <= sizeof(Frame::storage));
static_assert(sizeof(VSpace) <= sizeof(Frame::storage));
static_assert(sizeof(Task) <= HELIOS_PAGE_SIZE);
static_assert(sizeof(helios_ipcbuf) <= HELIOS_PAGE_SIZE);

Result<Memory*> Kernel::init(uint64_t phys_base, uint64_t size) {
    if (phys_base % HELIOS_PAGE_SIZE || size % HELIOS_PAGE_SIZE || size < 64 * HELIOS_PAGE_SIZE)
        return Error::INVALID_PARAM;
    uint64_t nframes = size / HELIOS_PAGE_SIZE;
    uint64_t first = phys_base / HELIOS_PAGE_SIZE;
    uint64_t table_bytes = nframes * sizeof(Frame);
    uint64_t bitmap_bytes = (nframes + 63) / 64 * 8;
    uint64_t meta_frames = (table_bytes + bitmap_bytes + HELIOS_PAGE_SIZE - 1) / HELIOS_PAGE_SIZE;
    if (meta_frames + 8 > nframes) return Error::NOMEM;

    auto* base = static_cast<unsigned char*>(arch::phys_to_virt(phys_base));
    frames_ = reinterpret_cast<Frame*>(base);
    frames_ready_ = 0;  // constructed on demand by frame()
    phys.init(first, nframes, reinterpret_cast<uint64_t*>(base + table_bytes));
    phys.reserve(first, meta_frames);

    uint64_t root_frame = TRY(phys.alloc_one());
    auto* root = static_cast<Memory*>(construct(HELIOS_CT_MEMORY, root_frame, phys.free_frames(), 0));
    return root;
}

void Kernel::prepare_frames(uint64_t count) {
    for (; frames_ready_ < count; ++frames_ready_) new (&frames_[frames_ready_]) Frame();
}

void* Kernel::frame_ptr(uint64_t frame_number) { return arch::phys_to_virt(frame_number * HELIOS_PAGE_SIZE); }

uint64_t Kernel::frames_for(CapType type, uint64_t size) {
    return type == HELIOS_CT_CSPACE ? CSpace::frames_for(static_cast<unsigned>(size)) : 1;
}

Result<uint64_t> Kernel::alloc_frames(uint64_t count) {
    if (injected_alloc_failures > 0) {
        injected_alloc_failures--;
        return Error::NOMEM;
    }
    uint64_t first = TRY(count == 1 ? phys.alloc_one() : phys.alloc_contiguous(count));
    for (uint64_t i = 0; i < count; ++i) zero_bytes(frame_ptr(first + i), HELIOS_PAGE_SIZE);
    return first;
}

Object* Kernel::construct(CapType type, uint64_t first_frame, uint64_t size, uint64_t extra) {
    void* body = frame_ptr(first_frame);
    void* record = frame(first_frame).storage;
    Object* object = nullptr;
    switch (type) {
        case HELIOS_CT_MEMORY: object = new (body) Memory(size); break;
        case HELIOS_CT_DEVMEM: object = new (body) DevMem(extra, size); break;
        case HELIOS_CT_CSPACE: object = new (body) CSpace(static_cast<unsigned>(size)); break;
        case HELIOS_CT_TASK: object = new (body) Task(next_task_id()); break;
        case HELIOS_CT_ENDPOINT: object = new (body) Endpoint(); break;
        case HELIOS_CT_NOTIFICATION: object = new (body) Notification(); break;
        case HELIOS_CT_IRQCONTROL: object = new (body) IrqControl(); break;
        case HELIOS_CT_IRQ: object = new (body) Irq(static_cast<unsigned>(size)); break;
        case HELIOS_CT_IOCONTROL: object = new (body) IoControl(); break;
        case HELIOS_CT_IOPORT:
            object = new (body) IoPort(static_cast<uint16_t>(size), static_cast<uint16_t>(extra));
            break;
        case HELIOS_CT_PAGE: {
            // A RAM page's record sits in its own frame's entry; a device
            // page's record occupies a bookkeeping frame (`first_frame`).
            bool device = extra & kDevicePageTag;
            object = new (record) Page(device ? extra & ~HELIOS_PAGE_MASK : first_frame * HELIOS_PAGE_SIZE, device);
            break;
        }
        case HELIOS_CT_PDPT:
        case HELIOS_CT_PD:
        case HELIOS_CT_PT: object = new (record) PageTable(type); break;
        case HELIOS_CT_VSPACE: {
            auto* vs = new (record) VSpace();
            vs->id_ = ++last_vspace_id_;
            object = vs;
            break;
        }
        default: return nullptr;
    }
    object->type_ = type;
    object->first_frame_ = first_frame;
    object->npages_ = static_cast<uint32_t>(frames_for(type, size));
    for (uint64_t i = 0; i < object->npages_; ++i) frame(first_frame + i).owner = object;
    stats.objects_live++;
    if (type < HELIOS_CTYPE_COUNT) stats.live_by_type[type]++;
    if (type == HELIOS_CT_VSPACE) arch::vspace_created(*static_cast<VSpace*>(object));
    return object;
}

Result<Object*> Kernel::create_object(Memory& memory, CapType type, uint64_t size) {
    switch (type) {
        case HELIOS_CT_CSPACE:
            if (size < CSpace::kMinRadix || size > CSpace::kMaxRadix) return Error::INVALID_PARAM;
            break;
        case HELIOS_CT_MEMORY:
            if (size == 0) return Error::INVALID_PARAM;
            break;
        case HELIOS_CT_VSPACE:
        case HELIOS_CT_TASK:
        case HELIOS_CT_ENDPOINT:
        case HELIOS_CT_NOTIFICATION:
        case HELIOS_CT_PAGE:
        case HELIOS_CT_PDPT:
        case HELIOS_CT_PD:
        case HELIOS_CT_PT: break;
        default: return Error::INVALID_CTYPE;
    }
    if (memory.dying()) return Error::INVALID_CSLOT;
    // The machine's own limits (host processes and threads in the simulator).
    if (!arch::admit_object(type, stats.live_by_type[type])) return Error::NOMEM;
    uint64_t frames = frames_for(type, size);
    uint64_t charge = frames + (type == HELIOS_CT_MEMORY ? size : 0);
    if (charge < frames) return Error::NOMEM;  // overflow
    TRY_STATUS(memory.charge(charge));
    auto first = alloc_frames(frames);
    if (!first.ok()) {
        memory.uncharge(charge);
        return first.error();
    }
    Object* object = construct(type, *first, size, 0);
    object->parent_ = &memory;
    memory.children.push_back(object);
    return object;
}

Result<Object*> Kernel::create_device_object(DevMem& devmem, CapType type, uint64_t size) {
    if (type != HELIOS_CT_PAGE && type != HELIOS_CT_DEVMEM) return Error::INVALID_CTYPE;
    uint64_t pages = type == HELIOS_CT_PAGE ? 1 : size;
    if (pages == 0) return Error::INVALID_PARAM;
    if (pages > devmem.remaining()) return Error::NOMEM;
    uint64_t record = TRY(alloc_frames(1));
    uint64_t addr = *devmem.take(pages);
    Object* object = construct(type, record, pages, type == HELIOS_CT_PAGE ? addr | kDevicePageTag : addr);
    object->parent_ = &devmem;
    devmem.children.push_back(object);
    return object;
}

Result<Object*> Kernel::create_boot_object(CapType type, uint64_t a, uint64_t b) {
    uint64_t first = TRY(alloc_frames(1));
    return construct(type, first, a, b);
}

void Kernel::destroy(Object* object) {
    if (!object || object->dying_) return;
    object->dying_ = true;
    destroy_queue_.push_back(object);
    // Inside a kernel entry the queue drains when the handler is done, so a
    // handler never touches an object freed under its feet (its own task).
    if (!in_entry_) drain_destroy_queue();
}

void Kernel::delete_cap(Slot& slot) {
    if (slot.is_null()) return;
    if (slot.type == HELIOS_CT_REPLY) {
        auto* caller = static_cast<Task*>(slot.object);
        Caps::clear(slot);
        abort_reply_wait(*caller);
        return;
    }
    Object* last = Caps::clear(slot);
    if (last) destroy(last);
}

void Kernel::drain_destroy_queue() {
    while (Object* object = destroy_queue_.front()) {
        List<Object, &Object::sibling>* children = nullptr;
        if (auto* m = downcast<Memory>(object)) children = &m->children;
        if (auto* d = downcast<DevMem>(object)) children = &d->children;
        if (children && !children->empty()) {
            // Children go first; the parent comes back after them.
            for (Object* c = children->front(); c; c = children->next(c)) {
                if (c->dying_) continue;
                c->dying_ = true;
                destroy_queue_.push_front(c);
            }
            destroy_queue_.remove(object);
            destroy_queue_.push_back(object);
            continue;
        }
        destroy_queue_.remove(object);
        teardown(object);
    }
}

void Kernel::embedded_revoked(Slot& slot) {
    Object* owner = slot.embedded_in;
    Caps::clear(slot);
    if (auto* task = downcast<Task>(owner)) {
        // A task that lost its cspace or vspace can no longer run.
        if (!task->configured()) {
            scheduler.remove(*task);
            if (current_ == task) current_ = nullptr;
        }
    }
}

void Kernel::teardown(Object* object) {
    // 1. Revoke every capability to the object.
    while (Slot* s = object->caps.front()) {
        if (s->embedded_in) {
            embedded_revoked(*s);
        } else {
            Caps::clear(*s);
        }
    }
    // 2. Type-specific teardown; objects whose last owner goes are queued.
    auto release = [this](Slot& slot) {
        if (slot.is_null()) return;
        if (slot.type == HELIOS_CT_REPLY) {
            auto* caller = static_cast<Task*>(slot.object);
            Caps::clear(slot);
            abort_reply_wait(*caller);
            return;
        }
        Object* last = Caps::clear(slot);
        if (last && !last->dying_) {
            last->dying_ = true;
            destroy_queue_.push_back(last);
        }
    };
    switch (object->type()) {
        case HELIOS_CT_CSPACE: {
            auto* cs = static_cast<CSpace*>(object);
            for (uint64_t i = 0; i < cs->capacity(); ++i) release(*cs->slot_at(i));
            break;
        }
        case HELIOS_CT_TASK: {
            auto* task = static_cast<Task*>(object);
            teardown_task(*task);
            release(task->cspace_slot);
            release(task->vspace_slot);
            release(task->fault_slot);
            break;
        }
        case HELIOS_CT_VSPACE:
            paging.clear_vspace(*static_cast<VSpace*>(object));
            arch::vspace_destroyed(*static_cast<VSpace*>(object));
            break;
        case HELIOS_CT_PAGE: paging.unmap_page(*static_cast<Page*>(object)); break;
        case HELIOS_CT_PDPT:
        case HELIOS_CT_PD:
        case HELIOS_CT_PT: paging.unmap_table(*static_cast<PageTable*>(object)); break;
        case HELIOS_CT_ENDPOINT: {
            auto* ep = static_cast<Endpoint*>(object);
            while (Task* t = ep->senders.front()) {
                if (t->msg_is_fault) {
                    unblock_silently(*t);  // stays suspended; nobody will handle it
                } else {
                    wake(*t, Error::ABORTED, 0);
                }
            }
            while (Task* t = ep->receivers.front()) wake(*t, Error::ABORTED, 0);
            poll_notify(ep->pollers);
            break;
        }
        case HELIOS_CT_NOTIFICATION: {
            auto* n = static_cast<Notification*>(object);
            while (Task* t = n->waiters.front()) wake(*t, Error::ABORTED, 0);
            poll_notify(n->pollers);
            break;
        }
        case HELIOS_CT_IRQ: {
            auto* irq = static_cast<Irq*>(object);
            release(irq->notification);
            if (irq_lines[irq->line()] == irq) irq_lines[irq->line()] = nullptr;
            arch::irq_mask(irq->line());
            break;
        }
        default: break;
    }
    free_object_frames(object);
}

void Kernel::teardown_task(Task& task) {
    scheduler.remove(task);
    if (current_ == &task) current_ = nullptr;
    if (in_entry_ == &task) in_entry_ = nullptr;
    if (init_task == &task) init_task = nullptr;
    unblock_silently(task);
    task.reply_stored = false;
    if (Task* caller = task.reply_to) {
        // The task died holding a caller's implicit reply: the caller learns.
        task.reply_to = nullptr;
        caller->replier = nullptr;
        wake(*caller, Error::ABORTED, 0);
    }
    arch::task_destroyed(task);
}

void Kernel::free_object_frames(Object* object) {
    Object* parent = object->parent_;
    uint64_t first = object->first_frame_;
    uint64_t count = object->npages_;
    uint64_t charge = count;
    if (auto* m = downcast<Memory>(object)) charge += m->quota();
    if (object->sibling.linked()) object->sibling.unlink();
    for (uint64_t i = 0; i < count; ++i) frame(first + i).owner = nullptr;
    phys.free(first, count);
    stats.objects_live--;
    if (object->type() < HELIOS_CTYPE_COUNT) stats.live_by_type[object->type()]--;
    if (auto* pm = downcast<Memory>(parent)) pm->uncharge(charge);
    if (auto* pd = downcast<DevMem>(parent)) pd->child_gone();
}

void Kernel::log(const char* text) {
    uint64_t n = 0;
    while (text[n]) ++n;
    arch::console_write(text, n);
}

const char* error_name(Error e) {
    switch (e) {
#define HELIOS_X_NAME(num, name, text) \
    case Error::name: return #name;
        HELIOS_ERRORS(HELIOS_X_NAME)
#undef HELIOS_X_NAME
    }
    return "UNKNOWN";
}

}  // namespace helios
