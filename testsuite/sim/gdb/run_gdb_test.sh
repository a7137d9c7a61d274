#!/usr/bin/env bash
# Drives the real gdb in batch mode against `helios-sim run --gdb unix:SOCK --gdb-wait`
# and checks what gdb and the simulator printed.
#
#   run_gdb_test.sh --sim SIM --image IMAGE (--elf ELF | --extended) --commands FILE --expect FILE
#                   [--gdb GDB] [--line NAME=FILE:TEXT]... [--replay-matches]
#                   [-- extra helios-sim arguments]
#
# --replay-matches records the run and replays the recording without gdb
# afterwards: what the session did (typed input included) must replay exactly.
# --line finds the first line of FILE holding TEXT and puts its number for
# @NAME@ in the commands and expect files (a breakpoint by file:line that
# survives edits elsewhere in the file).
#
# The commands file holds gdb commands; `file ELF` and `target remote` come
# first, or with --extended, `target extended-remote` and no file at all (gdb
# takes every program from the simulator). Without gdb, the test is skipped
# (exit 77). Lines of the expect file:
#   REGEX          must match a line of gdb's output, after the previous match
#   !REGEX         must match no line of gdb's output
#   sim: REGEX     must match a line of the simulator's output (stdout+stderr)
#   exit: N        the simulator's exit status
#   # ...          comment
# With KEEP_GDB_OUT=FILE in the environment, a passing run leaves gdb's output
# there (for docs/debugging.md transcripts).
# Every process runs under a deadline, so nothing can hang the test suite.
set -uo pipefail

sim= image= elf= commands= expect= gdb_bin=gdb extended= replay_check=
extra=()
lines=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sim) sim=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --elf) elf=$2; shift 2 ;;
    --extended) extended=1; shift ;;
    --line) lines+=("$2"); shift 2 ;;
    --replay-matches) replay_check=1; shift ;;
    --commands) commands=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --gdb) gdb_bin=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "run_gdb_test: unknown argument $1" >&2; exit 2 ;;
  esac
done
for v in sim image commands expect; do
  [ -n "${!v}" ] || { echo "run_gdb_test: --$v is required" >&2; exit 2; }
done
[ -n "$elf$extended" ] || { echo "run_gdb_test: --elf or --extended is required" >&2; exit 2; }
if ! command -v "$gdb_bin" >/dev/null; then
  # The older tests are disabled by CMake without gdb; a run by hand says why.
  echo "SKIP: $gdb_bin not found (scripts/setup.sh installs it)"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-gdb-test.XXXXXX")
subst=()
for spec in "${lines[@]}"; do
  name=${spec%%=*} rest=${spec#*=}
  file=${rest%%:*} text=${rest#*:}
  n=$(grep -nF -- "$text" "$file" | head -1 | cut -d: -f1)
  [ -n "$n" ] || { echo "run_gdb_test: no line of $file holds '$text'" >&2; rm -rf "$tmp"; exit 2; }
  subst+=(-e "s/@$name@/$n/g")
done
if [ ${#subst[@]} -gt 0 ]; then
  sed "${subst[@]}" "$commands" >"$tmp/commands"
  sed "${subst[@]}" "$expect" >"$tmp/expect"
  commands=$tmp/commands expect=$tmp/expect
fi
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill -9 "$sim_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
sock=$tmp/gdb.sock
[ -n "$replay_check" ] && extra+=(--record "$tmp/run.scenario")

timeout -s KILL 30 "$sim" run --image "$image" --gdb "unix:$sock" --gdb-wait "${extra[@]}" \
  >"$tmp/sim.out" 2>&1 </dev/null &
sim_pid=$!
for _ in $(seq 200); do
  [ -S "$sock" ] && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.025
done
if [ ! -S "$sock" ]; then
  echo "run_gdb_test: the simulator did not open $sock" >&2
  cat "$tmp/sim.out" >&2
  exit 1
fi

{
  echo "set pagination off"
  echo "set confirm off"
  echo "set width 0"
  # gdb gives up on a reply after 2 s by default; on a loaded machine (a
  # test run beside a build) that desynchronises the session. The run is
  # still bounded by the deadlines below.
  echo "set remotetimeout 20"
  if [ -n "$extended" ]; then
    echo "target extended-remote $sock"
  else
    echo "file $elf"
    echo "target remote $sock"
  fi
  cat "$commands"
} >"$tmp/gdb.cmd"
timeout -s KILL 30 "$gdb_bin" -batch -nx -x "$tmp/gdb.cmd" >"$tmp/gdb.out" 2>&1 </dev/null
gdb_status=$?

# The simulator ends by itself (the guest exits, or gdb killed it); give it a moment.
sim_status=
for _ in $(seq 200); do
  if ! kill -0 "$sim_pid" 2>/dev/null; then break; fi
  sleep 0.025
done
if kill -0 "$sim_pid" 2>/dev/null; then
  kill -9 "$sim_pid" 2>/dev/null
  wait "$sim_pid" 2>/dev/null
  sim_status=killed
else
  wait "$sim_pid"
  sim_status=$?
fi
sim_pid=

fail=0
report() { echo "FAIL: $*"; fail=1; }
line_no=0
mapfile -t gdb_lines <"$tmp/gdb.out"
while IFS= read -r rule || [ -n "$rule" ]; do
  case "$rule" in
    ''|'#'*) continue ;;
    'exit: '*)
      want=${rule#exit: }
      [ "$sim_status" = "$want" ] || report "simulator exit status $sim_status, want $want" ;;
    'sim: '*)
      grep -Eq -- "${rule#sim: }" "$tmp/sim.out" || report "simulator output lacks /${rule#sim: }/" ;;
    '!'*)
      grep -Eq -- "${rule#!}" "$tmp/gdb.out" && report "gdb output has /${rule#!}/" ;;
    *)
      found=0
      while [ "$line_no" -lt "${#gdb_lines[@]}" ]; do
        l=${gdb_lines[$line_no]}
        line_no=$((line_no + 1))
        if [[ "$l" =~ $rule ]]; then found=1; break; fi
      done
      [ "$found" = 1 ] || { report "gdb output lacks /$rule/ (in order)"; line_no=0; } ;;
  esac
done <"$expect"

if [ -n "$replay_check" ]; then
  timeout -s KILL 30 "$sim" replay "$tmp/run.scenario" >"$tmp/replay.out" 2>&1 </dev/null
  replay_status=$?
  grep -q "replay matched" "$tmp/replay.out" ||
    { report "the recording of the session does not replay (status $replay_status)"; cat "$tmp/replay.out"; }
fi

if [ "$fail" != 0 ]; then
  echo "--- gdb commands ---"; cat "$tmp/gdb.cmd"
  echo "--- gdb output (status $gdb_status) ---"; cat "$tmp/gdb.out"
  echo "--- simulator output (status $sim_status) ---"; cat "$tmp/sim.out"
  exit 1
fi
[ -n "${KEEP_GDB_OUT:-}" ] && cp "$tmp/gdb.out" "$KEEP_GDB_OUT"
echo "PASS ($(wc -l <"$tmp/gdb.out") lines of gdb output)"
