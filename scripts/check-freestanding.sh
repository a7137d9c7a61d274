#!/usr/bin/env bash
# Checks that a freestanding kernel_core archive needs nothing from outside
# itself except the arch seam (helios::arch::*): no libc, no libstdc++, no
# compiler runtime. Usage: check-freestanding.sh libkernel_core.a
set -euo pipefail
lib=${1:?usage: check-freestanding.sh LIB}

defined=$(nm --defined-only -C "$lib" 2>/dev/null | awk 'NF>=3 {sub(/^[0-9a-f]+ [A-Za-z] /, ""); print}' | sort -u)
undefined=$(nm -u -C "$lib" | awk '/ U / {sub(/^ *U /, ""); print}' | sort -u)

bad=()
while IFS= read -r sym; do
  [ -z "$sym" ] && continue
  grep -qxF -- "$sym" <<<"$defined" && continue
  case "$sym" in
    helios::arch::*) ;;                              # the seam: supplied by the backend
    memcpy|memset|memmove|memcmp) ;;                 # supplied by kernel_core/lib/freestanding_mem
    *) bad+=("$sym") ;;
  esac
done <<<"$undefined"

if [ ${#bad[@]} -gt 0 ]; then
  echo "check-freestanding: $lib needs symbols from outside the kernel core:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-freestanding: $lib is self-contained (only helios::arch:: and mem* are external)"
