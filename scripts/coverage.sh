#!/usr/bin/env bash
# Line and branch coverage of kernel_core/ and sim/ (gcovr over g++ --coverage).
#
#   scripts/coverage.sh [--unit-only]
#
# Builds the hosted tree with coverage instrumentation in build/coverage,
# runs the unit suite (with the million-syscall hostile campaign), Vulcan in
# the simulator and the rest of the hosted tests (--unit-only: the unit suite
# alone), then prints line and branch coverage per folder and writes an HTML
# report to build/coverage/report/index.html. Takes several minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
unit_only=0
[ "${1:-}" = --unit-only ] && unit_only=1
scripts/setup.sh >/dev/null
build=build/coverage
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHELIOS_TARGET=hosted -DHELIOS_COVERAGE=ON >/dev/null
find "$build" -name '*.gcda' -delete 2>/dev/null || true
if [ $unit_only = 1 ]; then
  cmake --build "$build" --target unit_tests -j "${HELIOS_JOBS:-2}" >/dev/null
  "$build/testsuite/unit/unit_tests" >/dev/null
  "$build/testsuite/unit/unit_tests" "[.million]" >/dev/null
else
  cmake --build "$build" -j "${HELIOS_JOBS:-2}" >/dev/null
  ctest --test-dir "$build" -j "${HELIOS_JOBS:-2}" --timeout 600 >/dev/null || echo "coverage: some tests failed (the figures count what ran)" >&2
fi
mkdir -p "$build/report"
# User programs run inside the simulator, not on the host: they have no
# coverage data and are left out, as are the tests themselves.
# Never `-o /dev/null`: gcovr replaces its output file, and as root that
# turned /dev/null into a regular file. The summary lines are read from stdout.
for root in kernel_core sim; do
  echo "== $root/"
  gcovr --root . --object-directory "$build" --filter "$root/" --exclude '.*/testsuite/.*' \
    --exclude 'kernel_core/arch/x86_64/.*' --branches --print-summary 2>/dev/null |
    grep -E '^(lines|functions|branches):' | sed 's/^/   /'
done
gcovr --root . --object-directory "$build" --filter 'kernel_core/' --filter 'sim/' \
  --exclude 'kernel_core/arch/x86_64/.*' --html-details "$build/report/index.html" >/dev/null 2>&1
echo "== HTML report: $build/report/index.html"
echo "== kernel_core/ files below 90% of lines:"
gcovr --root . --object-directory "$build" --filter 'kernel_core/' --exclude 'kernel_core/arch/x86_64/.*' 2>/dev/null |
  awk '$1 ~ /^kernel_core\// && $4+0 < 90 { print "   " $0 }'
