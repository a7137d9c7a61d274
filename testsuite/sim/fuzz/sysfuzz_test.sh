#!/usr/bin/env bash
# Whole-system fuzzing tests: sysfuzz_test.sh CASE HELIOS_SIM IMAGE
#   campaign                      seeds 0..3 (HELIOS_SYSFUZZ_SEEDS=A..B), the
#                                 kernel checked after every entry; prints the
#                                 calls made and the checks run
#   failure-is-saved-and-replays  a (made-up) broken invariant ends the run
#                                 with status 4 and leaves a scenario whose
#                                 replay breaks it again at the same event
#   same-seed-same-run            one seed twice: identical kernel traces
#   bad-options                   --seed-range mistakes get clear errors
set -uo pipefail
case_name=$1 sim=$2 image=$3
calls=${HELIOS_SYSFUZZ_CALLS:-1500}
work=$(mktemp -d "${TMPDIR:-/tmp}/sysfuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
: >"$work/no-input"
com1=(--com1 "file:$work/no-input")
fail() { echo "FAIL: $*" >&2; exit 1; }

case $case_name in
campaign)
  seeds=${HELIOS_SYSFUZZ_SEEDS:-0..3}
  "$sim" run --image "$image" "${com1[@]}" --check-invariants --failure-dir "$work" --seed-range "$seeds" \
      --cmdline "calls=$calls" --timeout 240 >"$work/out" 2>&1
  status=$?
  cat "$work/out"
  [ "$status" = 0 ] || fail "the campaign ended with status $status (a saved failure is in the output above)"
  first=${seeds%..*} last=${seeds#*..}
  want=$((last - first + 1))
  # (A worker's random writecons may leave bytes before a line: match anywhere.)
  done_lines=$(grep -ao '\[sysfuzz\] done: [0-9]* calls' "$work/out" | wc -l)
  [ "$done_lines" = "$want" ] || fail "$done_lines of $want seeds printed their totals"
  total=$(grep -ao '\[sysfuzz\] done: [0-9]* calls' "$work/out" | awk '{s += $3} END {print s}')
  echo "sysfuzz: $total hostile calls in $want seeded whole-system runs, kernel invariants checked after every kernel entry"
  ;;
failure-is-saved-and-replays)
  # HELIOS_CHECKER_FAKE_PROBLEM_AT makes the checker report a problem at its
  # N-th check: the path from a broken invariant to a replayable file.
  HELIOS_CHECKER_FAKE_PROBLEM_AT=700 "$sim" run --image "$image" "${com1[@]}" --check-invariants \
      --failure-dir "$work" --cmdline "seed=7 calls=$calls" >"$work/run" 2>&1
  status=$?
  [ "$status" = 4 ] || { cat "$work/run"; fail "expected status 4 (invariant broken), got $status"; }
  grep -q 'kernel invariant broken at boundary' "$work/run" || fail "no report of the broken invariant"
  scn="$work/invariant-failure.scn"
  [ -f "$scn" ] || fail "no scenario saved in $work"
  grep -q '^check invariants deep-every=' "$scn" || fail "the scenario does not say invariants were checked"
  grep -q '^end status=4' "$scn" || fail "the scenario does not end with status 4"
  HELIOS_CHECKER_FAKE_PROBLEM_AT=700 "$sim" replay "$scn" >"$work/replay" 2>&1
  status=$?
  cat "$work/replay"
  [ "$status" = 0 ] || fail "the replay did not match the recording (status $status)"
  grep -q 'kernel invariant broken at boundary' "$work/replay" || fail "the replay did not break the invariant again"
  grep -q 'replay matched all' "$work/replay" || fail "no 'replay matched' verdict"
  # Without the problem the run goes on past the recorded end: the replay
  # must notice (so it really re-checks rather than trusting the file).
  "$sim" replay "$scn" >"$work/clean" 2>&1
  status=$?
  [ "$status" = 3 ] || { cat "$work/clean"; fail "a replay without the problem should diverge (status 3), got $status"; }
  # A run that breaks nothing leaves no file behind.
  rm -f "$scn"
  "$sim" run --image "$image" "${com1[@]}" --check-invariants --failure-dir "$work" \
      --cmdline "seed=7 calls=200" >/dev/null 2>&1 || fail "a clean checked run failed"
  [ ! -e "$scn" ] || fail "a clean run left $scn behind"
  echo "sysfuzz: a broken invariant ends the run with status 4, is saved, and its replay breaks it again"
  ;;
same-seed-same-run)
  for i in 1 2; do
    "$sim" run --image "$image" "${com1[@]}" --trace "$work/trace$i" --cmdline "seed=3 calls=600" \
        >"$work/out$i" 2>&1 || { cat "$work/out$i"; fail "run $i failed"; }
  done
  cmp -s "$work/trace1" "$work/trace2" || fail "two runs of seed 3 gave different kernel traces"
  cmp -s "$work/out1" "$work/out2" || fail "two runs of seed 3 gave different console output"
  echo "sysfuzz: seed 3 twice: identical traces ($(wc -l <"$work/trace1") events)"
  ;;
bad-options)
  for bad in 5..2 x..3 3 ..4 1..; do
    "$sim" run --image "$image" "${com1[@]}" --seed-range "$bad" >"$work/out" 2>&1
    status=$?
    [ "$status" = 64 ] || fail "--seed-range $bad: expected status 64, got $status"
    grep -q -- '--seed-range: expected A..B' "$work/out" || fail "--seed-range $bad: no clear message"
  done
  "$sim" run --image "$image" "${com1[@]}" --seed-range 0..1 --record "$work/x.scn" >"$work/out" 2>&1
  [ $? = 64 ] && grep -q 'does not combine with --record' "$work/out" || fail "--seed-range with --record accepted"
  "$sim" run --image "$image" "${com1[@]}" --check-invariants --failure-dir "$work/missing" >"$work/out" 2>&1
  [ $? = 64 ] && grep -q 'is not a directory' "$work/out" || fail "a missing --failure-dir accepted"
  echo "sysfuzz: bad --seed-range and --failure-dir values are refused with a message"
  ;;
*)
  fail "unknown case '$case_name'"
  ;;
esac
