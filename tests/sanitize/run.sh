#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Memory and UB checks (docs/hardening.md), two halves:
#  1. ASan+UBSan: configure and build build-sanitize (OVSTRACE_SANITIZE=ON) and run the
#     ctest labels that need no bpftrace (unit errors golden cli docs) there, with leak
#     detection on. Every sanitizer report goes to a log file too, so a report from a
#     process whose exit status a test ignores still fails this script.
#  2. valgrind on the normal build ($OVSTRACE_BUILD, default build/): the unit test binaries,
#     and ovstrace compile of every bundled recipe and golden feature (with their
#     parameters, checked against their goldens).
# Exit 77 (ctest: skipped) when valgrind is missing; tests/setup.sh installs it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${OVSTRACE_BUILD:-$top/build}" && pwd)
sbuild=${OVSTRACE_SANITIZE_BUILD:-$top/build-sanitize}
jobs=$(nproc)
command -v valgrind >/dev/null || { echo "sanitize: valgrind is not installed (tests/setup.sh installs it)"; exit 77; }
start=$SECONDS
fail=0

# ---- 1. ASan + UBSan ------------------------------------------------------------------
cmake -S "$top" -B "$sbuild" -DOVSTRACE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$sbuild" -j"$jobs" >/dev/null
logs=$sbuild/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$logs/ubsan"
# For CI's time, cli.injection (a minute here, four under ASan) and the malformed corpus (the
# fuzzers' seeds, tests/fuzz/run.sh) are left to the normal build.
echo "sanitize: ASan+UBSan build ready in $((SECONDS - start)) s; running ctest -L 'unit|errors|golden|cli|docs'"
(cd "$sbuild" && ctest -j"$jobs" --output-on-failure -L 'unit|errors|golden|cli|docs' -E '^(cli[.]injection|errors[.]malformed[.].*)$') || fail=1
if [ -n "$(ls -A "$logs")" ]; then
    echo "sanitize: sanitizer reports:"
    for f in "$logs"/*; do echo "--- $f"; head -40 "$f"; done
    fail=1
fi
unset ASAN_OPTIONS UBSAN_OPTIONS
echo "sanitize: ASan+UBSan done at $((SECONDS - start)) s"

# ---- 2. valgrind on the normal build --------------------------------------------------
vg=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite)
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    args=()
    # test_dwarf_layout reads the stand-in's DWARF (tests/CMakeLists.txt passes it the same way).
    [ "$(basename "$t")" = test_dwarf_layout ] && args=("$build/tests/target/ovs-vswitchd")
    if "${vg[@]}" "$t" "${args[@]}" >"$build/valgrind-unit.log" 2>&1; then
        echo "ok - valgrind $(basename "$t")"
    else
        echo "not ok - valgrind $(basename "$t")"; tail -30 "$build/valgrind-unit.log"; fail=1
    fi
done

# Compiles, one per CPU: each is its golden or error test with ovstrace under valgrind.
export OVSTRACE_REAL=$build/ovstrace
wrap=$top/tests/sanitize/valgrind-ovstrace
jobsfile=$build/valgrind-compiles
: >"$jobsfile"
for r in "$top"/recipes/*.recipe; do
    echo "$top/tests/golden/run_golden.sh $wrap $r $top/tests/golden/recipes/$(basename "$r" .recipe).bt" >>"$jobsfile"
done
for r in "$top"/tests/golden/*.recipe; do
    echo "$top/tests/golden/run_golden.sh $wrap $r ${r%.recipe}.bt" >>"$jobsfile"
done
# (The error recipes run under ASan above; valgrind on all of them took minutes of CI.)
one() {   # one TESTSCRIPT WRAPPER RECIPE...: run it, say ok/not ok, and show the output of a failure
    local out
    if out=$("$@" 2>&1); then echo "ok - valgrind compile $3"
    else echo "not ok - valgrind compile $3"; printf '%s\n' "$out" | head -30; return 1; fi
}
export -f one
# shellcheck disable=SC2016
xargs -P "$jobs" -L 1 bash -c 'one "$@"' one <"$jobsfile" >"$build/valgrind-compiles.log" || fail=1
grep -c '^ok' "$build/valgrind-compiles.log" | sed 's/^/sanitize: valgrind compiles ok: /'
grep -A30 '^not ok' "$build/valgrind-compiles.log" || true

echo "sanitize: done in $((SECONDS - start)) s: $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
