#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Ctrl-C: SIGINT to `ovstrace run` reaches bpftrace (once), the final statistics
# are printed, and run exits with bpftrace's status (0). The target keeps running.
. "$(dirname "$0")/lib.sh"
mount_tracefs
standin_start -w 0 -n 0 -r 100
"$OVSTRACE" run reval_monitor --pid "$STANDIN_PID" >"$OUT" 2>"$ERR" &
run_pid=$!
# Wait until rounds are being printed (up to 60 s: bpftrace starts slowly on a busy
# machine), then interrupt.
for _ in $(seq 600); do grep -qE '^ +[0-9]+\.[0-9]{9} ' "$OUT" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT "$run_pid"
for _ in $(seq 300); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$run_pid" 2>/dev/null; then fail "ovstrace run still running 30 s after SIGINT"; kill -KILL "$run_pid"; fi
wait "$run_pid"; status=$?
check "run exits 0 after SIGINT (status $status)" [ "$status" -eq 0 ]
check "final statistics printed" awk '/^revalidator rounds seen:$/ { getline; if ($1 + 0 >= 1) ok = 1 } END { exit !ok }' "$OUT"
check "rounds were printed before the interrupt" grep -qE '^ +[0-9]+\.[0-9]{9} ' "$OUT"
check "the traced process is still alive" kill -0 "$STANDIN_PID"
check "no temporary script left behind" test -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'ovstrace-*.bt' -newer "$TRUTH" 2>/dev/null)"
finish
