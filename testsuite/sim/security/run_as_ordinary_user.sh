#!/usr/bin/env bash
# Runs the whole Vulcan suite in helios-sim as an ordinary user: the simulator
# must need no root and no capability (docs/security.md, "The walls").
# As root, drops to uid/gid 65534 (nobody) with setpriv, no capabilities and
# no supplementary groups; as any other user, runs as that user.
# Exit 77 (a skip CTest counts) only when the build tree cannot be read by
# the ordinary user, and says so.
set -uo pipefail
sim=$1 image=$2

if [ "$(id -u)" = 0 ]; then
    if ! command -v setpriv >/dev/null; then
        echo "SKIP: setpriv (util-linux) is missing, cannot drop root" >&2; exit 77
    fi
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --)
    if ! "${as_user[@]}" test -x "$sim" -a -r "$image"; then
        echo "SKIP: uid 65534 cannot read $sim or $image (the build tree is private)" >&2; exit 77
    fi
else
    as_user=()
fi

out=$("${as_user[@]}" "$sim" run --image "$image" --com1 stdio --timeout 60 2>&1)
rc=$?
echo "$out" | grep -v " PASS$"
echo "as uid $("${as_user[@]}" id -u): exit $rc"
summary=$(echo "$out" | grep -E "^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$" | tail -1)
[ "$rc" = 0 ] || { echo "FAIL: helios-sim exited $rc" >&2; exit 1; }
case $summary in
    *" passed, 0 failed" | *" passed, 0 failed, "*" skipped") ;;
    *) echo "FAIL: no clean Vulcan summary (got '$summary')" >&2; exit 1 ;;
esac
# Vulcan's page-0 test is the one that needed CAP_SYS_RAWIO before.
echo "$out" | grep -q "^task::pagefault PASS$" || { echo "FAIL: task::pagefault did not pass" >&2; exit 1; }
echo "PASS: $summary as an ordinary user"
