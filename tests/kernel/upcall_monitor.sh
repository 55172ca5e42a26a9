#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# upcall_monitor on the kernel (system) datapath, in a QEMU guest with Debian 12's (or, with
# OVSTRACE_KT_RELEASE=trixie, Debian 13's) stock kernel, openvswitch.ko, bpftrace and the USDT
# ovs-vswitchd (tests/kernel/README.md); scripts are compiled here for the guest's bpftrace
# (--bpftrace-version from the tier's manifest). One boot runs
# two payloads:
#   upcall_monitor  the script compiled here (--target the guest's ovs-vswitchd path)
#                   traces one ping ns1 -> ns2: ARP request and reply (42 bytes), ICMP echo
#                   request and reply (98 bytes), each a miss upcall read by a handler
#                   thread from system@ovs-system; the per-thread counts add up
#   kernel_probes   bpftrace lists the binary's USDT probes and the openvswitch
#                   tracepoints, and counts the same ping with tracepoint:openvswitch:*,
#                   kprobe:ovs_packet_cmd_execute and the USDT probe: the counts agree
#   flow_reval      flow_reval_monitor with a masked filter, ipv4(src=10.0.0.0/255.255.255.252,
#                   proto=1) (ns1 is 10.0.0.1, ns2 10.0.0.2; no address equals 10.0.0.0, so
#                   only a masked compare selects them): of the ping's four flow puts (real
#                   kernel-datapath keys), exactly the two ICMP ones print, with the UFIDs
#                   dpctl/dump-flows -m shows for the ICMP flows
# OVSTRACE_SKIP_KERNEL=1 skips it (status 77).
. "$(dirname "$0")/lib.sh"
here=$KT_HERE

vswitchd=$(kt_manifest vswitchd)
check "the tier's ovs-vswitchd is on this host too ($vswitchd)" test -x "$vswitchd"
check "the tier names its bpftrace's version (${KT_BPFTRACE_VERSION:-none})" test -n "$KT_BPFTRACE_VERSION"

um=$WORK/upcall_monitor kp=$WORK/kernel_probes fr=$WORK/flow_reval
cp -r "$here/payloads/upcall_monitor" "$um"
cp -r "$here/payloads/kernel_probes" "$kp"
cp -r "$here/payloads/upcall_monitor" "$fr"
"$OVSTRACE" compile flow_reval_monitor --target "$vswitchd" --bpftrace-version "$KT_BPFTRACE_VERSION" -p 'filter=eth_type(0x0800),ipv4(src=10.0.0.0/255.255.255.252,proto=1)' \
    -o "$fr/flow_reval_monitor.bt" 2>>"$ERR"
check "ovstrace compile flow_reval_monitor -p filter=... --target $vswitchd --bpftrace-version $KT_BPFTRACE_VERSION" test -s "$fr/flow_reval_monitor.bt"
"$OVSTRACE" compile upcall_monitor --target "$vswitchd" --bpftrace-version "$KT_BPFTRACE_VERSION" -o "$um/upcall_monitor.bt" 2>"$ERR"
check "ovstrace compile upcall_monitor --target $vswitchd --bpftrace-version $KT_BPFTRACE_VERSION" test -s "$um/upcall_monitor.bt"
check "the script attaches to that path (the guest's)" grep -q "^usdt:$vswitchd:dpif_recv:recv_upcall\$" "$um/upcall_monitor.bt"

kt_boot "$um" "$kp" "$fr"

# section NAME FILE: the lines after the payload's "--- NAME" line, up to the next "--- ".
section() { awk -v s="--- $1" 'index($0, s) == 1 { on = 1; next } on && /^--- / { exit } on' "$2"; }
# value NAME FILE: the rest of the payload's "--- NAME VALUE" line.
value() { sed -n "s/^--- $1 //p" "$2" | head -1; }

# --- upcall_monitor
uo=$um/output.txt
section "bpftrace stdout" "$uo" > "$OUT"
section "bpftrace stderr" "$uo" > "$ERR"
check "upcall_monitor payload exits 0 ($(cat "$um/rc"))" [ "$(cat "$um/rc")" = 0 ]
check "the bridge is on the kernel datapath system@ovs-system" grep -q '^system@ovs-system:' "$uo"
check "v1 and v2 are system ports of br0" [ "$(grep -cE '^ +v[12] [0-9]+/[0-9]+: \(system\)$' "$uo")" -eq 2 ]
check "bpftrace attached ($(value attached "$uo"))" grep -q '^--- attached yes' "$uo"
check "ping ns1 -> ns2 got every reply" grep -q ' 0% packet loss' "$uo"
check "bpftrace exits 0 after SIGINT ($(value "bpftrace status" "$uo"))" [ "$(value "bpftrace status" "$uo")" = 0 ]
grep -q '^kt: bpftrace ignored SIGINT' "$uo" && echo "# note: bpftrace 0.17 lost the first SIGINT (see tests/kernel/guest/kt.sh)"
check "header line" grep -qE '^TIME +CPU +THREAD +DPIF +TYPE +PKT_LEN +KEY_LEN$' "$OUT"
grep -E '^ *[0-9]+\.[0-9]{9} ' "$OUT" > "$WORK/rows"
rows=$(wc -l < "$WORK/rows")
sed 's/^/#   /' "$WORK/rows"
check "at least 4 upcalls printed ($rows)" [ "$rows" -ge 4 ]
check "every upcall was read by a handler thread" awk '{ if ($3 !~ /^handler[0-9]+$/) bad = 1 } END { exit bad || NR == 0 }' "$WORK/rows"
check "every upcall is from system@ovs-system" awk '{ if ($4 != "system@ovs-system") bad = 1 } END { exit bad || NR == 0 }' "$WORK/rows"
check "every upcall is a miss" awk '{ if ($5 != "miss") bad = 1 } END { exit bad || NR == 0 }' "$WORK/rows"
check "every key length is positive" awk '{ if ($7 <= 0) bad = 1 } END { exit bad || NR == 0 }' "$WORK/rows"
# Handlers print from both CPUs: time order is the order the upcalls happened.
lens=$(sort -n -k1,1 "$WORK/rows" | awk '{ print $6 }' | head -4 | paste -sd' ' -)
check "in time order: ARP request and reply (42), ICMP request and reply (98) [$lens]" [ "$lens" = "42 42 98 98" ]
awk '{ n[$3 ", " $5]++ } END { for (k in n) print "@upcalls[" k "]: " n[k] }' "$WORK/rows" | sort > "$WORK/want_counts"
grep '^@upcalls\[' "$OUT" | sort > "$WORK/got_counts"
check "per-thread counts match the printed upcalls ($(paste -sd' ' "$WORK/got_counts"))" diff "$WORK/want_counts" "$WORK/got_counts"
total=$(awk -F': ' '/^@upcalls\[/ { s += $2 } END { print s + 0 }' "$OUT")
check "the counts add up to the printed upcalls ($total vs $rows)" [ "$total" -eq "$rows" ]
check "bpftrace printed no errors" bash -c "! grep -qi error '$ERR'"

# --- kernel probes
ko=$kp/output.txt
section "bpftrace stdout" "$ko" > "$WORK/kp.out"
check "kernel_probes payload exits 0 ($(cat "$kp/rc"))" [ "$(cat "$kp/rc")" = 0 ]
nusdt=$(section "usdt list" "$ko" | grep -c "^usdt:$vswitchd:")
check "bpftrace -l lists the guest binary's 13 USDT probes ($nusdt)" [ "$nusdt" -ge 13 ]
check "... among them dpif_recv:recv_upcall" bash -c "grep -q '^usdt:$vswitchd:dpif_recv:recv_upcall\$' '$ko'"
check "tracepoint:openvswitch:ovs_dp_upcall and ovs_do_execute_action are listed" \
    [ "$(section "tracepoint list" "$ko" | grep -cE '^tracepoint:openvswitch:(ovs_dp_upcall|ovs_do_execute_action)$')" -eq 2 ]
nk=$(value "kprobe count" "$ko")
check "kprobe:ovs_* lists the module's functions (${nk:-none})" [ "${nk:-0}" -ge 50 ]
check "probes attached, ping answered, bpftrace exits 0" \
    bash -c "grep -q '^--- attached yes' '$ko' && grep -q ' 0% packet loss' '$ko' && grep -q '^--- bpftrace status 0\$' '$ko'"
grep -q '^kt: bpftrace ignored SIGINT' "$ko" && echo "# note: bpftrace 0.17 lost the first SIGINT (see tests/kernel/guest/kt.sh)"
sed 's/^/#   /' <(grep '^@' "$WORK/kp.out")
for dev in v1 v2; do
    for len in 42 98; do
        check "tracepoint ovs_dp_upcall fired for $dev, len $len" grep -qE "^@dp_upcall\\[$dev, $len\\]: [1-9]" "$WORK/kp.out"
    done
done
tp=$(awk -F': ' '/^@dp_upcall\[/ { s += $2 } END { print s + 0 }' "$WORK/kp.out")
kprobe=$(awk -F': ' '/^@packet_cmd_execute:/ { print $2 }' "$WORK/kp.out")
usdt=$(awk -F': ' '/^@recv_upcall\[system@ovs-system\]:/ { print $2 }' "$WORK/kp.out")
check "kprobe:ovs_packet_cmd_execute fired once per upcall (${kprobe:-0} vs $tp)" [ "$tp" -ge 4 -a "${kprobe:-0}" -eq "$tp" ]
check "the USDT upcall probe saw the same upcalls (${usdt:-0} vs $tp)" [ "${usdt:-0}" -eq "$tp" ]
check "tracepoint ovs_do_execute_action fired with OUTPUT actions" grep -qE '^@execute_action\[1\]: [1-9]' "$WORK/kp.out"
puts=$(awk -F': ' '/^@op_flow_put:/ { print $2 }' "$WORK/kp.out")
execs=$(awk -F': ' '/^@op_flow_execute:/ { print $2 }' "$WORK/kp.out")
check "USDT op_flow_put: a flow installed per upcall (${puts:-0} vs $tp)" [ "${puts:-0}" -ge "$tp" ]
check "USDT op_flow_execute: the packet sent back per upcall (${execs:-0} vs $tp)" [ "${execs:-0}" -eq "$tp" ]

# --- flow_reval_monitor, filtered in the kernel on real kernel-datapath keys
fo=$fr/output.txt
section "bpftrace stdout" "$fo" > "$WORK/fr.out"
check "flow_reval payload exits 0 ($(cat "$fr/rc"))" [ "$(cat "$fr/rc")" = 0 ]
sed 's/^/#   /' "$WORK/fr.out" | head -8
awk '/ flow put into the datapath$/ { print $3 }' "$WORK/fr.out" | sort > "$WORK/fr_got"
# The megaflows' masks drop proto (NORMAL action), but the put keys carry it; the ping is
# the only IPv4 traffic (IPv6 is off), so the IPv4 flows are the ICMP ones.
section "dpctl/dump-flows" "$fo" | grep 'eth_type(0x0800),ipv4(' | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://' | sort > "$WORK/fr_want"
section "dpctl/dump-flows" "$fo" | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://' | sort > "$WORK/fr_all"
check "the datapath has ICMP flows and others ($(wc -l < "$WORK/fr_want") of $(wc -l < "$WORK/fr_all"))" \
    [ "$(wc -l < "$WORK/fr_want")" -ge 2 -a "$(wc -l < "$WORK/fr_all")" -gt "$(wc -l < "$WORK/fr_want")" ]
check "only the ICMP flows' puts print, with the datapath's UFIDs ($(paste -sd' ' "$WORK/fr_got"))" diff "$WORK/fr_want" "$WORK/fr_got"
finish
