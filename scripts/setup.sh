#!/usr/bin/env bash
# Installs every Debian package the project needs, only when missing.
# Idempotent; safe to run before every build.
#
#   scripts/setup.sh [--test-user]
#
# --test-user (scripts/test.sh, as root): also creates the system user
# `helios-test` (no home, no login shell, no password, its own group) that
# scripts/test.sh runs the simulator suites as, so they prove they need no
# privilege. It owns nothing but the Testing/ directories of the hosted
# build trees and a private temporary directory of each run.
set -euo pipefail

if [ "${1:-}" = --test-user ] && [ "$(id -u)" -eq 0 ] && ! getent passwd helios-test >/dev/null; then
  echo "setup: creating the system user helios-test (scripts/test.sh runs the simulator suites as it)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --comment "Helios-sim unprivileged test runs" helios-test ||
    echo "setup: warning: could not create the user helios-test" >&2
fi

packages=(
  cmake ninja-build g++ make binutils
  catch2 libfmt-dev libspdlog-dev libelf-dev
  libzydis-dev libcli11-dev libdw-dev libseccomp-dev
  gdb python3
  clang-14 libclang-rt-14-dev gcovr
  qemu-system-x86 grub-pc-bin grub-common xorriso mtools
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "setup: error: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
# A private log (mktemp), never a predictable name in a world-writable /tmp.
log=$(mktemp "${TMPDIR:-/tmp}/helios-setup.XXXXXX")
if ! $SUDO apt-get install -y -q "${missing[@]}" >"$log" 2>&1; then
  # The package lists may be stale on a fresh machine.
  if ! { $SUDO apt-get update -q && $SUDO apt-get install -y -q "${missing[@]}"; } >>"$log" 2>&1; then
    echo "setup: error: could not install ${missing[*]}; see $log" >&2
    tail -5 "$log" >&2
    exit 1
  fi
fi
echo "setup: done"
