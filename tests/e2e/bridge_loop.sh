#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bridge_loop against the stand-in: the main thread sleeps 50 ms in each poll_block,
# so every "poll_block" line shows >= 50 ms (more on a busy machine: no upper bound), the
# thread is the stand-in's main thread, and the sleep histogram counts exactly the printed
# sleeps.
. "$(dirname "$0")/lib.sh"
mount_tracefs
standin_start -g -n 25 -r 100 -m 50
run_recipe bridge_loop
standin_wait
check "ovstrace run exits 0 (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "no RLIMIT_MEMLOCK noise on stderr" bash -c "! grep -q RLIMIT '$ERR'"
check "header line" grep -qE '^TID +COMM +WHAT +TIME$' "$OUT"
main_tid=$(awk -F'\t' '$1 == "main:run_start" { print $2; exit }' "$TRUTH")
sleeps=$(awk '$3 == "poll_block"' "$OUT" | wc -l)
runs=$(awk '$3 == "run"' "$OUT" | wc -l)
check "at least 20 sleeps seen ($sleeps)" [ "$sleeps" -ge 20 ]
check "at least 20 iterations seen ($runs)" [ "$runs" -ge 20 ]
check "every line is the main thread $main_tid" awk -v t="$main_tid" '$3 == "poll_block" || $3 == "run" { if ($1 != t || $2 != "ovs-vswitchd") bad = 1 } END { exit bad }' "$OUT"
check "every sleep lasted >= 50 ms" awk '$3 == "poll_block" { split($4, p, "."); if (p[1] == "0" && p[2] + 0 < 50000000) bad = 1 } END { exit bad }' "$OUT"
# An iteration is a few microseconds of work, a sleep at least 50 ms: however late a busy
# machine runs the thread, the iterations add up to less than the sleeps (the columns are
# not swapped).
check "the iterations took less time in all than the sleeps" \
    awk '$3 == "run" { r += $4 } $3 == "poll_block" { s += $4 } END { exit !(r < s) }' "$OUT"
# lhist step 30000 us: a 50-60 ms sleep lands in [30000, 60000) or [60000, 90000).
# run renders the histogram: "  [30000, 60000)   27 |@@@...|" under its title.
hist_total=$(awk '/^poll_block\(\) sleep time/ { on = 1; next } on && /^  \[/ { gsub(/[^0-9 ]/, " ", $0); n = split($0, f, " "); s += f[3] } on && /^$/ { on = 0 } END { print s + 0 }' "$OUT")
check "sleep histogram counts the $sleeps printed sleeps ($hist_total)" [ "$hist_total" -eq "$sleeps" ]
check "titles printed" grep -q '^poll_block() sleep time (us):$' "$OUT"
check "run closes with the lost-events line" test "$(tail -1 "$OUT")" = "Lost events: 0"
check "no run of blank lines in run's output" bash -c "! grep -Pzo '\n\n\n' '$OUT' >/dev/null"
check_example_header bridge_loop
finish
