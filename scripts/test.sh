#!/usr/bin/env bash
# Builds and runs every test of every preset that matters:
#   hosted       the simulator, user programs, unit and whole-system tests
#   hosted-asan  the same with AddressSanitizer and UndefinedBehaviorSanitizer
#   x86_64       the freestanding kernel core (build + self-containment check)
#                and the kernel under QEMU booting the hosted images (Vulcan)
# Prints a closing "N passed, M failed" line; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }

jobs=${HELIOS_JOBS:-2}
passed=0
failed=0
failures=()

run_preset_build() {
  local preset=$1
  echo "== configure and build: $preset"
  if ! cmake --preset "$preset" >"build/$preset.build.log" 2>&1; then
    cat "build/$preset.build.log" >&2; return 1
  fi
  if ! cmake --build --preset "$preset" -j "$jobs" >>"build/$preset.build.log" 2>&1; then
    grep -E "error|Error|FAILED" -A3 "build/$preset.build.log" | head -60 >&2; return 1
  fi
  return 0
}

run_preset_tests() {
  local preset=$1
  echo "== test: $preset"
  local log="build/$preset/ctest.log"
  ctest --preset "$preset" -j "$jobs" --timeout 300 2>&1 | tee "$log" | grep -E "(\*\*\*Failed|Failed  |Timeout|tests passed|Not Run)" || true
  local total fails
  total=$(grep -Eo "tests failed out of [0-9]+" "$log" | grep -Eo "[0-9]+$" || echo 0)
  fails=$(grep -Eo "[0-9]+ tests failed out of" "$log" | grep -Eo "^[0-9]+" || echo 0)
  if [ "$total" = 0 ]; then
    echo "test: no tests ran for $preset" >&2
    failed=$((failed + 1)); failures+=("$preset: no tests"); return
  fi
  passed=$((passed + total - fails))
  failed=$((failed + fails))
  if [ "$fails" != 0 ]; then
    while IFS= read -r line; do failures+=("$preset: $line"); done < <(grep -E "^\s+[0-9]+ - " "$log")
  fi
}

mkdir -p build
for preset in hosted hosted-asan; do
  if run_preset_build "$preset"; then
    run_preset_tests "$preset"
  else
    failed=$((failed + 1)); failures+=("$preset: build failed (see build/$preset.build.log)")
  fi
done

if run_preset_build x86_64; then
  passed=$((passed + 1))
  echo "== x86_64: kernel_core built freestanding and is self-contained"
  # The kernel under QEMU with the hosted images (qemu/* in kernel_core/CMakeLists.txt).
  echo "== test: x86_64 (QEMU)"
  log=build/x86_64/ctest.log
  ctest --test-dir build/x86_64 --timeout 900 2>&1 | tee "$log" | grep -E "(\*\*\*Failed|Failed  |Timeout|tests passed|Not Run)" || true
  total=$(grep -Eo "tests failed out of [0-9]+" "$log" | grep -Eo "[0-9]+$" || echo 0)
  fails=$(grep -Eo "[0-9]+ tests failed out of" "$log" | grep -Eo "^[0-9]+" || echo 0)
  passed=$((passed + total - fails)); failed=$((failed + fails))
  [ "$total" = 0 ] && { failed=$((failed + 1)); failures+=("x86_64: no QEMU tests ran"); }
  [ "$fails" != 0 ] && while IFS= read -r line; do failures+=("x86_64: $line"); done < <(grep -E "^\s+[0-9]+ - " "$log")
else
  failed=$((failed + 1)); failures+=("x86_64: freestanding build or self-containment check failed")
fi

if [ ${#failures[@]} -gt 0 ]; then
  echo "Failures:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
