#!/usr/bin/env bash
# Builds and runs bench_core: nanoseconds per kernel-core operation (null
# syscall, endpoint call/replyrecv round trip, notification wait/signal,
# cspace copy/destroy, page allocate/destroy) through the uapi path with the
# unit tests' fake arch, pinned to CPU 0.
#
#   scripts/bench-core.sh [--quick]
#
# HELIOS_HOSTED_BUILD picks the build directory (default build/hosted, the
# RelWithDebInfo "hosted" preset); HELIOS_JOBS the build parallelism (2).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${HELIOS_HOSTED_BUILD:-build/hosted}
jobs=${HELIOS_JOBS:-2}

cmake --preset hosted -B "$build" >/dev/null
cmake --build "$build" --target bench_core -j "$jobs" >/dev/null || {
  echo "bench-core: build failed; rerun 'cmake --build $build --target bench_core' to see why" >&2
  exit 1
}
exec taskset -c 0 "$build/testsuite/unit/bench/bench_core" "$@"
