#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run tests again and again on a machine kept busy, as CI's shared machines are: one
# busy loop per CPU at the tests' own priority, so every test competes for the CPU.
#   tests/stress/busy.sh [--runs N] [--whole] [CTEST ARGS...]
# Default: 5 runs of the labels from unit to e2e (ctest -L 'unit|golden|errors|cli|docs|load|e2e').
# --whole: tests/run.sh (every label) instead, with CTEST ARGS passed to it.
# Each run's output is kept in BUILD/busy/run-K.log; the last line says how many runs passed.
# Not part of the test command: issue #15's check that the gate holds on a busy machine.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${OVSTRACE_BUILD:-$top/build}
runs=5 whole=
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --whole) whole=1; shift ;;
        -h|--help) sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || [ -n "$whole" ] || set -- -L 'unit|golden|errors|cli|docs|load|e2e'

hogs=()
stop_hogs() { [ ${#hogs[@]} -eq 0 ] || kill "${hogs[@]}" 2>/dev/null || true; }
trap stop_hogs EXIT
for _ in $(seq "$(nproc)"); do
    sh -c 'while :; do :; done' &
    hogs+=($!)
done
echo "busy: ${#hogs[@]} busy loops on $(nproc) CPUs; $runs runs of ${whole:+tests/run.sh }$*"

mkdir -p "$build/busy"
passed=0
for k in $(seq "$runs"); do
    log=$build/busy/run-$k.log
    start=$SECONDS
    if [ -n "$whole" ]; then
        status=0; "$top/tests/run.sh" "$@" >"$log" 2>&1 || status=$?
    else
        status=0; (cd "$build" && ctest --output-on-failure "$@") >"$log" 2>&1 || status=$?
    fi
    # (grep finds nothing in a run without failures: not an error here)
    summary=$(grep -E 'tests passed|tests failed' "$log" | tail -1 || true)
    failed=$(grep -E '^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess)' "$log" | sed 's/^ *//' | tr '\n' ';' || true)
    echo "busy: run $k: status $status in $((SECONDS - start)) s: ${summary:-no summary} ${failed:+failed: $failed}"
    [ "$status" -ne 0 ] || passed=$((passed + 1))
done
echo "busy: $passed of $runs runs passed"
[ "$passed" -eq "$runs" ]
