#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# reval_monitor against the stand-in: every printed round matches the stand-in's own
# record of that round (flows at dump start, re-translated flows, the udpif counters,
# the planned wait), and the actual wait is the time from a round's COMPLETE to the next
# one's START. How long it is depends on how busy the machine is; only the 100 ms period
# bounds the rounds, from below.
. "$(dirname "$0")/lib.sh"
mount_tracefs
standin_start -g -n 20 -r 100
compile_and_run reval_monitor
standin_wait
check "bpftrace exits 0 (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "header line" grep -qE '^START +COMPLETE +FLOWS +REVAL_FLOWS +AVG_FLOWS +MAX_FLOWS +FLOW_LIMIT +DUMP_MS +POLL_WAIT_MS +ACTUAL_WAIT_MS$' "$OUT"
awk '$1 ~ /^[0-9]+\.[0-9]+$/ && NF == 10' "$OUT" > "$WORK/rows"
rows=$(wc -l < "$WORK/rows")
check "at least 15 rounds printed ($rows)" [ "$rows" -ge 15 ]
# Expected per round, from the truth log: n_flows at start_dump, entries between start and sweep, sweep_done counters.
awk -F'\t' '
    function v(name,   i, kv) { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] } }
    $1 == "udpif_revalidator:start_dump" { n = v("n_flows"); e = 0 }
    $1 == "revalidate_ukey__:entry" { e++ }
    $1 == "udpif_revalidator:sweep_done" { print n, e, v("avg_n_flows"), v("max_n_flows"), v("flow_limit"), v("max_wait_ms") ".000" }
' "$TRUTH" > "$WORK/want"
# The last round never gets its next start_dump, so it is not printed.
awk '{ print $3, $4, $5, $6, $7, $9 }' "$WORK/rows" > "$WORK/got"
check "rounds match the stand-in's record (flows, reval flows, avg, max, limit, poll wait)" is_subsequence "$WORK/got" "$WORK/want"
check "actual wait: at most next START - COMPLETE, more than half of it" reval_waits_fit "$WORK/rows"
period=$(reval_period "$WORK/rows")    # the stand-in sleeps until 100 ms after a round started
check "rounds at least 100 ms apart on average ($period ms)" awk -v p="$period" 'BEGIN { exit !(p >= 95) }'
check "complete follows start" awk '{ if ($2 + 0 < $1 + 0) bad = 1 } END { exit bad }' "$WORK/rows"
rounds=$(awk '/^@rounds\[\]:/ { print $2 }' "$OUT")
check "round counter counts every round seen ($rounds vs $rows printed)" [ "${rounds:-0}" -ge "$rows" ]
check_example_header reval_monitor
finish
