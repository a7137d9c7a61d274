#!/usr/bin/env bash
# Stress test of the serial driver through the default image's echo loop
# (mercury/usrinit): types random lines, in bursts with pauses, into COM1 of
# either machine while another process keeps a CPU busy, and checks that
# every line comes back exactly and in order (each typed line is echoed as
# typed, then sent back: "L\nL\n").
#
#   scripts/stress-echo.sh [--machine qemu|sim] [--lines N] [--short] [--seed S]
#                          [--no-load] [--same-cpu] [--timeout S]
#
#   --machine qemu  scripts/run-qemu.sh --image-name default (QEMU's 16550; the
#                   default). HELIOS_X86_BUILD / HELIOS_HOSTED_BUILD choose
#                   the build trees, as for run-qemu.sh.
#   --machine sim   helios-sim run --com1 stdio (the simulator's 16550 model),
#                   from $HELIOS_HOSTED_BUILD (default build/hosted), or
#                   HELIOS_SIM / HELIOS_IMAGE.
#   --lines N       lines to type (default 10000: the long run)
#   --short         the CI profile: 300 lines
#   --seed S        random seed (default: the PID; printed, to rerun a failure)
#   --no-load       no CPU hog
#   --same-cpu      pin the machine to the hog's CPU as well (most contention)
#   --timeout S     stop the machine after S seconds (default 60 + N/10)
#
# Typing starts at usrinit's greeting, which comes through the serial driver:
# input typed before the driver has switched the UART's FIFOs on can lose a
# byte (docs/serial-protocol.md, "Start-up").
#
# Prints lines, bytes, time and what was lost. Exit 0: every byte came back in
# order; 1: something was lost, changed or reordered, or the machine stopped
# answering; 77: this host lacks QEMU or python3 (SKIP, with the reason).
set -uo pipefail
cd "$(dirname "$0")/.."

machine=qemu lines=10000 seed=$$ load=1 same_cpu=0 timeout=""
while [ $# -gt 0 ]; do
  case "$1" in
    --machine) machine=${2:?}; shift ;;
    --machine=*) machine=${1#--machine=} ;;
    --lines) lines=${2:?}; shift ;;
    --lines=*) lines=${1#--lines=} ;;
    --short) lines=300 ;;
    --seed) seed=${2:?}; shift ;;
    --seed=*) seed=${1#--seed=} ;;
    --no-load) load=0 ;;
    --same-cpu) same_cpu=1 ;;
    --timeout) timeout=${2:?}; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "stress-echo: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

command -v python3 >/dev/null || { echo "SKIP: stress-echo: python3 is not installed" >&2; exit 77; }

hosted_build=${HELIOS_HOSTED_BUILD:-build/hosted}
# The whole run's limit (the machine is stopped after it, whatever happens).
[ -z "$timeout" ] && timeout=$((60 + lines / 10))
case "$machine" in
  qemu)
    command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: stress-echo: qemu-system-x86_64 is not installed" >&2; exit 77; }
    # Build first (not under load, not timed): then boot without building.
    scripts/run-qemu.sh --image-name default --build-only >/dev/null || exit 1
    cmd=(scripts/run-qemu.sh --no-build --image-name default --timeout "$timeout") ;;
  sim)
    sim=${HELIOS_SIM:-$hosted_build/sim/helios-sim}
    image=${HELIOS_IMAGE:-$hosted_build/image/default.tar}
    [ -x "$sim" ] || { echo "stress-echo: no simulator at $sim (build the hosted preset)" >&2; exit 1; }
    [ -f "$image" ] || { echo "stress-echo: no image at $image" >&2; exit 1; }
    cmd=("$sim" run --image "$image" --com1 stdio --com2 none --timeout "$timeout") ;;
  *) echo "stress-echo: --machine qemu or sim" >&2; exit 2 ;;
esac

# The CPU hog: one busy process pinned to the last CPU.
hog=""
cpu=$(( $(nproc) - 1 ))
if [ "$load" = 1 ]; then
  if command -v taskset >/dev/null; then
    taskset -c "$cpu" sh -c 'while :; do :; done' &
  else
    sh -c 'while :; do :; done' &
  fi
  hog=$!
fi
trap '[ -n "$hog" ] && kill "$hog" 2>/dev/null' EXIT
trap 'exit 143' TERM INT HUP
[ "$same_cpu" = 1 ] && command -v taskset >/dev/null && cmd=(taskset -c "$cpu" "${cmd[@]}")

echo "stress-echo: $machine, $lines lines, seed $seed, load $([ "$load" = 1 ] && echo "on (CPU $cpu$([ "$same_cpu" = 1 ] && echo ', shared with the machine'))" || echo off)"
python3 - "$lines" "$seed" "$timeout" "${cmd[@]}" <<'PY'
import os, random, subprocess, sys, threading, time

lines_n, seed, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
cmd = sys.argv[4:]
# usrinit's greeting, written through the serial driver: the driver has set
# the UART up. Nothing may be typed before it (init's own line "started
# usrinit ... a line echo loop ..." comes earlier, before the driver switches
# the UART's FIFOs on, which drops a byte arriving at that moment).
READY = b"[usrinit] echo loop on the serial line"
rng = random.Random(seed)
alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:;=+*/()[]{}<>!?#%&@"
lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 100))) for _ in range(lines_n)]
expected = b"".join((l + "\n" + l + "\n").encode() for l in lines)

proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        start_new_session=True)
out = bytearray()
cond = threading.Condition()
done = [False]

def reader():
    fd = proc.stdout.fileno()
    while True:
        b = os.read(fd, 65536)
        with cond:
            if not b:
                done[0] = True
                cond.notify_all()
                return
            out.extend(b)
            cond.notify_all()

threading.Thread(target=reader, daemon=True).start()

def cleanup(*_):
    try:
        os.killpg(proc.pid, 9)
    except ProcessLookupError:
        pass

# Whatever goes wrong here, the machine does not outlive the script.
sys.excepthook = lambda *a: (sys.__excepthook__(*a), cleanup())

def stop(code):
    try:
        os.killpg(proc.pid, 15)
    except ProcessLookupError:
        pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
    sys.exit(code)

start = time.monotonic()
def greeted():
    return READY in out and b"\n" in out[out.index(READY):]

with cond:
    while not greeted() and not done[0] and time.monotonic() - start < 60:
        cond.wait(0.5)
    if not greeted():
        sys.stdout.write(out.decode(errors="replace"))
        print("stress-echo: FAIL: no greeting from the echo loop")
        stop(1)
    base = out.index(b"\n", out.index(READY)) + 1
t0 = time.monotonic()
deadline = t0 + timeout

def received():
    return len(out) - base

# Bursts of 1..30 lines written at once, then a pause of 0..20 ms (sometimes
# 100 ms); at most 8 KiB ahead of the echo, so the far end's buffers (the pipe,
# QEMU's or the simulator's input queue) stay bounded.
sent_bytes = 0
exp_mark = []  # expected output length after each line
acc = 0
for l in lines:
    acc += 2 * len(l) + 2
    exp_mark.append(acc)
i = 0
try:
    while i < lines_n:
        k = rng.choice([1, 1, 2, 3, 5, 10, 30])
        chunk = "".join(l + "\r" for l in lines[i:i + k]).encode()
        with cond:
            while sent_bytes - received() // 2 > 8192 and not done[0] and time.monotonic() < deadline:
                cond.wait(0.2)
        if done[0] or time.monotonic() > deadline:
            break
        proc.stdin.write(chunk)
        proc.stdin.flush()
        sent_bytes += len(chunk)
        i += k
        r = rng.random()
        if r < 0.05:
            time.sleep(0.1)
        elif r < 0.6:
            time.sleep(rng.random() * 0.02)
except BrokenPipeError:
    pass
with cond:
    while received() < len(expected) and not done[0] and time.monotonic() < deadline:
        # a loss shows as no progress: stop waiting 3 s after the last byte
        n = received()
        cond.wait(3)
        if received() == n:
            break
    got = bytes(out[base:])
elapsed = time.monotonic() - t0

# Kernel log lines could interleave: none are expected; any would show as a difference.
typed_lines = min(i, lines_n)
ok = got == expected
print(f"stress-echo: typed {typed_lines} lines, {sum(len(l) + 1 for l in lines[:typed_lines])} bytes in "
      f"{elapsed:.1f} s; expected {len(expected)} bytes back, got {len(got)}")
if not ok:
    # First difference, in line terms.
    gl = got.split(b"\n")
    el = expected.split(b"\n")
    bad = 0
    first = None
    for j in range(min(len(gl), len(el))):
        if gl[j] != el[j]:
            bad += 1
            if first is None:
                first = j
    lost = len(expected) - len(got)
    print(f"stress-echo: FAIL: {lost} bytes missing, {bad} of {len(el) - 1} lines differ")
    if first is not None:
        print(f"  line {first} ({'echo' if first % 2 == 0 else 'sent back'} of typed line {first // 2}):")
        print(f"    expected {el[first]!r}")
        print(f"    got      {gl[first]!r}")
    elif len(gl) < len(el):
        print(f"  output stopped after line {len(gl) - 1} (typed line {(len(gl) - 1) // 2})")
    stop(1)
print(f"stress-echo: OK: all {lines_n} lines came back, in order, 0 bytes lost "
      f"({len(expected) / max(elapsed, 1e-9) / 1024:.1f} KiB/s back)")
stop(0)
PY
