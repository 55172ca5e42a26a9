#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A window opened by start_dump and closed by sweep_done, three times, then exit():
# each window's flow_result count equals what the stand-in fired in that round.
. "$(dirname "$0")/lib.sh"
mount_tracefs
standin_start -g -n 30 -r 100
compile_and_run "$(dirname "$0")/../golden/window_triggers.recipe"
kill "$STANDIN_PID" 2>/dev/null; standin_wait
check "bpftrace exits 0 by itself after 3 windows (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "three windows opened by the trigger" [ "$(grep -c "^# Start sampling (trigger@[0-9]*) @" "$OUT")" -eq 3 ]
check "three windows closed by the trigger" [ "$(grep -c "^# Stop sampling (trigger@[0-9]*) @" "$OUT")" -eq 3 ]
# Per window: the sum of @results counts printed after its Stop line.
awk '/^# Stop sampling/ { if (w) print s; w = 1; s = 0; next } /^@results\[/ { s += $NF } END { print s }' "$OUT" > "$WORK/got"
awk -F'\t' '$1 == "revalidate:flow_result" { split($3, kv, "="); n[kv[2]]++ } END { for (r in n) print r, n[r] }' "$TRUTH" |
    sort -n | awk '{ print $2 }' > "$WORK/want"
check "each window counts one round's flow results ($(paste -sd' ' "$WORK/got"))" is_subsequence "$WORK/got" "$WORK/want"
check "no fourth window, not even at exit" [ "$(grep -c '^# Stop sampling' "$OUT")" -eq 3 ]

finish
