#!/usr/bin/env bash
# bench-sim.sh: what one guest operation costs in helios-sim, beside the raw
# ptrace floor measured in the same run.
#
# Usage: scripts/bench-sim.sh [--no-build] [--quick] [--profile]
#   --no-build  use the existing build (BUILD_DIR, default build/hosted)
#   --quick     fewer iterations (a smoke test of the script itself)
#   --profile   also show where helios-sim's time goes for the null syscall
#               (strace -c of the simulator process; perf if it is allowed)
# Environment: BUILD_DIR (default build/hosted), PRESET (default hosted),
# JOBS (default 2), REPS (runs per figure, default 3: the minimum is kept).
#
# Method: the guest program sys_bench (testsuite/sim/system/guest/bench.cpp)
# runs an operation N times; helios-sim runs it pinned with `taskset -c 0`
# (the simulator and its husks on one CPU, as it does itself), timed from
# here. Time per op = (wall(N) - wall(0)) / N, so boot and exit cancel out.
# Stops per op (ptrace stops: syscalls, faults, port accesses) come from the
# kernel event trace of a shorter run. The floor is ptrace-floor-bench's raw
# ptrace figure for the matching mechanism on a bare traced child.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/hosted}
PRESET=${PRESET:-hosted}
JOBS=${JOBS:-2}
REPS=${REPS:-3}
build=1 quick=0 profile=0
for arg in "$@"; do
    case $arg in
        --no-build) build=0 ;;
        --quick) quick=1 ;;
        --profile) profile=1 ;;
        -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "bench-sim.sh: unknown argument '$arg' (see --help)" >&2; exit 64 ;;
    esac
done

if [[ $build == 1 ]]; then
    if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
        (cd "$ROOT" && cmake --preset "$PRESET" -B "$BUILD_DIR" >/dev/null)
    fi
    cmake --build "$BUILD_DIR" -j "$JOBS" >/dev/null
fi

SIM=$BUILD_DIR/sim/helios-sim
FLOOR=$BUILD_DIR/sim/ptrace/ptrace-floor-bench
IMAGE=$BUILD_DIR/image/sys_bench.tar
for f in "$SIM" "$FLOOR" "$IMAGE"; do
    [[ -e $f ]] || { echo "bench-sim.sh: $f is missing (build first, or drop --no-build)" >&2; exit 1; }
done
PIN=(taskset -c 0)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-sim.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# "WALL_NS CPU_NS" of one pinned run of `op n` (CPU: user + system time of
# helios-sim and its husks, from /usr/bin/time); fails loudly if the guest did.
run_ns() {
    local op=$1 n=$2 t0 t1
    t0=$(date +%s%N)
    if ! /usr/bin/time -f '%U %S' -o "$TMP/time" "${PIN[@]}" "$SIM" run --image "$IMAGE" --com1 none \
        --cmdline "$op $n" >"$TMP/out" 2>&1; then
        echo "bench-sim.sh: '$op $n' failed:" >&2
        cat "$TMP/out" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    awk -v w=$((t1 - t0)) '{ printf "%d %d\n", w, ($1 + $2) * 1e9 }' "$TMP/time"
}

# The fastest of REPS runs (the least disturbed by other users of the CPU),
# separately for wall and CPU time.
best_ns() {
    local bw="" bc="" w c i
    for ((i = 0; i < REPS; i++)); do
        read -r w c < <(run_ns "$1" "$2")
        if [[ -z $bw || $w -lt $bw ]]; then bw=$w; fi
        if [[ -z $bc || $c -lt $bc ]]; then bc=$c; fi
    done
    echo "$bw $bc"
}

# ptrace stops per op: trace lines of kernel entries in `op n` minus `op 0`, over n.
stops_per_op() {
    local op=$1 n=$2 a b
    "${PIN[@]}" "$SIM" run --image "$IMAGE" --com1 none --cmdline "$op $n" --trace "$TMP/t1" >/dev/null 2>&1
    "${PIN[@]}" "$SIM" run --image "$IMAGE" --com1 none --cmdline "$op 0" --trace "$TMP/t0" >/dev/null 2>&1
    a=$(grep -cE '^ *[0-9]+ (syscall|fault|io) ' "$TMP/t1" || true)
    b=$(grep -cE '^ *[0-9]+ (syscall|fault|io) ' "$TMP/t0" || true)
    awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { printf "%.2f", (a - b) / n }'
}

echo "== ptrace-floor-bench (raw ptrace floor and HuskProcess paths, pinned) =="
"${PIN[@]}" "$FLOOR" | tee "$TMP/floor"
floor_of() { awk -v row="$1" '$1 == row { print $3 }' "$TMP/floor"; }
f_sys=$(floor_of 'syscall(sysemu,rax)')
f_out=$(floor_of 'out+rip')
f_fault=$(floor_of 'pagefault+map+retry')
[[ -n $f_sys && -n $f_out && -n $f_fault ]] || { echo "bench-sim.sh: cannot parse ptrace-floor-bench output" >&2; exit 1; }
f_call=$(awk -v s="$f_sys" 'BEGIN { printf "%.2f", 2 * s }')

if [[ $quick == 1 ]]; then
    N_NULL=5000 N_OUT=5000 N_FAULT=500 N_CALL=2000
else
    N_NULL=100000 N_OUT=50000 N_FAULT=5000 N_CALL=20000
fi

# op, N, floor, what the floor is
ROWS=(
    "identify $N_NULL $f_sys syscall(sysemu,rax)"
    "yield $N_NULL $f_sys syscall(sysemu,rax)"
    "out $N_OUT $f_out out+rip"
    "fault $N_FAULT $f_fault pagefault+map+retry"
    "call $N_CALL $f_call 2*syscall(sysemu,rax)"
)
declare -A DESC=(
    [identify]="null syscall (identify)"
    [yield]="yield, one runnable task"
    [out]="out to COM1 scratch"
    [fault]="page fault via supervisor"
    [call]="call/reply, 2 threads"
)

echo
echo "== helios-sim, per operation (pinned: taskset -c 0; best of $REPS runs; (t(N) - t(0)) / N) =="
echo "   wall: elapsed time; cpu: user+system time of helios-sim and its husks (less disturbed by"
echo "   other processes on the CPU; ptrace-floor-bench reports medians, which also filter them out)"
printf '%-27s %7s %8s %8s %8s %9s %6s %6s  %s\n' operation N wall_us cpu_us stops/op floor_us wall/f cpu/f floor
for row in "${ROWS[@]}"; do
    read -r op n floor what <<<"$row"
    read -r w0 c0 < <(best_ns "$op" 0)
    read -r wn cn < <(best_ns "$op" "$n")
    stops=$(stops_per_op "$op" $((n < 1000 ? n : 1000)))
    awk -v d="${DESC[$op]}" -v n="$n" -v w0="$w0" -v wn="$wn" -v c0="$c0" -v cn="$cn" -v s="$stops" -v f="$floor" \
        -v what="$what" 'BEGIN { w = (wn - w0) / n / 1000; c = (cn - c0) / n / 1000
            printf "%-27s %7d %8.2f %8.2f %8s %9.2f %6.2f %6.2f  %s\n", d, n, w, c, s, f, w / f, c / f, what }'
done
echo "(boot+exit of an N=0 run: $((w0 / 1000000)) ms wall; the ABI target for the null syscall is 1.5x the floor)"
echo "(floor for call/reply: two syscall floors; the page-fault row does 1 fault + 4 syscalls + 2 husk"
echo " map/unmap batches per op, against the floor's one fault + one injected mmap)"

if [[ $profile == 1 ]]; then
    echo
    echo "== where helios-sim's time goes: strace -c of the simulator process, $N_NULL identify =="
    # Without -f: strace must not trace the husks, which helios-sim itself traces.
    "${PIN[@]}" strace -c -o "$TMP/strace" "$SIM" run --image "$IMAGE" --com1 none --cmdline "identify $N_NULL" \
        >/dev/null 2>&1 || true
    head -n 14 "$TMP/strace"
    if command -v perf >/dev/null 2>&1; then
        echo
        echo "== perf (user-space cycles of helios-sim, $N_NULL identify) =="
        if "${PIN[@]}" perf record -q -e cycles:u -o "$TMP/perf.data" -- "$SIM" run --image "$IMAGE" --com1 none \
            --cmdline "identify $N_NULL" >/dev/null 2>&1; then
            perf report -q --stdio -i "$TMP/perf.data" --comm helios-sim --sort symbol 2>/dev/null |
                awk 'NF { printf "%8s  %s\n", $1, $3 }' | head -n 15
        else
            echo "(perf record is not allowed here)"
        fi
    fi
fi
