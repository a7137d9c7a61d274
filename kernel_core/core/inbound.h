// The inbound seam: what a machine, a debugger or a test may ask of the kernel core.
//
// arch/arch.h is the outbound seam (what the core needs from a machine);
// this header is the other direction. A machine (the x86_64 arch, helios-sim
// and its gdb stub, the scenario replayer) includes this and nothing else of
// the core but arch/arch.h and the shared lib/ code, and uses of Kernel only
// section 1 of core/kernel.h:
//
//   entries     init, enter_syscall, enter_fault, enter_irq, enter_tick, and
//               boot_init (core/boot.h) to build init from an image;
//   inspection  current, init_task, stats, phys, translate, copy_from_user,
//               task_may_access_port, ioports, irqs, frames_ready,
//               pending_allocation_failures; Task and VSpace are read through
//               their public accessors (id, regs, vspace, state flags);
//   hooks       copy_to_user (a debugger writing memory), switch_to and
//               make_runnable (a debugger or test choosing who runs),
//               fail_next_allocations and kill_program (fault injection).
//
// Everything else a Kernel offers serves the core's own parts (objects/,
// uapi/, boot). scripts/check-seam.sh holds sim/ to this list, the way
// scripts/check-freestanding.sh holds the core to the arch seam.
#pragma once

#include "core/boot.h"
#include "core/kernel.h"
