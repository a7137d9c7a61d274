// sec_host_pages: the guest touches pages that belong to the host, not to its vspace.
//
// Every probe runs in a supervised worker (attack::probe) and prints one
// line: "-> fault KIND" or "-> returned VALUE".
//  * Calls into the vsyscall page (gettimeofday, time, getcpu): Linux would
//    answer them without a ptrace stop, with host time and the host CPU.
//  * Writes into the husk's own pages (its code, its scratch page, its
//    mailbox, with a forged batch that would map the physical memory over
//    the husk's code), after which a fresh mapping must still work: the
//    writes fault or have no effect.
//  * Probes named by the host: words "r:HEX" (read 8 bytes), "w:HEX" (write
//    8 bytes), "x:HEX" (call with rdi = 0), e.g. where the husk's vDSO,
//    vvar and Linux stack are (or were).
// Command line: "CANARY [r:HEX|w:HEX|x:HEX]...". Expected once the husk is
// sealed: every probe faults, and the run goes on to "done".
#include "../../../../sim/ptrace/husk/husk_abi.h"
#include "attack.h"

namespace {

constexpr const char* kProg = "sec_host_pages";
constexpr uint64_t kVsyscallGettimeofday = 0xffffffffff600000;
constexpr uint64_t kVsyscallTime = 0xffffffffff600400;
constexpr uint64_t kVsyscallGetcpu = 0xffffffffff600800;
constexpr uint64_t kCheckPage = 0x38000000;

uint64_t g_timeval[2];
uint64_t g_poison = 0xCCCCCCCCCCCCCCCC;  // int3 x 8

uint64_t call_at(uint64_t addr, uint64_t rdi) {
    auto fn = reinterpret_cast<uint64_t (*)(uint64_t, uint64_t, uint64_t)>(addr);
    return fn(rdi, 0, 0);
}
uint64_t call_gettimeofday(uint64_t) {
    return call_at(kVsyscallGettimeofday, reinterpret_cast<uint64_t>(g_timeval));
}
uint64_t call_time(uint64_t) {
    return call_at(kVsyscallTime, 0);
}
uint64_t call_getcpu(uint64_t) {
    return call_at(kVsyscallGetcpu, 0);
}
uint64_t call_plain(uint64_t addr) {
    return call_at(addr, 0);
}
uint64_t read_at(uint64_t addr) {
    return *reinterpret_cast<volatile uint64_t*>(addr);
}
uint64_t write_at(uint64_t addr) {
    *reinterpret_cast<volatile uint64_t*>(addr) = g_poison;
    return 0;
}

// Forges a mailbox batch: count = every op, op 0 = map physical memory at
// offset 0 over the husk's own code, read-write-execute.
uint64_t forge_mailbox(uint64_t) {
    auto* mb = reinterpret_cast<volatile HuskMailbox*>(HUSK_MAILBOX_ADDR);
    mb->ops[0].kind = HUSK_OP_MAP;
    mb->ops[0].arg[0] = HUSK_TEXT_ADDR;
    mb->ops[0].arg[1] = 0x1000;
    mb->ops[0].arg[2] = 7;
    mb->ops[0].arg[3] = 0;
    mb->count = HUSK_MAX_OPS;
    return mb->magic;
}

// After the husk writes, a new mapping (a batch for the husk) must work.
void check_mapping_still_works(unsigned round) {
    const uint64_t va = kCheckPage + uint64_t{round} * HELIOS_PAGE_SIZE;
    systest::map_new_page(kProg, va);
    *reinterpret_cast<volatile uint64_t*>(va) = 0x5EC0 + round;
    systest::expect_eq(kProg, "a fresh mapping after the husk writes", *reinterpret_cast<volatile uint64_t*>(va),
                       0x5EC0 + round);
}

}  // namespace

int main() {
    char path[200];
    attack::canary_path(path, sizeof path);
    unsigned index = 0;
    attack::report(kProg, "call vsyscall gettimeofday", attack::probe(kProg, index++, call_gettimeofday, 0));
    attack::report(kProg, "call vsyscall time", attack::probe(kProg, index++, call_time, 0));
    attack::report(kProg, "call vsyscall getcpu", attack::probe(kProg, index++, call_getcpu, 0));
    attack::report(kProg, "read vsyscall page", attack::probe(kProg, index++, read_at, kVsyscallGettimeofday));

    attack::report(kProg, "write husk code", attack::probe(kProg, index++, write_at, HUSK_THREAD_EXIT_ADDR));
    check_mapping_still_works(0);
    attack::report(kProg, "write husk scratch", attack::probe(kProg, index++, write_at, HUSK_SCRATCH_ADDR));
    check_mapping_still_works(1);
    attack::report(kProg, "forge husk mailbox batch", attack::probe(kProg, index++, forge_mailbox, 0));
    check_mapping_still_works(2);
    attack::report(kProg, "write husk mailbox", attack::probe(kProg, index++, write_at, HUSK_MAILBOX_ADDR));
    check_mapping_still_works(3);

    // The probes the host named.
    char word[40];
    for (unsigned w = 1; systest::cmdline_word(w, word, sizeof word); ++w) {
        uint64_t addr = 0;
        if (word[1] != ':' || !attack::parse_hex(word + 2, addr)) {
            helios::printf("%s: FAIL bad probe word '%s'\n", kProg, word);
            return 1;
        }
        uint64_t (*fn)(uint64_t) = word[0] == 'r' ? read_at : word[0] == 'w' ? write_at : call_plain;
        char what[64];
        const char* verb = word[0] == 'r' ? "read" : word[0] == 'w' ? "write" : "call";
        size_t n = 0;
        for (const char* s = verb; *s != '\0'; ++s) what[n++] = *s;
        what[n++] = ' ';
        for (const char* s = word + 2; *s != '\0' && n + 1 < sizeof what; ++s) what[n++] = *s;
        what[n] = '\0';
        attack::report(kProg, what, attack::probe(kProg, index++, fn, addr));
    }
    check_mapping_still_works(4);
    helios::printf("%s: done\n", kProg);
    return 0;
}
