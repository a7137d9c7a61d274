// Look-ups in the procinfo page and auxiliary vector (helios/procinfo.h).
#include <helios/procinfo.h>
#include <helios/rt.h>

#include "lib/string.h"

// Set by start.cpp when rdi pointed at a procinfo page with the right magic.
extern "C" const helios_procinfo* helios_rt_procinfo;

namespace helios::rt {

const helios_procinfo* procinfo() {
    return helios_rt_procinfo;
}

const helios_auxv* find_aux(uint32_t type, const char* name) {
    const helios_procinfo* info = helios_rt_procinfo;
    if (!info) return nullptr;
    uint32_t count = info->auxc < HELIOS_AUX_MAX ? info->auxc : HELIOS_AUX_MAX;
    for (uint32_t i = 0; i < count; ++i) {
        const helios_auxv& a = info->aux[i];
        if (a.type == HELIOS_AT_NULL) break;
        if (a.type != type) continue;
        size_t n = lib::length_bounded(a.name, sizeof a.name);
        if (lib::equal(a.name, n, name)) return &a;
    }
    return nullptr;
}

helios_caddr_t find_aux_cap(const char* name) {
    const helios_auxv* a = find_aux(HELIOS_AT_CAP, name);
    return a ? a->cap : HELIOS_CADDR_UNDEF;
}

helios_caddr_t find_service(const char* name) {
    const helios_auxv* a = find_aux(HELIOS_AT_SERVICE, name);
    return a ? a->cap : HELIOS_CADDR_UNDEF;
}

bool find_aux_value(const char* name, uint64_t* out) {
    const helios_auxv* a = find_aux(HELIOS_AT_VALUE, name);
    if (!a) return false;
    *out = a->value;
    return true;
}

const char* program_name() {
    static char name[sizeof helios_procinfo::name + 1];
    if (const helios_procinfo* info = helios_rt_procinfo) {
        size_t n = lib::length_bounded(info->name, sizeof info->name);
        lib::copy(name, info->name, n);
        name[n] = '\0';
        return name;
    }
    return bootinfo() ? "init" : "";
}

}  // namespace helios::rt
