#!/usr/bin/env bash
# Checks that the machines, the simulator (sim/) and the x86_64 arch
# (kernel_core/arch/x86_64/), reach the kernel core only through its two
# seams: they may include core/inbound.h (the inbound seam), arch/arch.h (the
# outbound seam they implement) and the shared code in lib/, and they may
# call on a Kernel only the methods in section 1 of core/kernel.h (entries,
# inspection, hooks). Usage: check-seam.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

problems=()
# The machine trees present (a fixture tree may hold only one).
machines=()
for dir in sim kernel_core/arch/x86_64; do [ -d "$dir" ] && machines+=("$dir"); done

# 1. Includes of kernel_core headers other than the seams and lib/.
while IFS= read -r line; do
  problems+=("$line: includes a kernel-core header outside the seams (use core/inbound.h)")
done < <(grep -rnE '^\s*#\s*include\s+"(core|objects|uapi|sched)/' "${machines[@]}" --include='*.cpp' --include='*.h' |
         grep -vE '"core/inbound\.h"' | cut -d: -f1,2 || true)
# The host-only invariant checker (kernel_core/checker/) is inspection too:
# the simulator may include it (run --check-invariants); it is not under
# core/ objects/ uapi/ sched/, so rule 1 lets it through by construction.

# 2. Kernel methods outside section 1. The allowed names are read from
# core/kernel.h, between the section 1 and section 2 markers.
allowed=$(awk '/======== 1\./ {on=1} /======== 2\./ {on=0} on' kernel_core/core/kernel.h |
          grep -oE '\b[a-z_]+\(' | tr -d '(' | sort -u || true)
[ -n "$allowed" ] || { echo "check-seam: no section 1 found in kernel_core/core/kernel.h" >&2; exit 2; }
# A call on the kernel object, by the names the machines give it: kernel_
# and kernel() in the simulator; kernel(), g_kernel and k in the x86_64 arch.
check_calls() {
  local pattern=$1; shift
  while IFS= read -r hit; do
    file_line=$(cut -d: -f1,2 <<<"$hit")
    name=$(grep -oE "$pattern" <<<"${hit#*:*:}" | head -1 | sed -E 's/.*(\.|->)//')
    grep -qxF "$name" <<<"$allowed" || problems+=("$file_line: calls Kernel::$name, which is not part of the inbound seam")
  done < <(grep -rnE "$pattern" "$@" --include='*.cpp' --include='*.h' || true)
}
[ -d sim ] && check_calls '(kernel_|kernel\(\))\.[a-z_]+' sim
[ -d kernel_core/arch/x86_64 ] && check_calls '(kernel\(\)\.|g_kernel->|\bk\.)[a-z_]+' kernel_core/arch/x86_64

if [ ${#problems[@]} -gt 0 ]; then
  echo "check-seam: a machine reaches past the kernel core's seams:" >&2
  printf '  %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "check-seam: sim/ and arch/x86_64/ use only core/inbound.h, arch/arch.h and lib/ ($(wc -w <<<"$allowed") names in section 1)"
