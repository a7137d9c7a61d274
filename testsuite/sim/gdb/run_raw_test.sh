#!/usr/bin/env bash
# Talks the GDB remote protocol by hand to `helios-sim run --gdb 127.0.0.1:0`
# over TCP: the handshake, hostile packets (bad checksums, an absurdly long
# packet, garbage, huge reads), resuming and interrupting with ^C, and kill.
#
#   run_raw_test.sh SIM IMAGE
#
# IMAGE's init must run forever through the kernel (testsuite/sim/gdb/guest/gdb_spin.cpp).
set -uo pipefail
sim=$1 image=$2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-gdb-raw.XXXXXX")
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill -9 "$sim_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

timeout -s KILL 30 "$sim" run --image "$image" --com1 none --gdb 127.0.0.1:0 --gdb-wait \
  >"$tmp/sim.out" 2>&1 </dev/null &
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
# Reads one reply packet into REPLY_PKT (acks before it are dropped).
recv() {
  local data cs
  REPLY_PKT='<timeout>'
  IFS= read -r -t 5 -d '#' data <&3 || return 1
  IFS= read -r -t 5 -n 2 cs <&3 || return 1
  REPLY_PKT=${data##*$}
}
# ask PACKET PATTERN: send, read the reply, match it (bash regex).
ask() {
  printf '%s' "$(pkt "$1")" >&3
  recv
  if [[ ! "$REPLY_PKT" =~ $2 ]]; then
    echo "FAIL: '${1:0:40}' got '${REPLY_PKT:0:80}', want /$2/"
    fail=1
  fi
}

ask "qSupported:multiprocess+;swbreak+" '^PacketSize=4000;.*QStartNoAckMode\+.*;multiprocess\+'
# A bad checksum: the stub asks for the packet again.
printf '$g#00' >&3
IFS= read -r -t 5 -n 1 ack <&3
[ "$ack" = "-" ] || { echo "FAIL: bad checksum answered '$ack', want '-'"; fail=1; }
ask "QStartNoAckMode" '^OK$'
# The client offered multiprocess and stays in plain mode: one process, pid 1.
ask "?" '^T05thread:p1\.1;$'
# Noise outside packets is ignored; an absurdly long packet is dropped with an error.
printf 'garbage\x01\x02' >&3
{ printf '$'; head -c 70000 /dev/zero | tr '\0' A; printf '#00'; } >&3
recv
[ "$REPLY_PKT" = "E22" ] || { echo "FAIL: overlong packet got '${REPLY_PKT:0:40}', want E22"; fail=1; }
ask "qDefinitelyNotAPacket" '^$'
ask "m0,ffffffffffffffff" '^E'
ask "m400000,ffffffff" '^[0-9a-f]{8192}$'
ask "mzz,4" '^E01$'
ask "M400000,4:zz" '^E01$'
ask "Z0,zz,1" '^E01$'
ask "Hg999" '^E02$'
ask "vCont;x" '^E01$'
ask "p1000" '^E'
ask "qXfer:features:read:target.xml:0,40" '^m<\?xml'
# Resume, then interrupt with ^C: a SIGINT stop in the spinning thread.
printf '%s' "$(pkt 'vCont;c')" >&3
sleep 0.2
printf '\x03' >&3
recv
[[ "$REPLY_PKT" =~ ^T02thread:p1\.1\;$ ]] || { echo "FAIL: ^C got '$REPLY_PKT', want T02thread:p1.1;"; fail=1; }
ask "qfThreadInfo" '^mp1\.1$'
printf '%s' "$(pkt 'k')" >&3
exec 3>&-

for _ in $(seq 200); do
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.025
done
wait "$sim_pid"
status=$?
sim_pid=
[ "$status" = 137 ] || { echo "FAIL: simulator exit status $status, want 137 (killed by the debugger)"; fail=1; }
if [ "$fail" != 0 ]; then
  echo "--- simulator output ---"
  cat "$tmp/sim.out"
  exit 1
fi
echo PASS
