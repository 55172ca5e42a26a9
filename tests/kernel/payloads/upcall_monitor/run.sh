#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/kernel/upcall_monitor.sh (runs in the kernel-tier guest): OVS on the
# kernel datapath, a compiled script (the host puts one *.bt next to this file: upcall_monitor
# or flow_reval_monitor)
# attached with bpftrace, one ping from ns1 to ns2, then SIGINT so the counts print.
# Prints sections ("--- NAME") that the host test reads.
set -u
. /usr/local/lib/kt.sh
if ! kt-ovs-up 2; then
    echo "--- kt-ovs-up failed"; cat /run/openvswitch/*.log /run/openvswitch/daemons.stderr 2>/dev/null; exit 1
fi
echo "--- dpif/show"
ovs-appctl dpif/show

t0=$(cut -d' ' -f1 /proc/uptime)
attached=no
kt_bpftrace_start "$(ls ./*.bt | head -1)" bt.out bt.err && attached=yes
echo "--- attached $attached after $(awk -v a="$t0" '{ printf "%.1f", $1 - a }' /proc/uptime) s"

kt_ping_traced
echo "--- dpctl/dump-flows"
ovs-appctl dpctl/dump-flows -m
echo "--- end"
[ "$attached" = yes ] && [ "$ping_rc" -eq 0 ] && [ "$bt_rc" -eq 0 ]
