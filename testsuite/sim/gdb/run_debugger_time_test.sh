#!/usr/bin/env bash
# The debugger leaves no trace: the default image (init and the serial
# driver) fed bytes on COM1 by injections is run
#   1. without gdb,
#   2. under gdb with a breakpoint on the driver's IRQ handler hit on every
#      interrupt (gdb continues by itself: `ignore`),
#   3. under gdb stopping there once, single-stepping 200 instructions and
#      `next`ing, then continuing,
#   4. under gdb with a watchpoint on the driver's RX ring count hit on every
#      byte,
# and every run's kernel event trace (--trace, with virtual timestamps) must
# be byte-identical to the first (docs/virtual-time.md). Then the first run is
# recorded and replayed under gdb with the breakpoint hit on every interrupt:
# the replay must match to the end.
#
#   run_debugger_time_test.sh SIM IMAGE SERIAL_ELF
set -uo pipefail
sim=$1 image=$2 elf=$3
command -v gdb >/dev/null || { echo "SKIP: gdb not found" >&2; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-dbgtime.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Thirty bursts of input, one every 7 ms of virtual time.
injects=()
for i in $(seq 1 30); do injects+=("--inject=uart com1 hex=$(printf '%02x' $((0x40 + i)))0a @$((40 + 7 * i))ms"); done
common=(--image "$image" --com1 none --timeout 60 "${injects[@]}")

fail=0
report() { echo "FAIL: $*"; fail=1; }

# Runs helios-sim with --gdb-wait and gdb batch commands from $2; $1: name.
under_gdb() {
  local name=$1 commands=$2; shift 2
  local sock=$tmp/$name.sock
  timeout -s KILL 60 "$sim" "$@" --gdb "unix:$sock" --gdb-wait >"$tmp/$name.sim" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 200); do [ -S "$sock" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.025; done
  printf 'set pagination off\nset confirm off\nset width 0\nfile %s\ntarget remote %s\n%s\n' \
    "$elf" "$sock" "$commands" >"$tmp/$name.cmd"
  timeout -s KILL 60 gdb -batch -nx -x "$tmp/$name.cmd" >"$tmp/$name.gdb" 2>&1 </dev/null
  wait "$pid"
  echo $? >"$tmp/$name.status"
}

"$sim" run "${common[@]}" --trace "$tmp/plain.trace" >"$tmp/plain.sim" 2>&1
plain_status=$?
[ -s "$tmp/plain.trace" ] || { cat "$tmp/plain.sim"; echo "FAIL: no trace from the plain run"; exit 1; }
irqs=$(grep -c " irq " "$tmp/plain.trace")
[ "$irqs" -ge 10 ] || report "the plain run took only $irqs interrupts"

under_gdb breaks "monitor program serial
break handle_irq
ignore 1 1000000
continue
info breakpoints" run "${common[@]}" --trace "$tmp/breaks.trace"

under_gdb steps "monitor program serial
break handle_irq
continue
continue
print/x \$pc
stepi 200
print/x \$pc
next
next
delete
continue" run "${common[@]}" --trace "$tmp/steps.trace"

under_gdb watches "monitor program serial
break handle_irq
continue
watch -l g_ports[0].rx.count
delete 1
ignore 2 1000000
continue
info breakpoints" run "${common[@]}" --trace "$tmp/watches.trace"

hits=$(grep -Eo "already hit [0-9]+ time" "$tmp/breaks.gdb" | grep -Eo "[0-9]+" | head -1)
[ "${hits:-0}" -ge 10 ] || report "the breakpoint was hit ${hits:-0} times (want >= 10)"
whits=$(grep -Eo "already hit [0-9]+ time" "$tmp/watches.gdb" | grep -Eo "[0-9]+" | head -1)
[ "${whits:-0}" -ge 10 ] || report "the watchpoint was hit ${whits:-0} times (want >= 10)"
# The stepping session really stepped: $pc before and after `stepi 200`.
pc_before=$(grep -Eo '^\$1 = 0x[0-9a-f]+' "$tmp/steps.gdb" | grep -Eo '0x[0-9a-f]+')
pc_after=$(grep -Eo '^\$2 = 0x[0-9a-f]+' "$tmp/steps.gdb" | grep -Eo '0x[0-9a-f]+')
[ -n "$pc_before" ] && [ -n "$pc_after" ] && [ "$pc_before" != "$pc_after" ] ||
  report "the stepping session did not step (pc '${pc_before:-?}' then '${pc_after:-?}')"

for name in breaks steps watches; do
  status=$(cat "$tmp/$name.status")
  [ "$status" = "$plain_status" ] || report "$name: exit status $status, the plain run $plain_status"
  if ! cmp -s "$tmp/plain.trace" "$tmp/$name.trace"; then
    report "$name: the trace differs from the run without gdb"
    diff "$tmp/plain.trace" "$tmp/$name.trace" | head -10
  fi
done

# Record without gdb, replay under gdb with every interrupt stopping.
"$sim" run "${common[@]}" --record "$tmp/run.scn" >/dev/null 2>&1
under_gdb replay "monitor program serial
break handle_irq
ignore 1 1000000
continue" replay "$tmp/run.scn" --timeout 60
rstatus=$(cat "$tmp/replay.status")
[ "$rstatus" = 0 ] || report "the replay under gdb ended with $rstatus: $(tail -5 "$tmp/replay.sim")"
grep -q "replay matched all" "$tmp/replay.sim" || report "the replay under gdb did not match: $(tail -5 "$tmp/replay.sim")"

if [ "$fail" != 0 ]; then
  for name in breaks steps watches replay; do
    echo "--- $name: gdb ---"; tail -20 "$tmp/$name.gdb"
    echo "--- $name: simulator ---"; tail -5 "$tmp/$name.sim"
  done
  exit 1
fi
echo "PASS: $irqs interrupts; breakpoint hit $hits times, watchpoint $whits times, 200 steps: traces identical; replay under gdb matched"
