#!/usr/bin/env bash
# A replay that diverges under gdb stops there instead of ending the run:
# gdb is told why (the report in the session, "No more reverse-execution
# history"), can look at the system (a backtrace in the guest), and the
# run ends with status 3 when gdb continues.
#   run_divergence_test.sh HELIOS_SIM ECHO_IMAGE ECHO_ELF
set -uo pipefail
sim=$1 image=$2 elf=$3
command -v gdb >/dev/null || { echo "SKIP: no gdb on this host"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-divergence.XXXXXX")
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill -9 "$sim_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- gdb ---"; cat "$tmp/gdb.out" 2>/dev/null; echo "--- simulator ---"; cat "$tmp/sim.out" 2>/dev/null; exit 1; }

# Record the echo guest reading "xyz", then change the 'y' it reads.
printf 'xyz\nq' >"$tmp/in.txt"
"$sim" run --image "$image" --com1 "file:$tmp/in.txt" --record "$tmp/e.scn" >/dev/null 2>&1
sed -i 's/hex=79$/hex=59/' "$tmp/e.scn"
grep -q 'hex=59$' "$tmp/e.scn" || fail "the recording has no input byte 0x79 to change"

timeout -s KILL 60 "$sim" replay "$tmp/e.scn" --gdb "unix:$tmp/gdb.sock" --gdb-wait >"$tmp/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 200); do [ -S "$tmp/gdb.sock" ] && break; sleep 0.05; done
[ -S "$tmp/gdb.sock" ] || fail "the stub did not listen"
timeout -s KILL 60 gdb -batch -nx "$elf" -ex "set remotetimeout 20" -ex "target remote $tmp/gdb.sock" \
  -ex continue -ex "bt 1" -ex continue >"$tmp/gdb.out" 2>&1
wait "$sim_pid"
status=$?
sim_pid=

grep -q 'No more reverse-execution history' "$tmp/gdb.out" || fail "gdb was not told the replay ended (replaylog)"
grep -q 'helios-sim: replay diverged at event' "$tmp/gdb.out" || fail "the divergence report is not in the gdb session"
grep -q 't1 = init, at main' "$tmp/gdb.out" || fail "the report does not name the task's program and function"
grep -qE '^#0 .*main \(\) at .*' "$tmp/gdb.out" || fail "no backtrace at the divergence"
grep -q 'exited with code 03' "$tmp/gdb.out" || fail "continuing did not end the run with status 3"
[ "$status" = 3 ] || fail "simulator status $status, want 3"
echo "divergence: the replay stopped at the divergent event under gdb, then ended with status 3"
