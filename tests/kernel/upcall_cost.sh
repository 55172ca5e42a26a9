#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# upcall_cost and dpif_op_nl_monitor on the kernel (system) datapath, in the kernel-tier guest
# (tests/kernel/README.md): both `ovstrace run` side by side around one ping ns1 -> ns2 with
# the datapath's flows deleted first, so four packets are miss upcalls: the ARP request and
# reply (42 bytes) and the ICMP echo request and reply (98 bytes). upcall_cost must see each
# in the kernel (openvswitch:ovs_dp_upcall), find it again in a handler (by packet
# fingerprint), pair the handler's execute with the kernel's (ovs_packet_cmd_execute, in
# order), and fill every latency histogram; dpif_op_nl_monitor must show the same puts and
# executes, decoded. The recording made in the guest is replayed here, byte for byte.
# OVSTRACE_SKIP_KERNEL=1 skips it (status 77).
. "$(dirname "$0")/lib.sh"
here=$KT_HERE

uc=$(kt_payload upcall_cost "$here/../../recipes/upcall_cost.recipe" "$here/../../recipes/dpif_op_nl_monitor.recipe")

kt_boot "$uc"
ko=$uc/output.txt
section() { awk -v s="--- $1" '$0 == s { on = 1; next } on && /^--- / { exit } on' "$ko"; }
value() { sed -n "s/^--- $1 //p" "$ko" | head -1; }
section "upcall_cost stdout" > "$OUT"
section "dpif_op_nl_monitor stdout" > "$WORK/nl.out"
section "upcall_cost stderr" | grep -v RLIMIT_MEMLOCK > "$ERR"
check "ovstrace check upcall_cost: the guest has both kernel probes (status $(value "check status"))" \
    [ "$(value "check status")" = 0 ]
check "both attached, the ping answered, both runs exit 0 after SIGINT ($(value attached), $(value "ping status"), $(value "upcall_cost status"), $(value "dpif_op_nl_monitor status"))" \
    [ "$(value attached)" = yes -a "$(value "ping status")" = 0 -a "$(value "upcall_cost status")" = 0 -a "$(value "dpif_op_nl_monitor status")" = 0 ]
sed -n '/^EVENT/,/^$/p' "$OUT" | sed 's/^/#   /'

# The events: the kernel's misses are the ping's four packets, each read by a handler.
# (An ARP refresh a few seconds later may add a fifth: a 42-byte upcall.)
lens() { awk -v e="$1" '$1 == e { print $NF }' "$OUT" | sort -n | paste -sd' ' -; }
ping_like() { awk '{ for (i = 1; i <= NF; i++) { n[$i]++; if ($i != 42 && $i != 98) bad = 1 } } END { exit bad || n[42] < 2 || n[98] != 2 }' <<< "$1"; }
upcalls=$(awk '$1 == "dp_upcall"' "$OUT" | wc -l)
check "kernel upcalls: ARP and ICMP, both directions [$(lens dp_upcall)]" ping_like "$(lens dp_upcall)"
check "the handlers read the same ones [$(lens recv_upcall)]" [ "$(lens recv_upcall)" = "$(lens dp_upcall)" ]
check "every kernel upcall came from the bridge's ports (v1, v2)" \
    awk '$1 == "dp_upcall" { n++; if ($7 != "v1" && $7 != "v2") bad = 1 } END { exit bad || n == 0 }' "$OUT"
check "every receive is in a handler thread" \
    awk '$1 == "recv_upcall" { n++; if ($2 !~ /^handler[0-9]+$/) bad = 1 } END { exit bad || n == 0 }' "$OUT"
execs=$(awk '$1 == "op_flow_execute"' "$OUT" | wc -l) kexecs=$(awk '$1 == "kernel_execute"' "$OUT" | wc -l)
check "an execute per upcall, and the kernel ran each ($execs queued, $kexecs run)" [ "$execs" -ge "$upcalls" -a "$kexecs" -eq "$execs" ]

# The report: counts and every histogram.
report() { awk -v t="$1" '$0 == t { on = 1; next } on && /^$/ { exit } on' "$OUT"; }
hist_total() { report "$1" | awk 'match($0, /[0-9,]+ \|/) { v = substr($0, RSTART, RLENGTH - 2); gsub(/,/, "", v); n += v } END { print n + 0 }'; }
matched=$(report "=> Kernel miss upcalls matched to a handler's receive:" | awk '{ print $1 }')
check "every upcall ($upcalls) matched kernel -> handler by packet (${matched:-none})" [ "${matched:-0}" = "$upcalls" ]
check "every one received and executed (matched by packet in the handler)" \
    [ "$(report "=> Miss upcalls received and executed (receive matched to its execute):" | awk '{ print $1 }')" = "$upcalls" ]
check "per-thread counts add up to the receives" \
    [ "$(report "=> Upcalls handled per thread:" | awk '{ n += $2 } END { print n + 0 }')" = "$upcalls" ]
check "batch sizes add up to the receives" \
    [ "$(report "=> Histogram of upcalls per batch:" | awk 'match($0, /^  \[[0-9]+,/) { b = substr($0, 4, RLENGTH - 4); v = $3; n += b * v } END { print n + 0 }')" = "$upcalls" ]
for h in "Kernel upcall action to vswitchd receive" "vswitchd receive to flow put, the lookup" \
         "vswitchd receive to execute request" "vswitchd execute to kernel receive" \
         "Upcall overhead (total time minus lookup)" "Kernel upcall to kernel packet execute"; do
    n=$(hist_total "=> $h (microseconds):")
    check "histogram '$h' populated ($n)" [ "$n" -ge 4 ]
done
sed -n '/^=> Kernel upcall action/,$p' "$OUT" | sed 's/^/#   /' | head -40

# dpif_op_nl_monitor saw the same puts and executes, decoded.
nl=$WORK/nl.out
ops() { awk -v o="$1" '$6 == o' "$nl" | wc -l; }
puts=$(awk '$1 == "op_flow_put"' "$OUT" | wc -l)
check "dpif_op_nl_monitor: the same puts ($(ops FLOW_PUT) vs $puts) and executes ($(ops PACKET_EXECUTE) vs $execs)" \
    [ "$(ops FLOW_PUT)" -eq "$puts" -a "$(ops PACKET_EXECUTE)" -eq "$execs" -a "$puts" -ge 1 ]
check "dpif_op_nl_monitor: an ARP flow's key decoded" grep -qE '^    OVS_FLOW_ATTR_KEY: .*eth_type\(0x0806\),arp\(' "$nl"
check "dpif_op_nl_monitor: an ICMP flow's key decoded" grep -qE '^    OVS_FLOW_ATTR_KEY: .*ipv4\(src=10\.0\.0\.[12],.*icmp\(' "$nl"
check "dpif_op_nl_monitor: executes carry the ping's packets (42 and 98 bytes)" \
    bash -c "grep -q '^    OVS_PACKET_ATTR_PACKET: (42 bytes)' '$nl' && grep -q '^    OVS_PACKET_ATTR_PACKET: (98 bytes)' '$nl'"
sed -n '/FLOW_PUT/,+5p' "$nl" | head -8 | cut -c1-200 | sed 's/^/#   /'

# Replay the guest's recording on this host: the same report, byte for byte.
section recording > "$WORK/upcall_cost.rec"
"$OVSTRACE" report upcall_cost "$WORK/upcall_cost.rec" > "$WORK/replayed.txt" 2>"$WORK/replay.err"
grep -v '^ovstrace: ' "$OUT" > "$WORK/report.txt"
check "report: the guest's recording replays here byte for byte" cmp "$WORK/report.txt" "$WORK/replayed.txt"
check "upcall_cost printed no errors" bash -c "! grep -qi error '$ERR'"
finish
