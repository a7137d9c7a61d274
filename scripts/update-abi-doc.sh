#!/usr/bin/env bash
# Rewrites the generated tables of docs/abi.md from kernel_core/include/helios/abi.h
# (helios-abi-doc; the prose around them is untouched). Run it after changing
# an ABI table, and review the diff. HELIOS_HOSTED_BUILD picks the build tree.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${HELIOS_HOSTED_BUILD:-build/hosted}
cmake --preset hosted -B "$build" >/dev/null
cmake --build "$build" --target helios-abi-doc >/dev/null || {
  echo "update-abi-doc: build failed; rerun 'cmake --build $build --target helios-abi-doc' to see why" >&2
  exit 1
}
exec "$build/sim/helios-abi-doc" --update docs/abi.md
