#!/usr/bin/env bash
# The gdb stub's front doors, end to end against the real helios-sim: where
# --gdb listens and what it prints, one client at a time, a silent client
# dropped, --timeout ending every wait for gdb with exit 124, unix:PATH
# refusing a live listener and a symlink, and the executable extracted for
# gdb never written through links planted at the old predictable path.
#
#   run_front_doors_test.sh SIM IMAGE ELF
#
# IMAGE's init must run forever through the kernel (guest/gdb_spin.cpp); ELF
# is that program (for the address of spin_once).
set -uo pipefail
sim=$1 image=$2 elf=$3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-gdb-doors.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

fail=0
report() { echo "FAIL: $*"; fail=1; }
note() { echo "--- $*"; }

# start NAME ARGS...: runs `sim run --image IMAGE --com1 none ARGS` in the
# background (its pid in SIM_PID, output in $tmp/NAME.out).
start() {
  local name=$1; shift
  "$sim" run --image "$image" --com1 none "$@" >"$tmp/$name.out" 2>&1 </dev/null &
  SIM_PID=$!
  pids+=("$SIM_PID")
}
# listening NAME: the address the simulator says it listens on (empty if none within 5 s).
listening() {
  local a= _
  for _ in $(seq 200); do
    a=$(sed -n 's/.*gdb stub listening on \([^ ]*\).*/\1/p' "$tmp/$1.out")
    [ -n "$a" ] && break
    sleep 0.025
  done
  echo "$a"
}
# finish PID SECONDS: waits for PID to end within SECONDS (else kills it);
# sets STATUS (exit status or "hung") and WALL (seconds waited, to 0.1 s).
finish() {
  local pid=$1 limit=$2 t0 t1
  t0=$(date +%s%N)
  for _ in $(seq $((limit * 20))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  t1=$(date +%s%N)
  WALL=$(((t1 - t0) / 100000000))
  WALL="$((WALL / 10)).$((WALL % 10))"
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    STATUS=hung
  else
    wait "$pid"
    STATUS=$?
  fi
}
pkt() {
  local p=$1 sum=0 i c
  for ((i = 0; i < ${#p}; i++)); do
    printf -v c '%d' "'${p:i:1}"
    sum=$(((sum + c) & 255))
  done
  printf '$%s#%02x' "$p" "$sum"
}
# ask FD PACKET: sends PACKET on FD, reads the reply packet into REPLY_PKT.
ask() {
  local data cs
  printf '%s' "$(pkt "$2")" >&"$1"
  REPLY_PKT='<timeout>'
  # Console output (O and hex, as gdb prints while the target runs) comes
  # before a stop reply: skip it, as gdb does.
  while :; do
    IFS= read -r -t 5 -d '#' data <&"$1" || return 1
    IFS= read -r -t 5 -n 2 cs <&"$1" || return 1
    REPLY_PKT=${data##*$}
    [[ "$REPLY_PKT" =~ ^O([0-9a-f][0-9a-f])+$ ]] || break
  done
}
# eof_within FD SECONDS: true when the peer closes FD in time (anything sent before is skipped).
eof_within() {
  local end=$((SECONDS + $2)) c
  while [ "$SECONDS" -le "$end" ]; do
    IFS= read -r -t 1 -n 1 c <&"$1"
    case $? in
      1) return 0 ;;  # EOF (or a reset)
      *) ;;           # a byte, or a second without one: keep reading
    esac
  done
  return 1
}
port_of() { echo "${1##*:}"; }
# lt A B: A < B for decimal numbers.
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# ---- 1. PORT binds loopback only and prints the port really bound ----
note "default bind"
start bind --gdb 0 --gdb-wait --timeout 20
sim_pid=$SIM_PID
addr=$(listening bind)
port=$(port_of "$addr")
[[ "$addr" =~ ^127\.0\.0\.1:[0-9]+$ ]] || report "--gdb 0 listens on '$addr', want 127.0.0.1:PORT"
[ "${port:-0}" != 0 ] || report "--gdb 0 printed port 0, not the port bound"
grep -q "warning" "$tmp/bind.out" && report "a loopback stub printed a warning"
if [ -n "$port" ]; then
  hexport=$(printf '%04X' "$port")
  # /proc/net/tcp: local address 127.0.0.1 (0100007F) in state LISTEN (0A), and no wildcard bind.
  grep -Eq "^ *[0-9]+: 0100007F:$hexport 00000000:0000 0A" /proc/net/tcp ||
    report "no 127.0.0.1:$port listener in /proc/net/tcp"
  grep -Eq "^ *[0-9]+: 00000000:$hexport " /proc/net/tcp && report "port $port is bound on 0.0.0.0"
  grep -Eiq "^ *[0-9]+: 0{32}:$hexport " /proc/net/tcp6 2>/dev/null && report "port $port is bound on ::"
  # Where the host has another address, nothing answers there.
  other=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
  if [ -n "$other" ]; then
    if timeout 3 bash -c "exec 5<>/dev/tcp/$other/$port" 2>/dev/null; then
      report "the stub answered on $other:$port"
    fi
  else
    echo "(no non-loopback IPv4 address on this host; checked the bound address only)"
  fi
fi
kill -9 "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null

# ---- 2. A non-loopback HOST is bound as named, with a warning ----
note "bind on 0.0.0.0"
start any --gdb 0.0.0.0:0 --gdb-wait --timeout 20
sim_pid=$SIM_PID
addr=$(listening any)
[[ "$addr" =~ ^0\.0\.0\.0:[1-9][0-9]*$ ]] || report "--gdb 0.0.0.0:0 printed '$addr', want 0.0.0.0:PORT"
grep -q "warning: the gdb stub on .* is reachable from the network" "$tmp/any.out" ||
  report "no network warning for 0.0.0.0"
kill -9 "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null

# ---- 3. A second client is refused; the first keeps working ----
note "second client"
start second --gdb 0 --gdb-wait --timeout 20
sim_pid=$SIM_PID
port=$(port_of "$(listening second)")
if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
  ask 3 "qSupported:swbreak+" || true
  [[ "$REPLY_PKT" =~ ^PacketSize ]] || report "first client: qSupported got '$REPLY_PKT'"
  if exec 4<>"/dev/tcp/127.0.0.1/$port"; then
    eof_within 4 3 || report "the second client was not closed"
    exec 4>&-
  fi
  ask 3 "?" || true
  [[ "$REPLY_PKT" =~ ^T05thread:1\;$ ]] || report "first client after the second: '?' got '$REPLY_PKT'"
  printf '%s' "$(pkt k)" >&3
  exec 3>&-
else
  report "cannot connect to port $port"
fi
finish "$sim_pid" 10
[ "$STATUS" = 137 ] || report "second-client run ended with $STATUS, want 137 (killed by the first client)"
grep -q "refused a second client" "$tmp/second.out" || report "no log line for the refused client"

# ---- 4. --gdb-wait: silent clients are dropped, --timeout still ends the run ----
note "silent client at --gdb-wait"
start idle --gdb 0 --gdb-wait --gdb-idle 1 --timeout 4
sim_pid=$SIM_PID
port=$(port_of "$(listening idle)")
t0=$SECONDS
exec 3<>"/dev/tcp/127.0.0.1/$port"
eof_within 3 4 || report "a silent client was not dropped (--gdb-idle 1)"
lt $((SECONDS - t0)) 4 || report "dropping the silent client took $((SECONDS - t0)) s"
exec 3>&-
exec 3<>"/dev/tcp/127.0.0.1/$port"  # another silent one: the stub went back to waiting
finish "$sim_pid" 10
exec 3>&-
[ "$STATUS" = 124 ] || report "silent clients + --timeout 4 ended with $STATUS, want 124"
lt "$WALL" 7 || report "the run ended ${WALL} s after the silent clients, want about 4 s"
grep -q "dropped the client" "$tmp/idle.out" || report "no log line for the dropped client"

# ---- 5. A silent client while the guest runs: --timeout wins over the (default 30 s) idle bound ----
note "silent client while running"
start running --gdb 0 --timeout 2
sim_pid=$SIM_PID
port=$(port_of "$(listening running)")
exec 3<>"/dev/tcp/127.0.0.1/$port"
finish "$sim_pid" 10
exec 3>&-
[ "$STATUS" = 124 ] || report "a silent client while running: ended with $STATUS, want 124"
lt "$WALL" 5 || report "a silent client held the run ${WALL} s past its start, --timeout 2"

# ---- 6. Stopped at a breakpoint, gdb silent: --timeout ends the run ----
note "silent at a breakpoint"
bp=$(nm "$elf" 2>/dev/null | awk '$3 == "spin_once" { print $1 }' | sed 's/^0*//')
start bp --gdb 0 --gdb-wait --timeout 3
sim_pid=$SIM_PID
port=$(port_of "$(listening bp)")
exec 3<>"/dev/tcp/127.0.0.1/$port"
ask 3 "qSupported:swbreak+" || true
ask 3 "QStartNoAckMode" || true
if [ -n "$bp" ]; then
  ask 3 "Z0,$bp,1" || true
  [ "$REPLY_PKT" = OK ] || report "Z0 at spin_once ($bp) got '$REPLY_PKT'"
  ask 3 "vCont;c" || true
  [[ "$REPLY_PKT" =~ ^T05 ]] || report "no breakpoint stop: '$REPLY_PKT'"
else
  report "no spin_once in $elf"
fi
finish "$sim_pid" 10  # gdb says nothing more
exec 3>&-
[ "$STATUS" = 124 ] || report "silent at a breakpoint: ended with $STATUS, want 124"
lt "$WALL" 5 || report "silent at a breakpoint: ${WALL} s after the stop, --timeout 3"

# ---- 7. --gdb-wait and nobody comes ----
note "nobody comes"
start nobody --gdb 0 --gdb-wait --timeout 1
sim_pid=$SIM_PID
finish "$sim_pid" 10
[ "$STATUS" = 124 ] || report "--gdb-wait without a client: ended with $STATUS, want 124"
lt "$WALL" 4 || report "--gdb-wait without a client took ${WALL} s, --timeout 1"

# ---- 8. unix:PATH: a live listener is refused and keeps working; a symlink is refused ----
note "unix:PATH"
sock=$tmp/live.sock
start live --gdb "unix:$sock" --gdb-wait --timeout 20
live_pid=$SIM_PID
[ "$(listening live)" = "unix:$sock" ] || report "unix listener not announced"
start intruder --gdb "unix:$sock" --gdb-wait --timeout 5
finish "$SIM_PID" 10
[ "$STATUS" = 64 ] || report "a second --gdb unix:$sock ended with $STATUS, want 64"
grep -q "another process is listening on $sock" "$tmp/intruder.out" || report "no 'another process is listening' message"
start uart --com2 "unix:$sock" --timeout 5
finish "$SIM_PID" 10
[ "$STATUS" != 0 ] && [ "$STATUS" != hung ] || report "a UART on a live socket ended with $STATUS"
grep -q "another process is listening on $sock" "$tmp/uart.out" || report "UART: no 'another process is listening' message"
[ -S "$sock" ] || report "the live socket file was removed"
if command -v gdb >/dev/null; then
  timeout -s KILL 20 gdb -batch -nx -ex "set confirm off" -ex "target remote $sock" -ex "kill" \
    >"$tmp/gdb.out" 2>&1 </dev/null
  finish "$live_pid" 10
  [ "$STATUS" = 137 ] || { report "the first stub did not keep working (status $STATUS)"; cat "$tmp/gdb.out"; }
else
  kill -9 "$live_pid"; wait "$live_pid" 2>/dev/null
  echo "(no gdb: the first stub's socket was checked, not a session)"
fi
echo "precious" >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/link.sock"
start link --gdb "unix:$tmp/link.sock" --gdb-wait --timeout 5
finish "$SIM_PID" 10
[ "$STATUS" = 64 ] || report "--gdb unix:SYMLINK ended with $STATUS, want 64"
grep -q "symbolic link" "$tmp/link.out" || report "no symlink message"
[ -L "$tmp/link.sock" ] && [ "$(cat "$tmp/victim")" = precious ] || report "the symlink or its target changed"
rm -f "$tmp/dead.sock"
make_stale_socket() {  # a stale socket: bound by a process that is gone
  "$sim" run --image "$image" --com1 none --gdb "unix:$1" --gdb-wait >/dev/null 2>&1 </dev/null &
  local p=$!
  for _ in $(seq 200); do [ -S "$1" ] && break; sleep 0.025; done
  kill -9 "$p"; wait "$p" 2>/dev/null
}
make_stale_socket "$tmp/dead.sock"
[ -S "$tmp/dead.sock" ] || report "could not make a stale socket"
start stale --gdb "unix:$tmp/dead.sock" --gdb-wait --timeout 1
finish "$SIM_PID" 10
[ "$STATUS" = 124 ] || report "--gdb on a stale socket ended with $STATUS, want 124 (listened, nobody came)"
[ -e "$tmp/dead.sock" ] && report "the replaced socket was left behind"

# ---- 9. The extracted executable: never through links planted at the old path ----
note "extracted executable"
mkdir -p "$tmp/t" "$tmp/victims/folder" "$tmp/victims/dead"
echo "victim init" >"$tmp/victims/folder/init"
echo "victim keep" >"$tmp/victims/dead/keep"
ln -s "$tmp/victims/dead" "$tmp/t/helios-sim-gdb-999999"  # the old code emptied these (dead pid)
TMPDIR=$tmp/t "$sim" run --image "$image" --com1 none --gdb 0 --gdb-wait --timeout 20 \
  >"$tmp/exec.out" 2>&1 </dev/null &
sim_pid=$!
pids+=("$sim_pid")
port=$(port_of "$(listening exec)")
ln -s "$tmp/victims/folder" "$tmp/t/helios-sim-gdb-$sim_pid"  # the old name of this run's directory
exec 3<>"/dev/tcp/127.0.0.1/$port"
ask 3 "qSupported:swbreak+" || true
ask 3 "qXfer:exec-file:read::0,fff" || true
path=${REPLY_PKT#l}
[[ "$path" =~ ^$tmp/t/helios-sim-gdb\.[A-Za-z0-9]{6}/init$ ]] || report "exec-file answered '$REPLY_PKT'"
dir=${path%/*}
if [ -f "$path" ]; then
  [ "$(stat -c %a "$dir")" = 700 ] || report "$dir has mode $(stat -c %a "$dir"), want 700"
  [ -L "$dir" ] && report "$dir is a symlink"
  cmp -s "$path" "$(tar -xOf "$image" init >"$tmp/init.ref"; echo "$tmp/init.ref")" ||
    report "the extracted file differs from the image's init"
else
  report "the extracted file '$path' does not exist"
fi
printf '%s' "$(pkt k)" >&3
exec 3>&-
finish "$sim_pid" 10
[ "$STATUS" = 137 ] || report "exec-file run ended with $STATUS, want 137"
[ "$(cat "$tmp/victims/folder/init")" = "victim init" ] || report "the victim file was overwritten"
[ "$(cat "$tmp/victims/dead/keep")" = "victim keep" ] || report "the victim folder was emptied"
[ -L "$tmp/t/helios-sim-gdb-$sim_pid" ] && [ -L "$tmp/t/helios-sim-gdb-999999" ] || report "a planted link was removed"
[ -n "$dir" ] && [ -e "$dir" ] && report "the private directory $dir was left behind"

if [ "$fail" != 0 ]; then
  for f in "$tmp"/*.out; do echo "--- $(basename "$f") ---"; cat "$f"; done
  exit 1
fi
echo PASS
