#!/usr/bin/env bash
# Builds and runs every test of every preset that matters:
#   hosted       the simulator, user programs, unit and whole-system tests
#   hosted-asan  the same with AddressSanitizer and UndefinedBehaviorSanitizer
#   fuzz         the libFuzzer targets (clang): regression inputs, short campaigns
#   x86_64       the freestanding kernel core (build + self-containment check)
#                and the kernel under QEMU booting the hosted images (Vulcan)
# Ends with the line "N passed, M failed, K skipped" (preceded by the list of
# skips, each with its reason, and of failures); exits non-zero on any failure.
#
# Counting. Each CTest test counts once: passed, failed, or skipped. CTest
# marks a test skipped through its SKIP_RETURN_CODE (77 in this project) or
# SKIP_REGULAR_EXPRESSION property, or DISABLED when configuring found a tool
# missing; all of these count as skipped, and the reason shown is the last
# line of the test's output containing "SKIP" (tests that skip print
# "SKIP: <why>"; Vulcan's single-test runs print "check_vulcan: SKIP: ...").
# Vulcan's own summary of each whole-suite run (helios-sim, QEMU) is printed
# too, with the Vulcan tests it skipped.
#
# Privilege. Building, and the QEMU tests, run as whoever started the script.
# When that is root, the hosted and hosted-asan CTest runs (the simulator,
# gdb, Mercury, Vulcan, replay and security tests) run as an unprivileged
# user: `helios-test` (created by `scripts/setup.sh --test-user`; another
# with HELIOS_TEST_USER=name), through
#   setpriv --reuid --regid --clear-groups --inh-caps=-all --bounding-set=-all
# with HOME and TMPDIR set to a private directory of the run. So CI, which
# runs this as root, proves those tests need no privilege. What that user
# needs, and what this script does about it:
#   * read the source and build trees: nothing is loosened. With the usual
#     umask (022) a clone and its build trees are world-readable already. If
#     some file or directory in them is not readable by the user (a clone made
#     under umask 077), the suites run as root instead (below).
#   * reach the clone: when a directory above it is closed to the user (a
#     clone under /root, mode 700), that directory is never opened up;
#     instead the ctest run happens in a private mount namespace (unshare)
#     where a small tmpfs covers the closed directory and holds just the path
#     down to a bind mount of the clone. Nothing changes outside that
#     namespace, which ends with the run.
#   * write: only build/<preset>/Testing (CTest's logs; recreated for each
#     run, owned by the user) and the private temporary directory (removed at
#     the end). Tests write their temporary files under $TMPDIR. Nothing this
#     script, the build or root later executes lives there, and everything
#     read back from those places is read as the user (a link planted there
#     cannot make root read or write anything else).
# When the suites cannot run unprivileged (HELIOS_TEST_AS_ROOT=1, no setpriv,
# no such user, an unreadable tree, no mount namespace), they run as root and
# the script says so loudly, at the start and in the summary, where it counts
# as one skipped item ("unprivileged run"). Started as an ordinary user, the
# script runs everything as that user. Tests that drop privileges themselves
# (testsuite/sim/security/run_as_ordinary_user.sh) then run already dropped.
#
# Environment: HELIOS_JOBS (default 2), HELIOS_TEST_USER (default
# helios-test), HELIOS_TEST_AS_ROOT=1 (keep the suites as root).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)
# What the script builds is readable by the test user whatever the caller's umask.
umask 022

setup_args=()
[ "$(id -u)" = 0 ] && [ "${HELIOS_TEST_AS_ROOT:-0}" != 1 ] && [ -z "${HELIOS_TEST_USER:-}" ] && setup_args=(--test-user)
bash scripts/setup.sh "${setup_args[@]}" || { echo "test: setup failed" >&2; exit 1; }

jobs=${HELIOS_JOBS:-2}
passed=0
failed=0
skipped=0
failures=()
skips=()
start=$SECONDS

say() { echo "test: $*"; }
# Text from test output, shown on this terminal: no control characters.
printable() { tr -d '\000-\010\013-\037\177'; }

# Root's private scratch directory (logs read back from the test user).
work=$(mktemp -d /tmp/helios-test-run.XXXXXX) || { echo "test: mktemp failed" >&2; exit 1; }
user_tmp=""   # the test user's HOME and TMPDIR
stage=""      # the mount point the namespace uses to carry the clone over
cleanup() {
  rm -rf "$work"
  [ -n "$user_tmp" ] && rm -rf "$user_tmp"
  [ -n "$stage" ] && rmdir "$stage" 2>/dev/null
}
trap cleanup EXIT

# ---- who runs the hosted suites ---------------------------------------------
as_user=()      # runs a command as the test user (empty: as ourselves)
ns=()           # runs a command in the private mount namespace (when needed)
test_user="" test_uid="" test_gid=""
unprivileged_note=""   # why the suites run as root, when they do

# The first directory on the way to (and including) $1 the test user cannot enter.
first_closed() {
  local path=$1 d=""
  local IFS=/
  for part in ${path#/}; do
    d="$d/$part"
    "${ns[@]}" "${as_user[@]}" test -x "$d" || { echo "$d"; return; }
  done
}

# The first file or directory of tree $1 the test user cannot read (or enter).
first_unreadable() {
  "${ns[@]}" "${as_user[@]}" find "$1" -path "$1/build/*/Testing" -prune -o \
    \( ! -readable -o -type d ! -executable \) -print -quit 2>&1 | head -1
}

choose_test_user() {
  if [ "$(id -u)" != 0 ]; then
    say "the hosted suites run as $(id -un) (uid $(id -u)), the user who started the script"
    return
  fi
  if [ "${HELIOS_TEST_AS_ROOT:-0}" = 1 ]; then unprivileged_note="HELIOS_TEST_AS_ROOT=1 is set"; return; fi
  command -v setpriv >/dev/null || { unprivileged_note="setpriv (util-linux) is missing"; return; }
  test_user=${HELIOS_TEST_USER:-helios-test}
  local entry
  if ! entry=$(getent passwd "$test_user"); then
    unprivileged_note="there is no user '$test_user' (scripts/setup.sh --test-user creates helios-test)"; return
  fi
  test_uid=$(cut -d: -f3 <<<"$entry")
  test_gid=$(cut -d: -f4 <<<"$entry")
  [ "$test_uid" = 0 ] && { unprivileged_note="HELIOS_TEST_USER=$test_user is uid 0"; return; }
  as_user=(setpriv "--reuid=$test_uid" "--regid=$test_gid" --clear-groups --inh-caps=-all --bounding-set=-all --)

  # Reaching the clone: a closed directory above it is covered in a private
  # mount namespace, never opened.
  local closed
  closed=$(first_closed "$root")
  if [ -n "$closed" ] && [ "$closed" != "$root" ]; then
    stage=$(mktemp -d /tmp/helios-test-stage.XXXXXX)
    # In the namespace: the clone bound on $stage; a tmpfs over the closed
    # directory holding only the path to the clone; the clone bound there.
    local script='set -e; closed=$1 root=$2 stage=$3; shift 3
      mount --make-rprivate /
      mount --bind "$root" "$stage"
      mount -t tmpfs -o mode=0755,size=64k helios-test-path "$closed"
      mkdir -p "$root"
      mount --bind "$stage" "$root"
      umount "$stage"
      cd "$root"
      exec "$@"'
    ns=(unshare --mount -- bash -c "$script" helios-test-ns "$closed" "$root" "$stage")
    if ! "${ns[@]}" true 2>"$work/ns.err"; then
      unprivileged_note="$closed (above the clone) is closed to $test_user, and no private mount namespace could be made: $(head -1 "$work/ns.err")"
      ns=(); as_user=(); return
    fi
    say "$closed is closed to $test_user: the suites run in a private mount namespace that covers it (nothing is opened up)"
    closed=$(first_closed "$root")
  fi
  if [ -n "$closed" ]; then
    unprivileged_note="$closed is not accessible to $test_user (the clone is private; clone with umask 022)"
    ns=(); as_user=(); return
  fi
  local unreadable
  unreadable=$(first_unreadable "$root")
  if [ -n "$unreadable" ]; then
    unprivileged_note="$test_user cannot read $unreadable (the source tree is private; clone with umask 022)"
    ns=(); as_user=(); return
  fi
  user_tmp=$(mktemp -d /tmp/helios-test-tmp.XXXXXX)
  chown "$test_uid:$test_gid" "$user_tmp"
  chmod 700 "$user_tmp"
  as_user=(setpriv "--reuid=$test_uid" "--regid=$test_gid" --clear-groups --inh-caps=-all --bounding-set=-all --
           env -u XDG_RUNTIME_DIR -u MAIL "HOME=$user_tmp" "TMPDIR=$user_tmp" "USER=$test_user" "LOGNAME=$test_user")
  say "the hosted suites run as $test_user (uid $test_uid, gid $test_gid, no capabilities, no supplementary groups)"
}

# Runs "$@" as the test user (or as ourselves when there is none).
as_test_user() { "${ns[@]}" "${as_user[@]}" "$@"; }

choose_test_user
if [ -n "$unprivileged_note" ]; then
  say "WARNING: the simulator suites run as ROOT, not as an unprivileged user: $unprivileged_note"
  skipped=$((skipped + 1))
  skips+=("unprivileged run: the hosted suites ran as root: $unprivileged_note")
fi

# ---- counting a CTest run -----------------------------------------------------
# The reason a skipped test gave: the last line with "SKIP" in its output.
skip_reason() {
  local lasttest=$1 name=$2 reason
  reason=$(awk -v name="$name" '
    /^[0-9]+\/[0-9]+ Testing: / { t = $0; sub(/^[0-9]+\/[0-9]+ Testing: /, "", t); cur = (t == name); out = 0; next }
    cur && /^Output:$/ { out = 1; next }
    /^<end of output>$/ { out = 0 }
    cur && out && /SKIP/ { r = $0 }
    END { print r }' "$lasttest" 2>/dev/null | printable | sed -E 's/^[[:space:]]+//' | cut -c1-200)
  echo "${reason:-(no reason printed: a skipping test should print a line \"SKIP: <why>\")}"
}

# count_ctest LABEL CTEST_OUTPUT LASTTEST_LOG
count_ctest() {
  local label=$1 log=$2 lasttest=$3 total fails
  total=$(grep -Eo "tests failed out of [0-9]+" "$log" | tail -1 | grep -Eo "[0-9]+$")
  fails=$(grep -Eo "[0-9]+ tests failed out of" "$log" | tail -1 | grep -Eo "^[0-9]+")
  if [ -z "$total" ] || [ "$total" = 0 ]; then
    say "no tests ran for $label" >&2
    failed=$((failed + 1)); failures+=("$label: no tests ran"); return
  fi
  local -a skipped_names disabled_names failed_lines
  mapfile -t skipped_names < <(sed -n '/^The following tests did not run:/,/^$/p' "$log" |
                               sed -nE 's/^[[:space:]]+[0-9]+ - (.*) \(Skipped\)$/\1/p')
  mapfile -t disabled_names < <(sed -n '/^The following tests did not run:/,/^$/p' "$log" |
                                sed -nE 's/^[[:space:]]+[0-9]+ - (.*) \(Disabled\)$/\1/p')
  mapfile -t failed_lines < <(sed -n '/^The following tests FAILED:/,/^$/p' "$log" |
                              sed -nE 's/^[[:space:]]+([0-9]+ - .*)$/\1/p')
  # CTest's total counts skipped tests (as passed) but not disabled ones.
  passed=$((passed + total - fails - ${#skipped_names[@]}))
  failed=$((failed + fails))
  skipped=$((skipped + ${#skipped_names[@]} + ${#disabled_names[@]}))
  local name line
  for name in "${skipped_names[@]}"; do skips+=("$label: $name: $(skip_reason "$lasttest" "$name")"); done
  for name in "${disabled_names[@]}"; do
    skips+=("$label: $name: disabled when configured (a tool it needs was missing; see its CMakeLists.txt)")
  done
  for line in "${failed_lines[@]}"; do failures+=("$label: $line"); done
  if [ "$fails" != 0 ] && [ ${#failed_lines[@]} = 0 ]; then failures+=("$label: $fails failed (see $log)"); fi
}

# Vulcan's own summary of a whole-suite run (CTest test NAME), and what it skipped.
vulcan_summary() {
  local where=$1 lasttest=$2 name=$3
  awk -v name="$name" '
    /^[0-9]+\/[0-9]+ Testing: / { t = $0; sub(/^[0-9]+\/[0-9]+ Testing: /, "", t); cur = (t == name); next }
    /^<end of output>/ { cur = 0 }
    cur { sub(/\r$/, "") }
    cur && / SKIP \(/ { print "     " $0 }
    cur && /^[0-9]+ passed, [0-9]+ failed/ { s = $0 }
    END { if (s != "") print "     " s; else print "     (no summary line)" }' "$lasttest" 2>/dev/null |
    printable | { echo "== Vulcan in $where:"; cat; }
}

# The hostile-syscall campaign's count (CTest unit/hostile-a-million-syscalls).
hostile_summary() {
  local lasttest=$1 line
  line=$(grep -m1 -E '^hostile: [0-9]+ syscalls in' "$lasttest" 2>/dev/null || true)
  echo "== Hostile syscalls against the kernel core: ${line#hostile: }"
  [ -n "$line" ] || echo "     (the campaign did not report a count)"
  line=$(grep -a -m1 -E '^sysfuzz: [0-9]+ hostile calls in' "$lasttest" 2>/dev/null || true)
  echo "== Whole-system fuzzing (sysfuzz/campaign): ${line#sysfuzz: }"
  [ -n "$line" ] || echo "     (the campaign did not report a count)"
}

# ---- build and test -------------------------------------------------------------
run_preset_build() {
  local preset=$1 t0=$SECONDS
  echo "== configure and build: $preset"
  if ! cmake --preset "$preset" >"build/$preset.build.log" 2>&1; then
    cat "build/$preset.build.log" >&2; return 1
  fi
  if ! cmake --build --preset "$preset" -j "$jobs" >>"build/$preset.build.log" 2>&1; then
    grep -E "error|Error|FAILED" -A3 "build/$preset.build.log" | head -60 >&2; return 1
  fi
  echo "   built in $((SECONDS - t0)) s"
  return 0
}

# CTest's Testing/ directory of a hosted tree, made for the test user: root
# removes the old one (rm never follows links) and makes a fresh one owned by
# the user; the old timing data (test order for -j) is carried over as the user.
prepare_testing_dir() {
  local dir=$1
  if [ ${#as_user[@]} = 0 ]; then
    # As ourselves: a Testing/ left by an earlier unprivileged run is not ours.
    if [ -e "$dir/Testing" ] && [ "$(stat -c %u "$dir/Testing")" != "$(id -u)" ]; then rm -rf "$dir/Testing"; fi
    return
  fi
  as_test_user cat "$dir/Testing/Temporary/CTestCostData.txt" >"$work/cost" 2>/dev/null || : >"$work/cost"
  rm -rf "$dir/Testing"
  mkdir "$dir/Testing"
  chown "$test_uid:$test_gid" "$dir/Testing"
  if [ -s "$work/cost" ]; then
    as_test_user sh -c 'mkdir -p "$1/Testing/Temporary" && cat >"$1/Testing/Temporary/CTestCostData.txt"' sh "$dir" \
      <"$work/cost" || true
  fi
}

run_preset_tests() {
  local preset=$1 dir=build/$1 t0=$SECONDS
  echo "== test: $preset${test_user:+ (as $test_user)}"
  local log="$dir/ctest.log"
  prepare_testing_dir "$dir"
  as_test_user ctest --preset "$preset" -j "$jobs" --timeout 300 2>&1 | tee "$log" |
    grep -E "(\*\*\*Failed|Failed  |Timeout|tests passed|Not Run|\*\*\*Skipped)" || true
  as_test_user cat "$dir/Testing/Temporary/LastTest.log" >"$work/$preset.lasttest" 2>/dev/null || : >"$work/$preset.lasttest"
  echo "   tests ran in $((SECONDS - t0)) s"
  count_ctest "$preset" "$log" "$work/$preset.lasttest"
  vulcan_summary "helios-sim ($preset)" "$work/$preset.lasttest" vulcan
  [ "$preset" = hosted ] && hostile_summary "$work/$preset.lasttest"
  return 0
}

mkdir -p build
for preset in hosted hosted-asan; do
  if run_preset_build "$preset"; then
    run_preset_tests "$preset"
  else
    failed=$((failed + 1)); failures+=("$preset: build failed (see build/$preset.build.log)")
  fi
done

# The libFuzzer targets (clang): their regression inputs and a short campaign
# each (ctest -L fuzz; HELIOS_FUZZ_SECONDS per target), as whoever started
# the script: they only parse bytes and run the kernel core on the fake arch.
if run_preset_build fuzz; then
  echo "== test: fuzz (libFuzzer targets: regressions, then short campaigns)"
  t0=$SECONDS
  log=build/fuzz/ctest.log
  ctest --preset fuzz -j "$jobs" --timeout 300 2>&1 | tee "$log" |
    grep -E "(\*\*\*Failed|Failed  |Timeout|tests passed|Not Run|\*\*\*Skipped)" || true
  echo "   tests ran in $((SECONDS - t0)) s"
  count_ctest "fuzz" "$log" build/fuzz/Testing/Temporary/LastTest.log
  grep -h " after [0-9]* s$" build/fuzz/Testing/Temporary/LastTest.log 2>/dev/null | sed 's|.*/||; s|^|     |' |
    { echo "== Fuzz campaigns (executions, coverage):"; cat; }
else
  failed=$((failed + 1)); failures+=("fuzz: build failed (see build/fuzz.build.log)")
fi

if run_preset_build x86_64; then
  passed=$((passed + 1))
  echo "== x86_64: kernel_core built freestanding and is self-contained"
  # The kernel under QEMU with the hosted images (qemu/* in kernel_core/CMakeLists.txt),
  # as whoever started the script.
  echo "== test: x86_64 (QEMU)"
  t0=$SECONDS
  log=build/x86_64/ctest.log
  ctest --test-dir build/x86_64 --timeout 900 2>&1 | tee "$log" |
    grep -E "(\*\*\*Failed|Failed  |Timeout|tests passed|Not Run|\*\*\*Skipped)" || true
  echo "   tests ran in $((SECONDS - t0)) s"
  count_ctest "x86_64" "$log" build/x86_64/Testing/Temporary/LastTest.log
  vulcan_summary "QEMU (x86_64)" build/x86_64/Testing/Temporary/LastTest.log qemu/vulcan
else
  failed=$((failed + 1)); failures+=("x86_64: freestanding build or self-containment check failed")
fi

echo "== $((SECONDS - start)) s in all"
if [ -n "$unprivileged_note" ]; then
  say "WARNING: the simulator suites ran as ROOT: $unprivileged_note"
fi
if [ ${#skips[@]} -gt 0 ]; then
  echo "Skipped:"
  printf '  %s\n' "${skips[@]}"
fi
if [ ${#failures[@]} -gt 0 ]; then
  echo "Failures:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
