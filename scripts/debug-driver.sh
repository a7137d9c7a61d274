#!/usr/bin/env bash
# Step through a driver (or any program of an image) in gdb, in one command:
# builds the simulator and the image, boots it with the GDB stub stopped
# before init's first instruction, and starts gdb with the program's ELF and
# symbols loaded and a breakpoint ready in it. See docs/debugging.md.
#
#   scripts/debug-driver.sh [options] NAME [-- extra gdb arguments]
#
#   NAME            the program: a driver (serial), or any program of the image
#   --image TAR     the image to boot (default: BUILD/image/default.tar)
#   --build DIR     the build tree (default: build/hosted), configured when new with the preset
#                   of its name (build/hosted-debug: hosted-debug, user programs -Og, locals
#                   shown), else with hosted
#   --debug         the same as --build build/hosted-debug
#   --break SYMBOL  where to stop (default: handle_irq for serial, main otherwise)
#   --com1 SPEC     COM1's far end (default: pty, printed so you can type into it)
#   --sim-arg ARG   one more helios-sim argument (repeatable), e.g. "--inject=uart com1 hex=68 @50ms"
#   --no-build      use the build tree as it is
#
# Example, non-interactively:
#   scripts/debug-driver.sh --sim-arg "--inject=uart com1 hex=68 @50ms" serial -- -batch -ex continue -ex bt
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/hosted image= brk= com1=pty do_build=1 name=
sim_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --debug) build=build/hosted-debug; shift ;;
    --break) brk=$2; shift 2 ;;
    --com1) com1=$2; shift 2 ;;
    --sim-arg) sim_args+=("$2"); shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) echo "debug-driver: unknown option $1 (try --help)" >&2; exit 64 ;;
    *) [ -z "$name" ] || { echo "debug-driver: one program at a time ($name, $1)" >&2; exit 64; }
       name=$1; shift ;;
  esac
done
[ -n "$name" ] || { echo "usage: scripts/debug-driver.sh [options] NAME [-- gdb arguments] (try --help)" >&2; exit 64; }
gdb_args=("$@")
: "${image:=$build/image/default.tar}"

if [ "$do_build" = 1 ]; then
  bash scripts/setup.sh
  if [ ! -f "$build/CMakeCache.txt" ]; then
    preset=hosted
    case "$(basename "$build")" in hosted-debug|hosted-asan) preset=$(basename "$build") ;; esac
    cmake --preset "$preset" -B "$build" >/dev/null
  fi
  targets=(helios-sim)
  case "$image" in "$build"/image/*.tar) targets+=("image_$(basename "$image" .tar)") ;; esac
  cmake --build "$build" -j "${HELIOS_JOBS:-2}" --target "${targets[@]}" >/dev/null || {
    echo "debug-driver: build failed; run 'cmake --build $build --target ${targets[*]}' to see why" >&2
    exit 1
  }
fi
sim=$build/sim/helios-sim
[ -x "$sim" ] || { echo "debug-driver: no simulator at $sim" >&2; exit 1; }
[ -f "$image" ] || { echo "debug-driver: no image at $image" >&2; exit 1; }

# The program's ELF with symbols: where CMake built the target NAME.
elf=
for candidate in "$build/drivers/$name/$name" "$build/mercury/$name/$name"; do
  [ -f "$candidate" ] && { elf=$candidate; break; }
done
if [ -z "$elf" ]; then
  elf=$(find "$build" -type f -name "$name" -perm -u+x -not -path "*/image/*" -not -path "*/CMakeFiles/*" 2>/dev/null |
        head -n 1)
fi
[ -n "$elf" ] || { echo "debug-driver: cannot find the ELF of '$name' under $build" >&2; exit 1; }

# The name the program runs under: its own for a program init loads (the
# procinfo name), "init" when it is the image's init.
# The listing is read whole first: `tar | grep -q` under pipefail fails
# whenever grep exits before tar has written everything (SIGPIPE), which
# silently bound the breakpoints to init.
program=$name
listing=$(tar -tf "$image") || { echo "debug-driver: cannot list $image" >&2; exit 1; }
if ! grep -Eq "(^|/)$name\$" <<<"$listing"; then program=init; fi
if [ -z "$brk" ]; then
  case "$name" in serial) brk=handle_irq ;; *) brk=main ;; esac
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-debug.XXXXXX")
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then kill "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
sock=$tmp/gdb.sock
log=$tmp/sim.log

"$sim" run --image "$image" --com1 "$com1" --gdb "unix:$sock" --gdb-wait "${sim_args[@]}" >"$log" 2>&1 </dev/null &
sim_pid=$!
for _ in $(seq 400); do
  [ -S "$sock" ] && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.025
done
if [ ! -S "$sock" ]; then
  echo "debug-driver: the simulator did not start:" >&2
  cat "$log" >&2
  exit 1
fi
pty=$(sed -n 's/^COM1 is on \(.*\)$/\1/p' "$log")

echo "debug-driver: $name ($elf) in $image; the simulator's output: $log"
[ -n "$pty" ] && echo "debug-driver: COM1 is on $pty (type into it: screen $pty, or echo hello > $pty)"
echo "debug-driver: breakpoints apply to program '$program'; stopped before init's first instruction"

status=0
gdb -q -nx \
  -ex "set pagination off" \
  -ex "file $elf" \
  -ex "target remote $sock" \
  -ex "monitor program $program" \
  -ex "break $brk" \
  -ex "echo debug-driver: 'continue' runs the system until $brk; 'monitor help' lists the stub's commands\\n" \
  "${gdb_args[@]}" || status=$?

# gdb kills the system when it quits (it started it); never leave it behind.
for _ in $(seq 40); do
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.05
done
exit "$status"
