#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# upcall_monitor against the stand-in: each printed upcall matches the stand-in's
# record (datapath, type, packet length, key length), in order, and the per-thread
# counts add up. With -p key=true the key column is the key as dump-flows prints it.
. "$(dirname "$0")/lib.sh"
mount_tracefs
standin_start -g -n 15 -r 100 -f 4
run_recipe upcall_monitor -p key=true
standin_wait
check "ovstrace run exits 0 (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "header line with KEY" grep -qE '^TIME +CPU +THREAD +DPIF +TYPE +PKT_LEN +KEY_LEN +KEY$' "$OUT"
grep -E '^ *[0-9]+\.[0-9]{9} ' "$OUT" > "$WORK/rows"
rows=$(wc -l < "$WORK/rows")
check "at least 40 upcalls printed ($rows)" [ "$rows" -ge 40 ]
awk -F'\t' '$1 == "dpif_recv:recv_upcall" { for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
            print f["dpif"], (f["type"] == 0 ? "miss" : "action"), f["packet_len"], f["key_len"] }' "$TRUTH" > "$WORK/want"
awk '{ print $4, $5, $NF }' "$WORK/rows" > /dev/null
# Columns: TIME CPU THREAD DPIF TYPE(text, several words) PKT_LEN KEY_LEN KEY(dump-flows text)
awk '{ type = $5; for (i = 6; i <= NF; i++) if ($i ~ /^[0-9]+$/ && $(i+1) ~ /^[0-9]+$/) { print $4, type, $i, $(i+1); break } }' "$WORK/rows" > "$WORK/got"
check "upcalls match the stand-in's record in order" is_subsequence "$WORK/got" "$WORK/want"
check "every upcall came from handler1" awk '{ if ($3 != "handler1") bad = 1 } END { exit bad }' "$WORK/rows"
awk -F'\t' '$1 == "dpif_recv:recv_upcall" { for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } print f["src"] }' "$TRUTH" > "$WORK/srcs"
awk '{ print $NF }' "$WORK/rows" | sed -n 's/.*,ipv4(src=\([0-9.]*\),.*/\1/p' > "$WORK/key_srcs"
check "keys decoded: metadata first" awk '{ if ($NF !~ /^recirc_id\(.*skb_priority\(/) bad = 1 } END { exit bad }' "$WORK/rows"
check "every key has an ipv4 source ($(wc -l < "$WORK/key_srcs") of $rows)" [ "$(wc -l < "$WORK/key_srcs")" -eq "$rows" ]
check "each key's ipv4 source is its upcall's, in order" is_subsequence "$WORK/key_srcs" "$WORK/srcs"
# run's table: "  handler1, miss    24", largest first, thousands separated.
total=$(awk '/^  handler1, / { gsub(/,/, "", $NF); s += $NF } END { print s + 0 }' "$OUT")
check "per-thread counts add up to the printed upcalls ($total vs $rows)" [ "$total" -eq "$rows" ]
check_example_header upcall_monitor
finish
