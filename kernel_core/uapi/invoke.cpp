// Object invocations: decode send(cap, tag) against its abi.h row, then perform.
#include "objects/invocation.h"
#include "uapi/uapi.h"

#include <utility>

namespace helios {

// Never defined: a call is only reached while building the row index at
// compile time, where it makes a bad table a build error.
void invalid_invocation_table();

namespace {

enum class CapKind : uint8_t {
#define HELIOS_X_KIND(kind) kind,
    HELIOS_CAP_KINDS(HELIOS_X_KIND)
#undef HELIOS_X_KIND
};

struct CapArgument {
    CapKind kind;
    CapType type;
    uint8_t rights;
};

template <unsigned N>
struct CapArguments {
    CapArgument args[N ? N : 1];
    unsigned count = N;
};
template <typename... Args>
constexpr CapArguments<sizeof...(Args)> cap_arguments(Args... args) {
    return {{args...}};
}

// A row of HELIOS_INVOCATIONS, with what decoding derives from it.
struct InvocationRow {
    CapType type;
    unsigned label;
    const char* name;
    unsigned nparams;             // params[] the tag must carry
    const CapArgument* caps;      // caps[] as the row describes them
    unsigned ncap_args;
    unsigned min_caps, max_caps;  // the tag's bounds
    Error (*perform)(Invocation&);
};

template <typename... Params>
constexpr unsigned arity(Error (*)(Invocation&, Params...)) {
    return sizeof...(Params);
}

// Calls a perform function with params[0 .. arity) as its arguments.
template <typename... Params, size_t... I>
Error call_with_params(Error (*perform)(Invocation&, Params...), Invocation& invocation,
                       std::index_sequence<I...>) {
    return perform(invocation, invocation.buffer.params[I]...);
}

constexpr unsigned min_caps(const CapArgument* caps, unsigned n) {
    unsigned required = 0;
    for (unsigned i = 0; i < n; ++i)
        if (caps[i].kind != CapKind::OPTIONAL && caps[i].kind != CapKind::OUT_LIST &&
            caps[i].kind != CapKind::SLOT_LIST)
            required = i + 1;
    return required;
}
constexpr unsigned max_caps(const CapArgument* caps, unsigned n) {
    for (unsigned i = 0; i < n; ++i)
        if (caps[i].kind == CapKind::OUT_LIST || caps[i].kind == CapKind::SLOT_LIST) return HELIOS_MAX_CAPS;
    return n;
}

// Per row: its capability arguments and a thunk unpacking its params.
#define HELIOS_CAP(name, kind, ctype, rights) \
    CapArgument { CapKind::kind, HELIOS_CT_##ctype, static_cast<uint8_t>(rights) }
#define HELIOS_X_CAP_ARGS(type, label, name, params, caps, doc) \
    constexpr auto kCaps_##name = cap_arguments(HELIOS_PP_UNPAREN caps);
HELIOS_INVOCATIONS(HELIOS_X_CAP_ARGS)
#undef HELIOS_X_CAP_ARGS
#undef HELIOS_CAP

#define HELIOS_X_THUNK(type, label, name, params, caps, doc)                             \
    Error thunk_##name(Invocation& invocation) {                                         \
        return call_with_params(&perform_##name, invocation,                             \
                                std::make_index_sequence<arity(&perform_##name)>{});    \
    }
HELIOS_INVOCATIONS(HELIOS_X_THUNK)
#undef HELIOS_X_THUNK

constexpr InvocationRow kRows[] = {
#define HELIOS_X_ROW(type, label, name, params, caps, doc)                                         \
    {HELIOS_CT_##type,                                                                             \
     label,                                                                                        \
     #name,                                                                                        \
     arity(&perform_##name),                                                                       \
     kCaps_##name.args,                                                                            \
     kCaps_##name.count,                                                                           \
     min_caps(kCaps_##name.args, kCaps_##name.count),                                              \
     max_caps(kCaps_##name.args, kCaps_##name.count),                                              \
     &thunk_##name},
    HELIOS_INVOCATIONS(HELIOS_X_ROW)
#undef HELIOS_X_ROW
};
constexpr unsigned kRowCount = sizeof kRows / sizeof kRows[0];

// Lookup by (type, label) in one step: row index + 1, 0 for none. Labels
// are small; a row outside the index, or two rows for one (type, label),
// stop the build here.
constexpr unsigned kMaxLabel = 15;
struct RowIndex {
    uint8_t row[HELIOS_CTYPE_COUNT][kMaxLabel + 1] = {};
    bool invocable[HELIOS_CTYPE_COUNT] = {};
};
constexpr RowIndex build_index() {
    RowIndex index;
    for (unsigned i = 0; i < kRowCount; ++i) {
        const InvocationRow& r = kRows[i];
        if (r.type >= HELIOS_CTYPE_COUNT || r.label > kMaxLabel || index.row[r.type][r.label] != 0)
            invalid_invocation_table();
        if (r.ncap_args > HELIOS_MAX_CAPS || r.nparams > HELIOS_MAX_PARAMS) invalid_invocation_table();
        index.row[r.type][r.label] = static_cast<uint8_t>(i + 1);
        index.invocable[r.type] = true;
    }
    return index;
}
constexpr RowIndex kIndex = build_index();

// Resolve caps[i] as the row's argument i describes it.
Status resolve_argument(CSpace& cs, const CapArgument& arg, helios_caddr_t caddr, Object** out) {
    switch (arg.kind) {
        case CapKind::IN:
        case CapKind::OPTIONAL:
        case CapKind::NULLABLE: {
            Slot* s = TRY(cs.slot(caddr));
            if (s->is_null()) {
                if (arg.kind == CapKind::NULLABLE) return {};
                return Error::INVALID_CSLOT;
            }
            if (arg.type != HELIOS_CT_NULL_CAP && s->type != arg.type) return Error::INVALID_CTYPE;
            if ((s->rights & arg.rights) != arg.rights) return Error::NO_RIGHTS;
            *out = s->object;
            return {};
        }
        default: return {};  // SLOT and OUT entries: the perform step interprets them
    }
}

}  // namespace

const char* invocation_name(CapType type, uint64_t label) {
    if (type >= HELIOS_CTYPE_COUNT || label > kMaxLabel || !kIndex.row[type][label]) return nullptr;
    return kRows[kIndex.row[type][label] - 1].name;
}

Error Uapi::invoke(Kernel& k, Task& t, Slot& slot, uint64_t tag, uint64_t* value) {
    if (!(slot.rights & HELIOS_RIGHT_SEND)) return Error::NO_RIGHTS;
    unsigned nparams = HELIOS_TAG_NPARAMS(tag), ncaps = HELIOS_TAG_NCAPS(tag);
    if (nparams > HELIOS_MAX_PARAMS || ncaps > HELIOS_MAX_CAPS) return Error::INVALID_PARAM;
    helios_ipcbuf* b = k.ipcbuf_of(t);
    if (!b) return Error::INVALID_PARAM;
    if (slot.type >= HELIOS_CTYPE_COUNT || !kIndex.invocable[slot.type]) return Error::UNSUPPORTED;
    uint64_t label = HELIOS_TAG_LABEL(tag);
    if (label > kMaxLabel || !kIndex.row[slot.type][label]) return Error::INVALID_SYSCALL;
    const InvocationRow& row = kRows[kIndex.row[slot.type][label] - 1];
    k.note_invocation(kIndex.row[slot.type][label]);
    if (nparams < row.nparams || ncaps < row.min_caps || ncaps > row.max_caps) return Error::INVALID_PARAM;

    Invocation invocation{k, t, slot, *b, ncaps};
    for (unsigned i = 0; i < row.ncap_args && i < ncaps; ++i)
        TRY_STATUS(resolve_argument(*t.cspace(), row.caps[i], b->caps[i], &invocation.objects[i]));
    Error e = row.perform(invocation);
    *value = invocation.value;
    return e;
}

}  // namespace helios
