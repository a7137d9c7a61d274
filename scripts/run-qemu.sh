#!/usr/bin/env bash
# Boots the freestanding x86_64 kernel under QEMU with an initramfs image.
#
#   scripts/run-qemu.sh [--iso] [--kvm] [--image FILE | --image-name N] [--test] [--timeout S]
#                       [--machine pc|microvm|seabios] [--build-only] [-- QEMU ARGS...]
#
#   (default)     boot build/hosted/image/default.tar: COM1 on this terminal
#   --image FILE  boot FILE (a ustar initramfs with an `init` entry) instead
#   --image-name N  boot build/hosted/image/N.tar, building it when missing
#   --test        boot build/hosted/image/vulcan.tar (or --image) and exit with
#                 init's exit status: 0 when every test passed. Init's status
#                 leaves QEMU through isa-debug-exit (QEMU exits with
#                 (status << 1) | 1; mapped back here). 70: QEMU stopped
#                 without it (triple fault, boot failure); 124: timeout.
#   --iso         build a bootable ISO with grub-mkrescue (GRUB loads the
#                 kernel by multiboot, the image as its module) and boot it
#   --kvm         use KVM (needs a usable /dev/kvm); TCG otherwise
#   --machine M   pc: QEMU's pc machine with the qboot firmware (fast start,
#                 the default when qboot.rom is installed); seabios: pc with
#                 SeaBIOS; microvm: the microvm machine (no VGA, one UART:
#                 Vulcan's COM2 test fails there). --iso always uses SeaBIOS
#                 (it boots from the CD). COM1 is this terminal (Ctrl-A X
#                 quits), COM2 is connected to nothing, as in helios-sim.
#   --build-only  build the kernel, the image (and the ISO) and print paths
#   --no-build    use the kernel and image as they are (benchmarks)
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

iso=0 kvm=0 test=0 build_only=0 no_build=0 image="" name="" timeout="" machine=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --iso) iso=1 ;;
    --kvm) kvm=1 ;;
    --test) test=1 ;;
    --build-only) build_only=1 ;;
    --no-build) no_build=1 ;;
    --image) image=${2:?--image needs a file}; shift ;;
    --image=*) image=${1#--image=} ;;
    --image-name) name=${2:?--image-name needs a name}; shift ;;
    --timeout) timeout=${2:?--timeout needs seconds}; shift ;;
    --timeout=*) timeout=${1#--timeout=} ;;
    --machine) machine=${2:?--machine needs pc, seabios or microvm}; shift ;;
    --machine=*) machine=${1#--machine=} ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-qemu: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "run-qemu: $*" >&2; }

if ! command -v qemu-system-x86_64 >/dev/null; then
  bash scripts/setup.sh >&2 || { say "setup failed; cannot install QEMU"; exit 1; }
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
    command -v "$tool" >/dev/null || bash scripts/setup.sh >&2 || { say "cannot install $tool"; exit 1; }
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
qemu=(qemu-system-x86_64 -m 128M -serial stdio -serial null -display none -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [ "$kvm" = 1 ]; then
  if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    qemu+=(-accel kvm -cpu host)
  else
    say "--kvm: /dev/kvm is missing or not usable here"; exit 1
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
say "QEMU exited with $rc without a debug-exit (triple fault, or the machine was shut down)"
exit 70
