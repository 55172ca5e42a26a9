#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Spans matched across a handler's batches, on the stand-in (handler1 receives up to 64
# upcalls, then sends their puts and executes in order; -f 70 flows per round make a batch of
# 64 and one of 6): by packet with fingerprint() in slots (every upcall found again; with 16
# slots only the last 16 of a batch), in order with a queue (each execute paired with its own
# receive), and batch sizes counted between executes.
. "$(dirname "$0")/lib.sh"
RECIPE=$(dirname "$0")/span_matching.recipe
rounds=5
mount_tracefs
standin_start -g -n $rounds -r 100 -f 70
compile_and_run "$RECIPE"
standin_wait
check "bpftrace exits 0 (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
n=$(awk -F"\t" '$1 == "dpif_recv:recv_upcall"' "$TRUTH" | wc -l)
value() { awk -v m="$1" 'index($0, m) == 1 { print $NF; exit }' "$OUT"; }
check "the stand-in received $((70 * rounds)) upcalls ($n)" [ "$n" -eq $((70 * rounds)) ]
check "executes seen ($(value '@executes[]:'))" [ "$(value '@executes[]:')" = "$n" ]
check "by packet: every upcall matched its execute ($(value '@by_packet[]:') of $n)" [ "$(value '@by_packet[]:')" = "$n" ]
check "by packet: no packet received twice before its execute (counted by packet)" bash -c "! grep -q '^@repeated' '$OUT'"
check "16 slots keep the last 16 of each batch: 16 + 6 per round ($(value '@few_slots[]:'))" \
    [ "$(value '@few_slots[]:')" = $(((16 + 6) * rounds)) ]
# A comparison as a key: 1 and 0 up to bpftrace 0.23, true and false from 0.27 (bool).
in_order=$(value '@in_order[1]:')$(value '@in_order[true]:')
check "queue: every execute paired with its own receive ($in_order)" [ "$in_order" = "$n" ]
check "queue: no execute paired with another packet" bash -c "! grep -qE '^@in_order\[(0|false)\]' '$OUT'"
check "batches of 64: one per round after the first ($(value '@batches[64]:'))" [ "$(value '@batches[64]:')" = $((rounds - 1)) ]
check "batches of 6: one per round ($(value '@batches[6]:'))" [ "$(value '@batches[6]:')" = $rounds ]
finish
