#!/usr/bin/env bash
# gdb's Ctrl-C stops a guest that spins without ever entering the kernel, in
# deterministic mode (no --free-running), and the recording of that session
# still replays exactly: the stop leaves no event, and gdb's `kill` ends the
# recording with a `quit` line where its replay stops too.
#
#   run_interrupt_spin_test.sh SIM IMAGE
#
# IMAGE's init must spin without kernel entries (testsuite/sim/replay/spin_hard.cpp).
set -uo pipefail
sim=$1 image=$2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-gdb-spin.XXXXXX")
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill -9 "$sim_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

timeout -s KILL 60 "$sim" run --image "$image" --com1 none --record "$tmp/spin.scn" \
  --gdb 127.0.0.1:0 --gdb-wait >"$tmp/sim.out" 2>&1 </dev/null &
sim_pid=$!
port=
for _ in $(seq 200); do
  port=$(sed -n 's/.*gdb stub listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/sim.out")
  [ -n "$port" ] && break
  sleep 0.025
done
[ -n "$port" ] || { echo "FAIL: no listening message"; cat "$tmp/sim.out"; exit 1; }
exec 3<>"/dev/tcp/127.0.0.1/$port" || { echo "FAIL: cannot connect to port $port"; exit 1; }

fail=0
pkt() {
  local p=$1 sum=0 i c
  for ((i = 0; i < ${#p}; i++)); do
    printf -v c '%d' "'${p:i:1}"
    sum=$(((sum + c) & 255))
  done
  printf '$%s#%02x' "$p" "$sum"
}
# Reads one reply packet into REPLY_PKT (acks before it are dropped). The 20 s
# bound only ends a failing run: a loaded machine (ASan, parallel builds)
# may take seconds to boot before the stub answers.
recv() {
  local data cs
  REPLY_PKT='<timeout>'
  IFS= read -r -t 20 -d '#' data <&3 || return 1
  IFS= read -r -t 20 -n 2 cs <&3 || return 1
  REPLY_PKT=${data##*$}
}
ask() {
  printf '%s' "$(pkt "$1")" >&3
  recv
  if [[ ! "$REPLY_PKT" =~ $2 ]]; then
    echo "FAIL: '${1:0:40}' got '${REPLY_PKT:0:80}', want /$2/"
    fail=1
  fi
}

ask "qSupported:multiprocess+;swbreak+" '^PacketSize='
ask "QStartNoAckMode" '^OK$'
ask "?" '^T05thread:p1\.1;$'
# Twice: run, let it spin (it never enters the kernel), interrupt with ^C.
for round in 1 2; do
  printf '%s' "$(pkt 'vCont;c')" >&3
  sleep 0.3
  printf '\x03' >&3
  recv
  [[ "$REPLY_PKT" =~ ^T02thread:p1\.1\;$ ]] || { echo "FAIL: ^C (round $round) got '$REPLY_PKT', want T02thread:p1.1;"; fail=1; }
  # The stop is inside the loop: registers can be read there.
  ask "p10" '^[0-9a-f]{16}$'
done
printf '%s' "$(pkt 'k')" >&3
exec 3>&-

for _ in $(seq 400); do
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.025
done
wait "$sim_pid"
status=$?
sim_pid=
[ "$status" = 137 ] || { echo "FAIL: simulator exit status $status, want 137 (killed by the debugger)"; fail=1; }
grep -q '^quit @' "$tmp/spin.scn" || { echo "FAIL: the recording has no quit line"; fail=1; }
grep -q '^end status=137$' "$tmp/spin.scn" || { echo "FAIL: the recording does not end with status 137"; fail=1; }
grep -q '^# gdb stopped task 1 ' "$tmp/spin.scn" || { echo "FAIL: the recording does not note the gdb stops"; fail=1; }

# The replay stops where the recording was ended, with the same events.
timeout -s KILL 30 "$sim" replay "$tmp/spin.scn" >"$tmp/replay.out" 2>&1 </dev/null
rstatus=$?
[ "$rstatus" = 0 ] || { echo "FAIL: replay exit status $rstatus, want 0"; fail=1; }
grep -q 'replay matched all' "$tmp/replay.out" || { echo "FAIL: the replay did not match"; fail=1; }

if [ "$fail" != 0 ]; then
  echo "--- simulator output ---"; cat "$tmp/sim.out"
  echo "--- recording ---"; cat "$tmp/spin.scn"
  echo "--- replay output ---"; cat "$tmp/replay.out"
  exit 1
fi
echo PASS
