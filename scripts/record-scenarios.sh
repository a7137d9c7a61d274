#!/usr/bin/env bash
# Re-records the scenarios/ corpus from the current build, pinning the images
# they run next to them (scenarios/images/). Run it when a deliberate kernel
# or user-program change alters the event trace, and review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset hosted >/dev/null
cmake --build --preset hosted -j "${HELIOS_JOBS:-2}" --target helios-sim image_default image_test_serialcrash \
  image_sys_pagefault image_vulcan >/dev/null
mkdir -p scenarios/images scenarios/inputs
for img in default test_serialcrash sys_pagefault vulcan; do
  cp build/hosted/image/$img.tar scenarios/images/$img.tar
done
sim=build/hosted/sim/helios-sim
printf 'hello\n' > scenarios/inputs/hello.txt
printf 'abc\n\x1dmore\nafter\n' > scenarios/inputs/malformed-burst.txt

# record NAME DESCRIPTION helios-sim-run-arguments...
record() {
  local name=$1 desc=$2
  shift 2
  "$sim" run --record "scenarios/$name.scn" --timeout 60 "$@" >/dev/null 2>&1 || true
  grep -q '^end status=' "scenarios/$name.scn" || { echo "record: $name did not finish" >&2; exit 1; }
  sed -i "1a description $desc" "scenarios/$name.scn"
  echo "recorded scenarios/$name.scn ($(grep -c '^event' "scenarios/$name.scn") events)"
}

record serial-crash-restart \
  "the serial driver faults on a malformed burst (byte 0x1d); init logs the crash, restarts it, and echo works again" \
  --image scenarios/images/test_serialcrash.tar --com1 file:scenarios/inputs/malformed-burst.txt
record supervisor-pagefault \
  "a thread writes to an unmapped page; its supervisor receives the fault, maps a page and resumes it" \
  --image scenarios/images/sys_pagefault.tar --com1 file:/dev/null
storm=()
for i in $(seq 300 5 420); do storm+=(--inject "spurious-irq line=4 @${i}us"); done
record irq-storm \
  "a storm of spurious and duplicated COM1/COM2 interrupts while a line is echoed: the driver must ack and survive" \
  --image scenarios/images/default.tar --com1 file:scenarios/inputs/hello.txt "${storm[@]}" \
  --inject 'irq-dup line=4 @330us' --inject 'spurious-irq line=3 @340us'
record alloc-failure-loading \
  "a page allocation fails while init loads usrinit: init reports it and does not start it; the driver runs on" \
  --image scenarios/images/default.tar --com1 file:scenarios/inputs/hello.txt --inject 'fail-alloc count=1 @250us'
record driver-killed-mid-request \
  "the serial driver is killed while usrinit waits in a read call: usrinit's call ends in ABORTED" \
  --image scenarios/images/default.tar --com1 file:scenarios/inputs/hello.txt --inject 'kill-task task=2 @15ms'
record vulcan-run "the whole Vulcan kernel test suite, every test passing" \
  --image scenarios/images/vulcan.tar --com1 file:/dev/null
