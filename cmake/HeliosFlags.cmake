# Compiler settings shared by every target kind: the kernel core (freestanding
# on both builds), host programs (simulator, tests) and user programs (static
# freestanding ELF executables that run on the simulator and on hardware).

set(HELIOS_WARNINGS -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers)

# The kernel core obeys the same language rules in the hosted and the
# freestanding build, so it behaves the same in helios-sim and on hardware.
set(HELIOS_KERNEL_LANG_FLAGS -ffreestanding -fno-exceptions -fno-rtti
    -fno-threadsafe-statics -fno-asynchronous-unwind-tables -fno-stack-protector)

set(HELIOS_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)

# Coverage (scripts/coverage.sh): host code and the hosted kernel core only;
# user programs run inside the OS, where no gcov runtime exists.
option(HELIOS_COVERAGE "Instrument host code and the hosted kernel core for gcov" OFF)
set(HELIOS_COVERAGE_FLAGS --coverage -O0)

# Host targets: warnings, and the sanitizers in the hosted-asan preset.
function(helios_host_target target)
  target_compile_options(${target} PRIVATE ${HELIOS_WARNINGS})
  if(HELIOS_COVERAGE)
    target_compile_options(${target} PRIVATE ${HELIOS_COVERAGE_FLAGS})
    target_link_options(${target} PRIVATE --coverage)
  endif()
  if(HELIOS_SANITIZE)
    target_compile_options(${target} PRIVATE ${HELIOS_SANITIZER_FLAGS})
    target_link_options(${target} PRIVATE ${HELIOS_SANITIZER_FLAGS})
  endif()
endfunction()

# Kernel-core libraries: freestanding language rules; in the hosted build the
# sanitizers still apply, since they check the very code that runs on hardware.
function(helios_kernel_target target)
  target_compile_options(${target} PRIVATE ${HELIOS_WARNINGS} ${HELIOS_KERNEL_LANG_FLAGS})
  if(HELIOS_TARGET STREQUAL "x86_64")
    target_compile_options(${target} PRIVATE -nostdlib -mno-red-zone -mcmodel=kernel
        -mgeneral-regs-only -fno-pic -fno-pie)
  elseif(HELIOS_SANITIZE)
    target_compile_options(${target} PRIVATE ${HELIOS_SANITIZER_FLAGS})
  endif()
  if(HELIOS_COVERAGE AND NOT HELIOS_TARGET STREQUAL "x86_64")
    target_compile_options(${target} PRIVATE ${HELIOS_COVERAGE_FLAGS})
  endif()
endfunction()

# User programs: static, freestanding, non-PIE ELF64 executables linked at a
# fixed low base. No libc: the only way out is a Helios syscall. Never built
# with sanitizers: they run inside the OS, not on the host.
# HELIOS_USER_DEBUG (the hosted-debug preset) trades their speed for gdb:
# -Og keeps locals and arguments in places gdb can read ("<optimized out>"
# otherwise) and steps line by line; the host side keeps its own build type.
option(HELIOS_USER_DEBUG "Build user programs (init, drivers, tests) with -Og -g instead of -O2 -g, for gdb" OFF)
if(HELIOS_USER_DEBUG)
  set(HELIOS_USER_OPT_FLAGS -Og -g)
else()
  set(HELIOS_USER_OPT_FLAGS -O2 -g)
endif()
set(HELIOS_USER_COMPILE_FLAGS ${HELIOS_WARNINGS} ${HELIOS_KERNEL_LANG_FLAGS}
    -fno-pie -fno-pic -mno-red-zone -fno-builtin ${HELIOS_USER_OPT_FLAGS} -fno-omit-frame-pointer
    -mgeneral-regs-only -fno-tree-loop-distribute-patterns)
set(HELIOS_USER_LINK_FLAGS -nostdlib -static -no-pie -Wl,--build-id=none
    -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack
    "-Wl,-T,${CMAKE_SOURCE_DIR}/mercury/rt/user.ld")
