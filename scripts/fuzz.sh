#!/usr/bin/env bash
# Long fuzzing campaigns on this machine (the test command runs 10 s each).
#
#   scripts/fuzz.sh [--time SECONDS] [--jobs N] [TARGET...]
#
# Builds the fuzz preset (clang, ASan, UBSan, coverage feedback) and runs each
# TARGET (default: all, one after another) for SECONDS (default 600) with N
# parallel workers (default 1), growing build/fuzz/campaign/TARGET/corpus from
# the seed corpus. A finding stops its target and is left as
# build/fuzz/campaign/TARGET/crash-*: reproduce it with
#   build/fuzz/testsuite/fuzz/TARGET FILE
# and, once fixed, keep it as testsuite/fuzz/regressions/TARGET/<what-it-found>.
# New inputs worth seeding the CTest campaigns with can be merged into
# testsuite/fuzz/corpus/TARGET with -merge=1 (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600 jobs=1 targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --time) seconds=${2:?--time needs seconds}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
scripts/setup.sh >/dev/null
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${HELIOS_JOBS:-2}" >/dev/null || {
  echo "fuzz: build failed; rerun 'cmake --build --preset fuzz' to see why" >&2; exit 1; }
if [ ${#targets[@]} = 0 ]; then
  mapfile -t targets < <(ls testsuite/fuzz/corpus)
fi
status=0
for t in "${targets[@]}"; do
  bin=build/fuzz/testsuite/fuzz/$t
  [ -x "$bin" ] || { echo "fuzz: no target $t (have: $(ls testsuite/fuzz/corpus | tr '\n' ' '))" >&2; exit 2; }
  work=build/fuzz/campaign/$t
  mkdir -p "$work/corpus"
  cp -n testsuite/fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null || true
  echo "== $t: $seconds s, $jobs job(s), corpus $work/corpus"
  if ! ASAN_OPTIONS=detect_leaks=0 "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -jobs="$jobs" -workers="$jobs" -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" \
      2>"$work/log"; then
    echo "fuzz: $t found something: see $work/log and $work/crash-*" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|cov:" "$work/log" | tail -2 | sed 's/^/   /'
done
exit $status
