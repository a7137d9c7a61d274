// sec_cpu: instructions that read host CPU state (cpuid, rdrand, rdseed, rdpid, rdtscp).
//
// Each runs in a supervised worker and its result is printed; the host test
// records whether it trapped or ran natively (the virtual CPU contract of
// docs/security.md), and asserts only that the run stays contained: these
// may fault (#UD where the CPU lacks them), be answered from a fixed
// virtual CPU, or run natively on a host that cannot trap them. The CPU's
// vendor string (cpuid leaf 0) is printed as text so that the host can
// compare it with its own. Command line: "CANARY".
#include "attack.h"

namespace {

constexpr const char* kProg = "sec_cpu";

struct Cpuid {
    uint32_t a, b, c, d;
};

Cpuid cpuid(uint32_t leaf) {
    Cpuid r{};
    asm volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(0));
    return r;
}

uint64_t probe_cpuid0(uint64_t) {
    Cpuid r = cpuid(0);
    return uint64_t{r.b} | uint64_t{r.d} << 32;  // the first 8 vendor characters
}
uint64_t probe_cpuid1(uint64_t) {
    Cpuid r = cpuid(1);
    return uint64_t{r.a} << 32 | (r.b >> 24);  // signature and initial APIC id (the host CPU number)
}
uint64_t probe_rdrand(uint64_t) {
    uint64_t v = 0;
    asm volatile(".byte 0x48, 0x0f, 0xc7, 0xf0" : "=a"(v));  // rdrand rax
    return v;
}
uint64_t probe_rdseed(uint64_t) {
    uint64_t v = 0;
    asm volatile(".byte 0x48, 0x0f, 0xc7, 0xf8" : "=a"(v));  // rdseed rax
    return v;
}
uint64_t probe_rdpid(uint64_t) {
    uint64_t v = 0;
    asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(v));  // rdpid rax
    return v;
}
uint64_t probe_rdtscp_aux(uint64_t) {
    uint32_t lo = 0, hi = 0, aux = 0;
    asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
    return aux;  // IA32_TSC_AUX: the host CPU number under Linux
}

void print_vendor(const attack::Outcome& o) {
    if (o.faulted) return;
    char text[9];
    for (int i = 0; i < 8; ++i) {
        char c = static_cast<char>(o.value >> (8 * i));
        text[i] = c >= 0x20 && c < 0x7F ? c : '.';
    }
    text[8] = '\0';
    helios::printf("%s: cpuid vendor starts '%s'\n", kProg, text);
}

}  // namespace

int main() {
    unsigned index = 0;
    attack::Outcome vendor = attack::probe(kProg, index++, probe_cpuid0, 0);
    attack::report(kProg, "cpuid 0", vendor);
    print_vendor(vendor);
    attack::report(kProg, "cpuid 1", attack::probe(kProg, index++, probe_cpuid1, 0));
    attack::report(kProg, "rdrand", attack::probe(kProg, index++, probe_rdrand, 0));
    attack::report(kProg, "rdseed", attack::probe(kProg, index++, probe_rdseed, 0));
    attack::report(kProg, "rdpid", attack::probe(kProg, index++, probe_rdpid, 0));
    attack::report(kProg, "rdtscp aux", attack::probe(kProg, index++, probe_rdtscp_aux, 0));
    helios::printf("%s: done\n", kProg);
    return 0;
}
