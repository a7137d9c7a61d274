#!/usr/bin/env bash
# Checks that a kernel image carries a multiboot (v1) header where loaders
# look for it: 4-byte aligned in the first 8 KiB, with a valid checksum, and
# that its a.out-kludge load range matches the ELF's single PT_LOAD segment
# (the file must be flat from the header on). Usage: check-multiboot.sh ELF
set -euo pipefail
elf=${1:?usage: check-multiboot.sh KERNEL_ELF}
python3 - "$elf" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
for off in range(0, min(len(data), 8192) - 32, 4):
    magic, flags, csum = struct.unpack_from('<III', data, off)
    if magic == 0x1BADB002 and (magic + flags + csum) & 0xFFFFFFFF == 0:
        break
else:
    sys.exit(f"check-multiboot: {sys.argv[1]}: no multiboot header in the first 8 KiB")
header_addr, load_addr, load_end, bss_end, entry = struct.unpack_from('<IIIII', data, off + 12)
# The loader reads file offset (off - (header_addr - load_addr)) to load_addr.
file_start = off - (header_addr - load_addr)
phoff, = struct.unpack_from('<Q', data, 32)
phentsize, phnum = struct.unpack_from('<HH', data, 54)
loads = []
for i in range(phnum):
    p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from('<IIQQQQQ', data, phoff + i * phentsize)
    if p_type == 1:
        loads.append((p_offset, p_paddr, p_filesz, p_memsz))
if len(loads) != 1:
    sys.exit(f"check-multiboot: expected one PT_LOAD segment, found {len(loads)}")
p_offset, p_paddr, p_filesz, p_memsz = loads[0]
problems = []
if p_paddr != load_addr or p_offset != file_start:
    problems.append(f"load_addr {load_addr:#x} at file offset {file_start:#x}, segment at {p_paddr:#x} offset {p_offset:#x}")
if load_end - load_addr > p_filesz or bss_end < p_paddr + p_memsz or not (load_addr <= entry < load_end):
    problems.append(f"load range {load_addr:#x}..{load_end:#x} bss {bss_end:#x} entry {entry:#x} vs segment filesz {p_filesz:#x} memsz {p_memsz:#x}")
if problems:
    sys.exit("check-multiboot: " + "; ".join(problems))
PY
