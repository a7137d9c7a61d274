// Kernel: memory take-over, object creation and the iterative destroy path.
#include "core/kernel.h"

#include "arch/arch.h"
#include "lib/assert.h"
#include "objects/object_type.h"

#include <new>

namespace helios {

namespace {
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
    phys_.init(first, nframes, reinterpret_cast<uint64_t*>(base + table_bytes));
    phys_.reserve(first, meta_frames);

    uint64_t root_frame = TRY(phys_.alloc_one());
    auto* root = static_cast<Memory*>(construct(HELIOS_CT_MEMORY, root_frame, phys_.free_frames(), 0));
    return root;
}

void Kernel::prepare_frames(uint64_t count) {
    for (; frames_ready_ < count; ++frames_ready_) new (&frames_[frames_ready_]) Frame();
}

void* Kernel::frame_ptr(uint64_t frame_number) { return arch::phys_to_virt(frame_number * HELIOS_PAGE_SIZE); }

uint64_t Kernel::frames_for(CapType type, uint64_t size) { return object_type(type).frames(size); }

Result<uint64_t> Kernel::alloc_frames(uint64_t count) {
    if (injected_alloc_failures_ > 0) {
        injected_alloc_failures_--;
        return Error::NOMEM;
    }
    uint64_t first = TRY(count == 1 ? phys_.alloc_one() : phys_.alloc_contiguous(count));
    for (uint64_t i = 0; i < count; ++i) zero_bytes(frame_ptr(first + i), HELIOS_PAGE_SIZE);
    return first;
}

Object* Kernel::construct(CapType type, uint64_t first_frame, uint64_t size, uint64_t extra) {
    const ObjectType& described = object_type(type);
    HELIOS_ASSERT(described.construct != nullptr);
    Placement placement{first_frame, frame_ptr(first_frame), frame(first_frame).storage, size, extra};
    Object* object = described.construct(*this, placement);
    object->type_ = type;
    object->first_frame_ = first_frame;
    object->npages_ = static_cast<uint32_t>(described.frames(size));
    for (uint64_t i = 0; i < object->npages_; ++i) frame(first_frame + i).owner = object;
    stats_.objects_live++;
    stats_.live_by_type[type]++;
    if (described.created) described.created(*this, *object);
    return object;
}

Result<Object*> Kernel::create_object(Memory& memory, CapType type, uint64_t size) {
    if (type >= HELIOS_CTYPE_COUNT) return Error::INVALID_CTYPE;
    const ObjectType& described = object_type(type);
    if (!described.check_size) return Error::INVALID_CTYPE;  // not made from a Memory
    TRY_STATUS(described.check_size(size));
    if (memory.dying()) return Error::INVALID_CSLOT;
    // The machine's own limits (host processes and threads in the simulator).
    if (!arch::admit_object(type, stats_.live_by_type[type])) return Error::NOMEM;
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
    Object* object = construct(type, record, pages, type == HELIOS_CT_PAGE ? device_page_extra(addr) : addr);
    object->parent_ = &devmem;
    devmem.children.push_back(object);
    return object;
}

Result<Object*> Kernel::create_boot_object(CapType type, uint64_t a, uint64_t b) {
    uint64_t first = TRY(alloc_frames(1));
    return construct(type, first, a, b);
}

Result<Object*> Kernel::create_uncharged_object(CapType type, uint64_t a, uint64_t b) {
    HELIOS_ASSERT(type == HELIOS_CT_IOPORT || type == HELIOS_CT_IRQ);
    List<Object, &Object::sibling>& live = type == HELIOS_CT_IOPORT ? ioports_ : irqs_;
    if (live.size() >= kMaxUncharged) return Error::NOMEM;
    Object* object = TRY(create_boot_object(type, a, b));
    live.push_back(object);
    return object;
}

void Kernel::kill_program(Task& task) {
    Object* cs = task.cspace();
    Object* vs = task.vspace();
    destroy(&task);
    destroy(cs);
    destroy(vs);
    reschedule_after(current_, false);
}

void Kernel::destroy(Object* object) {
    if (!object || object->dying_) return;
    object->dying_ = true;
    destroy_queue_.push_back(object);
    // Inside a kernel entry the queue drains when the handler is done, so a
    // handler never touches an object freed under its feet (its own task).
    if (!in_entry_) drain_destroy_queue();
}

Object* Kernel::clear_cap(Slot& slot) {
    if (slot.is_null()) return nullptr;
    if (slot.type == HELIOS_CT_REPLY) {
        // A reply capability owns nothing: its caller learns the reply is gone.
        auto* caller = static_cast<Task*>(slot.object);
        Caps::clear(slot);
        abort_reply_wait(*caller);
        return nullptr;
    }
    return Caps::clear(slot);
}

void Kernel::delete_cap(Slot& slot) {
    if (Object* last = clear_cap(slot)) destroy(last);
}

void Kernel::drain_destroy_queue() {
    while (Object* object = destroy_queue_.front()) {
        auto children_of = object_type(object->type()).children;
        List<Object, &Object::sibling>* children = children_of ? children_of(*object) : nullptr;
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
            scheduler_.remove(*task);
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
    // 2. What the type holds; objects whose last owner goes are queued.
    if (auto teardown_type = object_type(object->type()).teardown) teardown_type(*this, *object);
    free_object_frames(object);
}

void Kernel::release(Slot& slot) {
    Object* last = clear_cap(slot);
    if (last && !last->dying_) {
        last->dying_ = true;
        destroy_queue_.push_back(last);
    }
}

void Kernel::forget_task(Task& task) {
    scheduler_.remove(task);
    if (current_ == &task) current_ = nullptr;
    if (in_entry_ == &task) in_entry_ = nullptr;
    if (init_task_ == &task) init_task_ = nullptr;
}

void Kernel::free_object_frames(Object* object) {
    // Every capability was revoked first: none may point at freed frames.
    HELIOS_ASSERT(object->caps.empty());
    Object* parent = object->parent_;
    uint64_t first = object->first_frame_;
    uint64_t count = object->npages_;
    uint64_t charge = count;
    if (auto* m = downcast<Memory>(object)) charge += m->quota();
    if (object->sibling.linked()) object->sibling.unlink();
    for (uint64_t i = 0; i < count; ++i) frame(first + i).owner = nullptr;
    phys_.free(first, count);
    stats_.objects_live--;
    stats_.live_by_type[object->type()]--;
    if (auto* pm = downcast<Memory>(parent)) pm->uncharge(charge);
    if (auto* pd = downcast<DevMem>(parent)) pd->child_gone();
}

void Kernel::log(const char* text) {
    uint64_t n = 0;
    while (text[n]) ++n;
    arch::console_write(text, n);
}

const char* error_name(Error e) {
    const char* name = helios_error_name(static_cast<unsigned>(e));
    return name ? name : "UNKNOWN";
}

}  // namespace helios
