#!/usr/bin/env bash
# The main job: set up, build, and boot the OS in the simulator with the
# default image (COM1 on this terminal). Extra arguments go to `helios-sim run`,
# e.g. scripts/run.sh --trace /tmp/trace.txt --com1 pty
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset hosted >/dev/null
cmake --build --preset hosted -j "${HELIOS_JOBS:-2}" >/dev/null || {
  echo "run: build failed; rerun 'cmake --build --preset hosted' to see why" >&2
  exit 1
}
exec build/hosted/sim/helios-sim run --image build/hosted/image/default.tar "$@"
