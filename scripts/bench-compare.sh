#!/usr/bin/env bash
# Runs the Vulcan image in the simulator and in QEMU (TCG, and KVM when
# /dev/kvm is usable) in one go and prints each wall time and the ratio.
#
#   scripts/bench-compare.sh [--runs N] [--image FILE]
#
# Each backend boots the same tar file (default build/hosted/image/vulcan.tar)
# N times (default 3); the median wall time is reported, from exec to exit,
# start-up included (QEMU's firmware and boot, the simulator's husks). A run
# counts only when init exits with status 0.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
image=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?}; shift ;;
    --image) image=${2:?}; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-compare: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

hosted_build=${HELIOS_HOSTED_BUILD:-build/hosted}
jobs=${HELIOS_JOBS:-2}
image=${image:-$hosted_build/image/vulcan.tar}
sim="$hosted_build/sim/helios-sim"

# Build what is missing: the simulator and the image (hosted), the kernel (x86_64).
if [ ! -x "$sim" ] || [ ! -f "$image" ]; then
  [ -f "$hosted_build/CMakeCache.txt" ] || cmake --preset hosted -B "$hosted_build" >/dev/null
  cmake --build "$hosted_build" --target helios-sim image_vulcan -j "$jobs" >/dev/null
fi
scripts/run-qemu.sh --build-only --image "$image" >/dev/null

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Run logs go to a private directory (kept for a failed run's message).
logdir=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare.XXXXXX")

# median of the arguments
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# time_runs NAME COMMAND...: prints the median wall ms, or "failed"
time_runs() {
  local name=$1; shift
  local times=() i t0 rc
  for ((i = 0; i < runs; i++)); do
    t0=$(now_ms)
    set +e
    "$@" </dev/null >"$logdir/$name.log" 2>&1
    rc=$?
    set -e
    if [ "$rc" != 0 ]; then
      echo "bench-compare: $name run failed with status $rc (see $logdir/$name.log)" >&2
      echo failed; return
    fi
    times+=($(($(now_ms) - t0)))
  done
  median "${times[@]}"
}

echo "image: $image ($runs runs each, median wall time)"
t_sim=$(time_runs sim "$sim" run --image "$image" --com1 stdio --timeout 300)
t_tcg=$(time_runs qemu-tcg scripts/run-qemu.sh --no-build --test --image "$image" --timeout 300)
t_kvm=""
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  t_kvm=$(time_runs qemu-kvm scripts/run-qemu.sh --no-build --test --kvm --image "$image" --timeout 300)
fi

ratio() {  # ratio A B: A / B with two decimals, or "-"
  if [[ "$1" =~ ^[0-9]+$ ]] && [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ]; then
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
  else
    echo "-"
  fi
}

printf '%-14s %10s %s\n' "backend" "wall ms" "ratio to helios-sim"
printf '%-14s %10s %s\n' "helios-sim" "$t_sim" "1.00"
printf '%-14s %10s %s\n' "qemu (TCG)" "$t_tcg" "$(ratio "$t_tcg" "$t_sim")"
if [ -n "$t_kvm" ]; then
  printf '%-14s %10s %s\n' "qemu (KVM)" "$t_kvm" "$(ratio "$t_kvm" "$t_sim")"
else
  printf '%-14s %10s %s\n' "qemu (KVM)" "-" "skipped: /dev/kvm is not usable here"
fi
[ "$t_sim" != failed ] && [ "$t_tcg" != failed ] && [ "${t_kvm:-0}" != failed ]
