#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# upcall_cost on the stand-in, whose handlers have a known timing: three handlers share 61
# upcalls per round (20, 20 and 21: one batch each), and each waits 10 ms between reading its batch and its
# first put (-d 10000, the "lookup"), which bounds the latencies from below. This host has no openvswitch module, so the recipe runs
# with kernel=false (what `ovstrace check upcall_cost` asks for, checked first); the kernel
# side runs in the kernel tier (tests/kernel/upcall_cost.sh). Then the recording is replayed.
. "$(dirname "$0")/lib.sh"
rounds=4 handlers=3 flows=61
mount_tracefs

# This host lacks the kernel side: check names it, and says so with a failing status.
"$OVSTRACE" check upcall_cost > "$WORK/check.txt" 2>&1
check_status=$?
check "check upcall_cost fails on a host without openvswitch.ko (status $check_status)" [ "$check_status" -eq 1 ]
check "check names the missing tracepoint" grep -q 'tracepoint:openvswitch:ovs_dp_upcall' "$WORK/check.txt"
check "check names the missing kprobe" grep -q 'kprobe:ovs_packet_cmd_execute' "$WORK/check.txt"
check "check passes with kernel=false" bash -c "'$OVSTRACE' check upcall_cost -p kernel=false > /dev/null"

standin_start -g -n $rounds -r 100 -f $flows -H $handlers -d 10000
run_recipe upcall_cost -p kernel=false --record "$WORK/events.rec"
standin_wait
check "run exits 0 (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]

# Per-event lines: one per probe fire, as the truth log has them.
misses=$(awk -F'\t' '$1 == "dpif_recv:recv_upcall" && $0 ~ /\ttype=0(\t|$)/' "$TRUTH" | wc -l)
lines() { awk -v e="$1" '$1 == e' "$OUT" | wc -l; }
check "the stand-in sent the misses of $rounds rounds of $flows flows, every 5th an action ($misses)" \
    [ "$misses" -eq $((rounds * flows - rounds * flows / 5)) ]
check "a recv_upcall line per miss ($(lines recv_upcall))" [ "$(lines recv_upcall)" -eq "$misses" ]
check "an op_flow_put line per put ($(lines op_flow_put))" \
    [ "$(lines op_flow_put)" -eq "$(truth dpif_netlink_operate__:op_flow_put nl_len | wc -l)" ]
check "an op_flow_execute line per execute ($(lines op_flow_execute))" \
    [ "$(lines op_flow_execute)" -eq "$(truth dpif_netlink_operate__:op_flow_execute nl_len | wc -l)" ]
check "no kernel lines with kernel=false" bash -c "! grep -qE '^(dp_upcall|kernel_execute) ' '$OUT'"

# Per-thread counts: the thread names come from the event lines (TID column), the counts from
# the truth log's receives per thread.
awk '$1 == "recv_upcall" { print $3, $2 }' "$OUT" | sort -u > "$WORK/tid_names"
awk -F'\t' '$1 == "dpif_recv:recv_upcall" && $0 ~ /\ttype=0(\t|$)/ { n[$2]++ } END { for (t in n) print t, n[t] }' \
    "$TRUTH" | sort > "$WORK/tid_counts"
join "$WORK/tid_names" "$WORK/tid_counts" | awk '{ print $2, $3 }' | sort > "$WORK/want_threads"
section() { awk -v t="$1" '$0 == t { on = 1; next } on && /^$/ { exit } on' "$OUT"; }
section "=> Upcalls handled per thread:" | awk '{ print $1, $2 }' | sort > "$WORK/got_threads"
check "$handlers handlers, each with its receives ($(tr '\n' ' ' < "$WORK/got_threads"))" \
    bash -c "[ \$(wc -l < '$WORK/want_threads') -eq $handlers ] && cmp -s '$WORK/want_threads' '$WORK/got_threads'"

# Batches: each handler reads its share (misses and actions) in one batch per round.
batches=$(section "=> Histogram of upcalls per batch:" | awk '{ print $1, $2, $3 }' | tr '\n' ' ')
check "batches: two of 20 and one of 21 per round ($batches)" \
    [ "$batches" = "[20, 21) $((2 * rounds)) [21, 22) $rounds " ]

# Latencies: the 10 ms lookup comes before every put and execute, so each receive -> put and
# receive -> execute is at least 10 ms: every one of them lies in a bucket above 10,000 us
# ([8K, 16K) or later). How much longer is up to the machine: a busy one put 9 of 196 in
# [16K, 32K), so nothing bounds them from above.
# hist_rows TITLE: "LOW HIGH COUNT" for each bucket of run's histogram TITLE, in plain numbers.
hist_rows() {
    section "$1" | awk 'function n(v) { m = v ~ /K$/ ? 1024 : v ~ /M$/ ? 1048576 : 1; sub(/[KM]$/, "", v); return v * m }
        /^  \[[0-9]+[KM]?, [0-9]+[KM]?\) / { lo = $1; hi = $2; c = $3; gsub(/[\[,)]/, "", lo); gsub(/[,)]/, "", hi); gsub(/,/, "", c)
                                            print n(lo), n(hi), c }'
}
# at_least TITLE US: every count of histogram TITLE lies in a bucket reaching above US, and
# they add up to $misses.
at_least() {
    hist_rows "$1" | awk -v us="$2" -v want="$misses" '{ n += $3; if ($2 <= us) below += $3 } END { exit !(n == want && below == 0) }'
}
lookup='=> vswitchd receive to flow put, the lookup (microseconds):'
check "receive -> put: all $misses at least 10 ms ($(hist_rows "$lookup" | tr '\n' ' '))" at_least "$lookup" 10000
execute='=> vswitchd receive to execute request (microseconds):'
check "receive -> execute: all $misses at least 10 ms ($(hist_rows "$execute" | tr '\n' ' '))" at_least "$execute" 10000
check "every miss received was matched to its execute" \
    [ "$(section '=> Miss upcalls received and executed (receive matched to its execute):' | awk '{ print $1 }')" = "$misses" ]
check "lost events are reported (none)" grep -q '^Lost events: 0$' "$OUT"

# Record and replay: the same report, byte for byte, after the threads are gone.
"$OVSTRACE" report upcall_cost "$WORK/events.rec" > "$WORK/replayed.txt" 2>"$WORK/replay.err"
grep -v '^ovstrace: ' "$OUT" > "$WORK/report.txt"
check "report: the recording prints the run's report again, byte for byte" cmp "$WORK/report.txt" "$WORK/replayed.txt"
finish
