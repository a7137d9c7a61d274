#!/usr/bin/env bash
# Wall time of a whole Vulcan run in helios-sim (image/vulcan.tar booted as
# init), pinned to CPU 0 with taskset: the median of 5 runs (RUNS=n to change).
#   scripts/bench-vulcan.sh [BUILD_DIR]     (default build/hosted)
# Builds helios-sim and the image first. Fails if any run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build/hosted}
runs=${RUNS:-5}
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "bench-vulcan: $build is not configured (cmake --preset hosted)" >&2
  exit 1
fi
cmake --build "$build" -j "${HELIOS_JOBS:-2}" --target helios-sim image_vulcan >/dev/null
sim=$build/sim/helios-sim
image=$build/image/vulcan.tar

times=()
out=
for ((i = 1; i <= runs; i++)); do
  start=$(date +%s%N)
  if ! out=$(taskset -c 0 "$sim" run --image "$image" --timeout 60 2>&1); then
    printf '%s\n' "$out" >&2
    echo "bench-vulcan: run $i failed" >&2
    exit 1
  fi
  end=$(date +%s%N)
  times+=($(((end - start) / 1000)))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' <<<"$out" | tail -n 1)
printf 'vulcan: %s; wall time %d.%03d ms (median of %d, taskset -c 0; runs in us: %s)\n' \
  "$summary" $((median / 1000)) $((median % 1000)) "$runs" "${times[*]}"
