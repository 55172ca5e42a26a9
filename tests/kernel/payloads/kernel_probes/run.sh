#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of the kernel-probe checks in tests/kernel/upcall_monitor.sh: the USDT probes
# bpftrace lists in the guest's ovs-vswitchd, the openvswitch tracepoints and kprobes it
# lists, and probes.bt (tracepoints, a kprobe on a module function, the USDT upcall
# probe) counting one ping from ns1 to ns2 on the kernel datapath.
set -u
. /usr/local/lib/kt.sh
echo "--- usdt list"
bpftrace -l "usdt:$KT_VSWITCHD:*"
echo "--- tracepoint list"
bpftrace -l 'tracepoint:openvswitch:*'
echo "--- kprobe count $(bpftrace -l 'kprobe:ovs_*' | wc -l)"

if ! kt-ovs-up 2; then
    echo "--- kt-ovs-up failed"; cat /run/openvswitch/*.log /run/openvswitch/daemons.stderr 2>/dev/null; exit 1
fi
sed "s|@VSWITCHD@|$KT_VSWITCHD|" probes.bt > probes-here.bt
attached=no
kt_bpftrace_start probes-here.bt bt.out bt.err && attached=yes
echo "--- attached $attached"
kt_ping_traced
echo "--- end"
[ "$attached" = yes ] && [ "$ping_rc" -eq 0 ] && [ "$bt_rc" -eq 0 ]
