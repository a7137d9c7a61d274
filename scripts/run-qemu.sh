#!/usr/bin/env bash
# Boots the freestanding x86_64 kernel under QEMU with an initramfs image.
#
#   scripts/run-qemu.sh [--iso] [--kvm] [--image FILE | --image-name N] [--test] [--timeout S]
#                       [--machine pc|microvm|seabios] [--no-com2] [--build-only] [-- QEMU ARGS...]
#
#   (default)     boot build/hosted/image/default.tar: COM1 on this terminal
#   --image FILE  boot FILE (a ustar initramfs with an `init` entry) instead
#   --image-name N  boot build/hosted/image/N.tar, building it when missing
#   --test        boot build/hosted/image/vulcan.tar (or --image) and exit with
#                 init's exit status: 0 when every test passed. Init's status
#                 leaves QEMU through isa-debug-exit (QEMU exits with
#                 (status << 1) | 1; mapped back here). 70: QEMU stopped
#                 without it (triple fault, boot failure); 124: timeout;
#                 77: this host lacks a tool or device the run needs (QEMU,
#                 GRUB's tools for --iso, /dev/kvm for --kvm; "SKIP: why").
#   --iso         build a bootable ISO with grub-mkrescue (GRUB loads the
#                 kernel by multiboot, the image as its module) and boot it
#   --kvm         use KVM (needs a usable /dev/kvm); TCG otherwise
#   --machine M   pc: QEMU's pc machine with the qboot firmware (fast start,
#                 the default when qboot.rom is installed); seabios: pc with
#                 SeaBIOS; microvm: the microvm machine. --iso always uses
#                 SeaBIOS (it boots from the CD).
#   --no-com2     leave COM2 out (tests that need it report SKIP)
#   --build-only  build the kernel, the image (and the ISO) and print paths
#   --no-build    use the kernel and image as they are (benchmarks)
#
# Every machine gets the devices helios-sim has by default, and no others
# (-nodefaults: no VGA, NIC, floppy or parallel port): 128 MiB of RAM, COM1
# (16550 at 0x3F8, IRQ 4) on this terminal, COM2 (16550 at 0x2F8, IRQ 3)
# connected to nothing, the PIC and the PIT; plus QEMU's isa-debug-exit at
# 0xF4, the way init's exit status leaves QEMU.
#
# Keys on COM1, the same as helios-sim's stdio UART (README.md): Ctrl-A x
# quits (exit status 0), Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A h lists the
# keys, Ctrl-C goes to the guest as 0x03; on a pipe too. (QEMU adds Ctrl-A c,
# its monitor.) With --test, stdin is /dev/null and COM1 a plain stream.
#
# Builds the x86_64 preset's kernel (build/x86_64, or $HELIOS_X86_BUILD) and,
# when the image is missing, the hosted preset's image target (build/hosted,
# or $HELIOS_HOSTED_BUILD): the QEMU run uses the very tar file the simulator
# boots.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

x86_build=${HELIOS_X86_BUILD:-build/x86_64}
hosted_build=${HELIOS_HOSTED_BUILD:-build/hosted}
jobs=${HELIOS_JOBS:-2}

iso=0 kvm=0 test=0 build_only=0 no_build=0 com2=1 image="" name="" timeout="" machine=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --iso) iso=1 ;;
    --kvm) kvm=1 ;;
    --test) test=1 ;;
    --build-only) build_only=1 ;;
    --no-build) no_build=1 ;;
    --no-com2) com2=0 ;;
    --image) image=${2:?--image needs a file}; shift ;;
    --image=*) image=${1#--image=} ;;
    --image-name) name=${2:?--image-name needs a name}; shift ;;
    --timeout) timeout=${2:?--timeout needs seconds}; shift ;;
    --timeout=*) timeout=${1#--timeout=} ;;
    --machine) machine=${2:?--machine needs pc, seabios or microvm}; shift ;;
    --machine=*) machine=${1#--machine=} ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-qemu: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "run-qemu: $*" >&2; }
# This host lacks something the run needs: not a failure of the OS (exit 77).
skip() { echo "SKIP: run-qemu: $*" >&2; exit 77; }

if ! command -v qemu-system-x86_64 >/dev/null; then
  bash scripts/setup.sh >&2 || true
  command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed and scripts/setup.sh could not install it"
fi

mkdir -p "$(dirname "$x86_build")" "$(dirname "$hosted_build")"

# ---- the kernel ------------------------------------------------------------
kernel="$x86_build/kernel_core/helios-kernel"
if [ "$no_build" = 1 ]; then
  [ -f "$kernel" ] || { say "--no-build: no kernel at $kernel"; exit 1; }
elif [ ! -f "$x86_build/CMakeCache.txt" ]; then
  cmake --preset x86_64 -B "$x86_build" >"$x86_build.configure.log" 2>&1 ||
    { cat "$x86_build.configure.log" >&2; say "configuring the x86_64 preset failed"; exit 1; }
fi
if [ "$no_build" = 0 ] && ! cmake --build "$x86_build" --target helios-kernel -j "$jobs" >"$x86_build.kernel.log" 2>&1; then
  grep -E "error|Error|FAILED" -A3 "$x86_build.kernel.log" | head -40 >&2
  say "building the kernel failed (see $x86_build.kernel.log)"; exit 1
fi

# ---- the image -------------------------------------------------------------
if [ -z "$image" ]; then
  [ -z "$name" ] && { name=default; [ "$test" = 1 ] && name=vulcan; }
  image="$hosted_build/image/$name.tar"
  if [ ! -f "$image" ] && [ "$no_build" = 0 ]; then
    say "building $image (hosted preset)"
    if [ ! -f "$hosted_build/CMakeCache.txt" ]; then
      cmake --preset hosted -B "$hosted_build" >"$hosted_build.configure.log" 2>&1 ||
        { cat "$hosted_build.configure.log" >&2; say "configuring the hosted preset failed"; exit 1; }
    fi
    cmake --build "$hosted_build" --target "image_$name" -j "$jobs" >"$hosted_build.image.log" 2>&1 ||
      { tail -20 "$hosted_build.image.log" >&2; say "building image_$name failed"; exit 1; }
  fi
fi
[ -f "$image" ] || { say "no image $image"; exit 1; }

# ---- the ISO ----------------------------------------------------------------
iso_file="$x86_build/helios.iso"
if [ "$iso" = 1 ]; then
  for tool in grub-mkrescue xorriso mformat; do
    command -v "$tool" >/dev/null || bash scripts/setup.sh >&2 || true
    command -v "$tool" >/dev/null || skip "--iso needs $tool, which is not installed and scripts/setup.sh could not install"
  done
  stage="$x86_build/iso"
  rm -rf "$stage"
  mkdir -p "$stage/boot/grub"
  cp "$kernel" "$stage/boot/helios"
  cp "$image" "$stage/boot/initramfs.tar"
  cat >"$stage/boot/grub/grub.cfg" <<'CFG'
set timeout=0
set default=0
menuentry "Helios" {
  multiboot /boot/helios
  module /boot/initramfs.tar initramfs
  boot
}
CFG
  if ! grub-mkrescue -o "$iso_file" "$stage" >"$x86_build.iso.log" 2>&1; then
    tail -20 "$x86_build.iso.log" >&2; say "grub-mkrescue failed"; exit 1
  fi
fi

if [ "$build_only" = 1 ]; then
  echo "kernel: $kernel"
  echo "image:  $image"
  [ "$iso" = 1 ] && echo "iso:    $iso_file"
  exit 0
fi

# ---- QEMU -------------------------------------------------------------------
# The devices of helios-sim's default machine (see the top of this file).
# COM2 is named explicitly: microvm makes only one UART from -serial.
# COM1 is multiplexed with QEMU's monitor, so Ctrl-A x quits (Ctrl-A c: the
# monitor), on a terminal or a pipe, as helios-sim's stdio; signal=off gives
# Ctrl-C to the guest. A --test run has no keys: COM1 is the plain stream.
if [ "$test" = 0 ]; then
  com1=(-chardev stdio,id=com1,mux=on,signal=off -serial chardev:com1 -mon chardev=com1)
else
  com1=(-serial stdio)
fi
qemu=(qemu-system-x86_64 -nodefaults -m 128M -display none -no-reboot "${com1[@]}"
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
[ "$com2" = 1 ] && qemu+=(-chardev null,id=com2 -device isa-serial,chardev=com2,iobase=0x2f8,irq=3)
if [ "$kvm" = 1 ]; then
  if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    qemu+=(-accel kvm -cpu host)
  else
    skip "--kvm: /dev/kvm is missing or not usable here"
  fi
else
  qemu+=(-accel tcg)
fi
qboot=/usr/share/qemu/qboot.rom
[ -z "$machine" ] && { if [ -f "$qboot" ]; then machine=pc; else machine=seabios; fi; }
if [ "$iso" = 1 ]; then
  qemu+=(-M pc -cdrom "$iso_file" -boot d)
else
  case "$machine" in
    pc) if [ -f "$qboot" ]; then qemu+=(-M pc -bios "$qboot"); else qemu+=(-M pc); fi ;;
    seabios) qemu+=(-M pc) ;;
    microvm) qemu+=(-M microvm) ;;
    *) say "unknown machine $machine (pc, seabios or microvm)"; exit 2 ;;
  esac
  qemu+=(-kernel "$kernel" -initrd "$image")
fi
qemu+=("${extra[@]}")

if [ "$test" = 1 ] && [ -z "$timeout" ]; then timeout=300; fi
run=("${qemu[@]}")
[ -n "$timeout" ] && run=(timeout --foreground "$timeout" "${qemu[@]}")

set +e
if [ "$test" = 1 ]; then
  "${run[@]}" </dev/null
else
  "${run[@]}"
fi
rc=$?
set -e

if [ "$rc" = 124 ]; then
  say "timeout: QEMU stopped after ${timeout} s"; exit 124
fi
if [ $((rc % 2)) = 1 ]; then
  status=$(((rc - 1) / 2))
  if [ "$status" = 127 ]; then say "kernel panic"; exit 70; fi
  [ "$test" = 1 ] && say "init exited with status $status"
  exit "$status"
fi
if [ "$rc" = 0 ] && [ "$test" = 0 ]; then say "QEMU quit"; exit 0; fi
say "QEMU exited with $rc without a debug-exit (triple fault, or the machine was shut down)"
exit 70
