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
# bpftrace 0.23 reads a __data_loc field at the record + 4 * its offset (fixed in 0.24): the
# string is found from the first one (dp_name), as ovstrace does it (compiler/lower.c,
# data_loc_ref). Elsewhere str() reads it.
dev='str(args->dev_name)'
case $(bpftrace --version) in
    *v0.23.*) dev='str((uint64)$dp_name - 3 * offsetof(struct trace_event_raw_ovs_dp_upcall, __data) + (uint64)($dev_name - $dp_name) / 4)' ;;
esac
sed "s|@VSWITCHD@|$KT_VSWITCHD|; s|@DEV_NAME@|$dev|" probes.bt > probes-here.bt
attached=no
kt_bpftrace_start probes-here.bt bt.out bt.err && attached=yes
echo "--- attached $attached"
kt_ping_traced
echo "--- end"
[ "$attached" = yes ] && [ "$ping_rc" -eq 0 ] && [ "$bt_rc" -eq 0 ]
