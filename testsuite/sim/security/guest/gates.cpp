// sec_gates: the legacy system-call gates (`int $0x80`, `sysenter`) from 64-bit code.
//
// The Helios syscall ABI is the `syscall` instruction alone. Each probe
// below loads the i386 creat (8) of the canary path into eax/ebx/ecx, which
// Linux would run as a real system call if the gate reached it, and runs
// the gate in a supervised worker. Expected once the husk is sealed: every
// probe faults (general protection or invalid opcode) and the canary never
// exists. A second round uses eax = Helios yield (1): that too must fault,
// not behave as a Helios syscall. Command line: "CANARY".
#include "attack.h"

namespace {

constexpr const char* kProg = "sec_gates";
constexpr uint64_t kI386Creat = 8, kMode0644 = 0644;

// Our image is linked at 0x400000, so the path's address fits in ebx.
char g_path[200];

uint64_t int80(uint64_t nr) {
    uint64_t rax = nr;
    asm volatile("int $0x80"
                 : "+a"(rax)
                 : "b"(reinterpret_cast<uint64_t>(g_path)), "c"(kMode0644), "d"(0ull)
                 : "rdi", "rsi", "r8", "r9", "r10", "r11", "memory");
    return rax;
}

// After a sysenter Linux would return to the 32-bit vDSO's landing pad (a
// 64-bit process has none): whatever happens, the probe must not come back
// through Linux. The probe reports rax if it does come back here.
uint64_t sysenter(uint64_t nr) {
    uint64_t rax = nr;
    asm volatile("sysenter"
                 : "+a"(rax)
                 : "b"(reinterpret_cast<uint64_t>(g_path)), "c"(kMode0644), "d"(0ull)
                 : "rdi", "rsi", "r8", "r9", "r10", "r11", "memory");
    return rax;
}

}  // namespace

int main() {
    attack::canary_path(g_path, sizeof g_path);
    unsigned index = 0;
    attack::report(kProg, "int $0x80 eax=8 (i386 creat)", attack::probe(kProg, index++, int80, kI386Creat));
    attack::report(kProg, "sysenter eax=8 (i386 creat)", attack::probe(kProg, index++, sysenter, kI386Creat));
    attack::report(kProg, "int $0x80 eax=1 (Helios yield)", attack::probe(kProg, index++, int80, HELIOS_SYS_yield));
    attack::report(kProg, "sysenter eax=1 (Helios yield)", attack::probe(kProg, index++, sysenter, HELIOS_SYS_yield));
    helios::printf("%s: done\n", kProg);
    return 0;
}
