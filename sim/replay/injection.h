// Injection: one nondeterministic input or injected fault, at a virtual time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace helios::sim {

// What a scenario (or --inject) can make happen. UART input is what a
// recording captures from the outside world; the others are faults a user
// writes by hand to provoke a driver or the kernel.
struct Injection {
    enum class Kind {
        UartInput,    // bytes arrive at a UART:          uart com1 hex=6869
        FailAlloc,    // the next N frame allocations fail: fail-alloc count=1
        IrqDrop,      // the next interrupt on a line is lost: irq-drop line=4
        IrqDup,       // the next interrupt is delivered twice: irq-dup line=4
        SpuriousIrq,  // an interrupt nobody raised:       spurious-irq line=4
        UartCorrupt,  // the next byte received is XORed:  uart-corrupt com1 xor=0x20
        KillTask,     // destroy a task:                   kill-task task=3
        Fault,        // deliver a fault to a task:        fault task=3 kind=PAGE addr=0x1000
        Preempt,      // a wall-clock preemption (recorded in free-running mode): preempt
    };

    uint64_t vtime = 0;                // at the first kernel-entry boundary at or after this time
    std::optional<uint64_t> boundary;  // exact boundary number (recordings)
    Kind kind = Kind::UartInput;
    unsigned port = 0;                 // UART: 0 = COM1, 1 = COM2
    std::vector<uint8_t> bytes;        // UartInput
    unsigned line = 0;                 // IRQ kinds
    unsigned count = 1;                // FailAlloc
    uint8_t xor_mask = 0xFF;           // UartCorrupt
    uint32_t task = 0;                 // KillTask, Fault
    unsigned fault_kind = 7;           // Fault: helios_fault_kind (default INJECTED)
    uint64_t addr = 0;                 // Fault

    // "uart com1 hex=6869" style text (without the time).
    std::string describe() const;
};

// Parse "KIND key=value ... @TIME" (the --inject syntax; TIME in ns, or with
// a us/ms/s suffix). Clear error messages name the problem.
std::optional<Injection> parse_injection(std::string_view text, std::string& error);

// Parse the body of a scenario `inject` line: "@VTIME [bBOUNDARY] KIND key=value...".
std::optional<Injection> parse_injection_line(std::string_view text, std::string& error);
std::string format_injection_line(const Injection& injection);

}  // namespace helios::sim
