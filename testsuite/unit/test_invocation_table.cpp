// The ABI tables drive the kernel: invocation decoding by row, names, the type table.
#include "objects/object_type.h"
#include "support/fake_arch.h"
#include "support/world.h"
#include "uapi/uapi.h"

#include <catch2/catch.hpp>

#include <string>

using namespace helios;
using namespace helios::test;

TEST_CASE("invocations: every HELIOS_INVOCATIONS row is dispatched under its own name", "[invocation]") {
    unsigned row = 0;
#define HELIOS_X_ROW(type, label, name, params, caps, doc) \
    CHECK(std::string(helios_invocation_row_name(row++)) == #name);
    HELIOS_INVOCATIONS(HELIOS_X_ROW)
#undef HELIOS_X_ROW
    CHECK(helios_invocation_row_name(row) == nullptr);
#define HELIOS_X_CHECK(type, label, name, params, caps, doc) \
    CHECK(std::string(invocation_name(HELIOS_CT_##type, label) ? invocation_name(HELIOS_CT_##type, label) : "") == #name);
    HELIOS_INVOCATIONS(HELIOS_X_CHECK)
#undef HELIOS_X_CHECK
    CHECK(invocation_name(HELIOS_CT_ENDPOINT, 1) == nullptr);  // endpoints are sent to, not invoked
    CHECK(invocation_name(HELIOS_CT_PAGE, 9) == nullptr);
    CHECK(invocation_name(static_cast<CapType>(200), 1) == nullptr);
}

TEST_CASE("invocations: a tag with fewer params than the row names is refused before anything happens",
          "[invocation]") {
    World w;
    Proc p = w.spawn();
    uint64_t used = p.memory->used();
    // memory_allocate reads (type, size, count): a tag with two is short.
    p.ipc->params[0] = HELIOS_CT_ENDPOINT;
    p.ipc->params[1] = 0;
    p.ipc->params[2] = 1;
    p.ipc->caps[0] = HELIOS_CADDR_UNDEF;
    auto r = w.sys(p, HELIOS_SYS_send, kSlotMemory, HELIOS_TAG(HELIOS_INV_memory_allocate, 1, 2));
    CHECK(r.status == Error::INVALID_PARAM);
    CHECK(p.memory->used() == used);
    // The same with all three: made.
    r = w.sys(p, HELIOS_SYS_send, kSlotMemory, HELIOS_TAG(HELIOS_INV_memory_allocate, 1, 3));
    CHECK(r.status == Error::NONE);
}

TEST_CASE("invocations: capability counts are checked against the row", "[invocation]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t page = w.alloc(p, HELIOS_CT_PAGE);
    // page_map needs its vspace argument.
    CHECK(w.invoke(p, page, HELIOS_INV_page_map, {0x500000, 0}).status == Error::INVALID_PARAM);
    // count = 2 objects but one out-slot named.
    CHECK(w.invoke(p, kSlotMemory, HELIOS_INV_memory_allocate, {HELIOS_CT_ENDPOINT, 0, 2}, {HELIOS_CADDR_UNDEF})
              .status == Error::INVALID_PARAM);
    // cspace_copy takes dest, src and an optional target: four is too many.
    CHECK(w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy, {HELIOS_RIGHTS_ALL},
                   {HELIOS_CADDR_UNDEF, kSlotTask, kSlotCSpace, kSlotCSpace})
              .status == Error::INVALID_PARAM);
    CHECK(w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy, {HELIOS_RIGHTS_ALL}, {HELIOS_CADDR_UNDEF, kSlotTask})
              .status == Error::NONE);
}

TEST_CASE("invocations: IN arguments are resolved with the row's type and rights", "[invocation]") {
    World w;
    Proc p = w.spawn();
    helios_caddr_t page = w.alloc(p, HELIOS_CT_PAGE);
    helios_caddr_t ep = w.alloc(p, HELIOS_CT_ENDPOINT);
    // page_map's argument must be a VSPACE held with SEND.
    CHECK(w.invoke(p, page, HELIOS_INV_page_map, {0x500000, 0}, {ep}).status == Error::INVALID_CTYPE);
    CHECK(w.invoke(p, page, HELIOS_INV_page_map, {0x500000, 0}, {200}).status == Error::INVALID_CSLOT);
    CHECK(w.invoke(p, page, HELIOS_INV_page_map, {0x500000, 0}, {1u << 20}).status == Error::INVALID_CADDR);
    auto copy = w.invoke(p, kSlotCSpace, HELIOS_INV_cspace_copy, {HELIOS_RIGHT_RECV},
                         {HELIOS_CADDR_UNDEF, kSlotVSpace});
    REQUIRE(copy.ok());
    auto recv_only_vspace = static_cast<helios_caddr_t>(copy.value);
    CHECK(w.invoke(p, page, HELIOS_INV_page_map, {0x500000, 0}, {recv_only_vspace}).status == Error::NO_RIGHTS);
    // A NULLABLE argument: an empty slot means "none" (task_set_fault clears).
    CHECK(w.invoke(p, kSlotTask, HELIOS_INV_task_set_fault, {0}, {200}).status == Error::NONE);
    CHECK(w.invoke(p, kSlotTask, HELIOS_INV_task_set_fault, {0}, {page}).status == Error::INVALID_CTYPE);
}

TEST_CASE("invocations: the trace names the invoked operation", "[invocation]") {
    World w;
    Proc p = w.spawn();
    REQUIRE(fake_arch().record_trace);  // the fake arch records by default
    fake_arch().trace.clear();
    w.invoke(p, kSlotMemory, HELIOS_INV_memory_info, {});
    w.sys(p, HELIOS_SYS_yield);
    bool named = false, unnamed_yield = false;
    for (const auto& e : fake_arch().trace) {
        if (e.kind != arch::TraceKind::Syscall) continue;
        if (e.number == HELIOS_SYS_send)
            named = e.invocation && std::string(helios_invocation_row_name(e.invocation - 1u)) == "memory_info";
        if (e.number == HELIOS_SYS_yield) unnamed_yield = e.invocation == 0;
    }
    CHECK(named);
    CHECK(unnamed_yield);
}

TEST_CASE("object types: one descriptor per capability type, in order", "[invocation]") {
    for (unsigned t = 0; t < HELIOS_CTYPE_COUNT; ++t) {
        const ObjectType& described = object_type(static_cast<CapType>(t));
        CHECK(described.type == t);
        // What names an object can be built; the null and reply types cannot.
        bool names_object = t != HELIOS_CT_NULL_CAP && t != HELIOS_CT_REPLY;
        CHECK(described.is_object == names_object);
        CHECK((described.construct != nullptr) == names_object);
    }
    // Exactly the types a Memory makes have a size check.
    for (CapType t : {HELIOS_CT_MEMORY, HELIOS_CT_CSPACE, HELIOS_CT_VSPACE, HELIOS_CT_TASK, HELIOS_CT_ENDPOINT,
                      HELIOS_CT_NOTIFICATION, HELIOS_CT_PAGE, HELIOS_CT_PDPT, HELIOS_CT_PD, HELIOS_CT_PT})
        CHECK(object_type(t).check_size != nullptr);
    for (CapType t : {HELIOS_CT_NULL_CAP, HELIOS_CT_DEVMEM, HELIOS_CT_REPLY, HELIOS_CT_IRQCONTROL, HELIOS_CT_IRQ,
                      HELIOS_CT_IOCONTROL, HELIOS_CT_IOPORT})
        CHECK(object_type(t).check_size == nullptr);
}
