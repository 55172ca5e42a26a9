#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dpif_op_nl_monitor on the stand-in, which builds real netlink requests (flow puts with key,
# mask, actions and UFID; deletes; gets; packet executes): every operation is printed once,
# in the truth log's order, with its message size, and `ovstrace run` decodes each message:
# the UFID and the in_port of its key are the flow's, an execute carries its packet. Then the
# recording is replayed, and decode=none prints the same operations without messages.
. "$(dirname "$0")/lib.sh"
mount_tracefs
standin_start -g -n 8 -r 50 -f 4 -a 2
run_recipe dpif_op_nl_monitor --record "$WORK/events.rec"
standin_wait
check "run exits 0 (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]

# The operations in order, as "OPERATION NL_SIZE", from the truth log and from the event lines.
awk -F'\t' '$1 ~ /^dpif_netlink_operate__:op_flow_/ {
        op = $1; sub(/.*op_flow_/, "", op)
        name = op == "put" ? "FLOW_PUT" : op == "del" ? "FLOW_DEL" : op == "get" ? "FLOW_GET" : "PACKET_EXECUTE"
        for (i = 3; i <= NF; i++) if ($i ~ /^nl_len=/) { sub(/nl_len=/, "", $i); print name, $i } }' "$TRUTH" > "$WORK/want_ops"
awk '$1 ~ /^[0-9]+\.[0-9]+$/ { print $6, $5 }' "$OUT" > "$WORK/got_ops"
check "every operation printed once, in order, with its size ($(wc -l < "$WORK/got_ops") of $(wc -l < "$WORK/want_ops"))" \
    cmp -s "$WORK/want_ops" "$WORK/got_ops"
for op in FLOW_PUT FLOW_DEL FLOW_GET PACKET_EXECUTE; do
    check "some $op operations ($(grep -c "^$op " "$WORK/got_ops"))" [ "$(grep -c "^$op " "$WORK/got_ops")" -gt 0 ]
done

# Decoded: after each put, its UFID and its key's in_port are the truth log's.
awk -F'\t' '$1 == "dpif_netlink_operate__:op_flow_put" {
        for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        print f["ufid"], "in_port(" f["in_port"] ")" }' "$TRUTH" > "$WORK/want_puts"
awk '$6 == "FLOW_PUT" { put = 1; next } /^[ ]+[0-9]+\.[0-9]+ / { put = 0 }
     put && $1 == "OVS_FLOW_ATTR_UFID:" { ufid = $2 }
     put && $1 == "OVS_FLOW_ATTR_KEY:" { match($2, /in_port\([0-9]+\)/); port = substr($2, RSTART, RLENGTH) }
     put && $1 == "OVS_FLOW_ATTR_ACTIONS:" { print ufid, port; put = 0 }' "$OUT" > "$WORK/got_puts"
check "each put decoded: its UFID and key's in_port ($(wc -l < "$WORK/got_puts") puts)" \
    bash -c "[ -s '$WORK/want_puts' ] && cmp -s '$WORK/want_puts' '$WORK/got_puts'"
check "puts have a mask and actions" grep -q '^    OVS_FLOW_ATTR_MASK: recirc_id(0xffffffff)' "$OUT"
awk -F'\t' '$1 == "dpif_netlink_operate__:op_flow_execute" { for (i = 3; i <= NF; i++) if ($i ~ /^packet_len=/) { sub(/packet_len=/, "", $i); print $i } }' \
    "$TRUTH" > "$WORK/want_packets"
sed -n 's/^    OVS_PACKET_ATTR_PACKET: (\([0-9]*\) bytes) .*/\1/p' "$OUT" > "$WORK/got_packets"
check "each execute carries its packet ($(wc -l < "$WORK/got_packets") packets, lengths as sent)" \
    bash -c "[ -s '$WORK/want_packets' ] && cmp -s '$WORK/want_packets' '$WORK/got_packets'"
check "execute actions decoded" grep -qE '^    OVS_PACKET_ATTR_ACTIONS: output\([0-9]+\)$' "$OUT"
check "counts per thread: the puts of handler1" \
    bash -c "awk '/^=> Flow puts per thread:/ { on = 1; next } on && \$1 == \"handler1\" { print \$2; exit }' '$OUT' | grep -qx \"\$(awk -F'\t' '\$1 == \"dpif_netlink_operate__:op_flow_put\" && \$2 == $(awk -F'\t' '$1 == "dpif_recv:recv_upcall" { print $2; exit }' "$TRUTH")' '$TRUTH' | wc -l)\""

"$OVSTRACE" report dpif_op_nl_monitor "$WORK/events.rec" > "$WORK/replayed.txt" 2>"$WORK/replay.err"
grep -v '^ovstrace: ' "$OUT" > "$WORK/report.txt"
check "report: the recording prints the run again, byte for byte" cmp "$WORK/report.txt" "$WORK/replayed.txt"

# decode=none: the same operations, no message lines.
standin_start -g -n 3 -r 50 -f 4 -a 2
run_recipe dpif_op_nl_monitor -p decode=none -p get=false
standin_wait
check "decode=none: run exits 0 (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "decode=none: operations but no messages" \
    bash -c "grep -q ' FLOW_PUT *\$' '$OUT' && ! grep -q 'OVS_FLOW_ATTR' '$OUT' && ! grep -q FLOW_GET '$OUT'"
finish
