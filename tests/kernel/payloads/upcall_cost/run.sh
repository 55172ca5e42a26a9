#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/kernel/upcall_cost.sh (runs in the kernel-tier guest): `ovstrace run
# upcall_cost` (recording) and `ovstrace run dpif_op_nl_monitor` side by side on the
# kernel-datapath ovs-vswitchd (the host puts ovstrace and both recipes next to this file),
# one ping from ns1 to ns2 with the datapath's flows deleted first (so ARP and ICMP, both
# ways, are upcalls), then SIGINT to both. Prints sections ("--- NAME") the host test reads.
set -u
. /usr/local/lib/kt.sh
if ! kt-ovs-up 2; then
    echo "--- kt-ovs-up failed"; cat /run/openvswitch/*.log /run/openvswitch/daemons.stderr 2>/dev/null; exit 1
fi
pid=$(cat /run/openvswitch/ovs-vswitchd.pid)

./ovstrace check ./upcall_cost.recipe >check.out 2>&1
echo "--- check status $?"
sed 's/^/  /' check.out

ovs-appctl dpctl/del-flows
./ovstrace run ./upcall_cost.recipe --pid "$pid" --record upcall_cost.rec >uc.out 2>uc.err &
uc=$!
./ovstrace run ./dpif_op_nl_monitor.recipe --pid "$pid" -p del=false -p get=false >nl.out 2>nl.err &
nl=$!
attached=no
# Each banner is BEGIN's output, which bpftrace prints from its event loop: that starts after
# its last probe is attached, so no pause is needed after it (there was a 2 s one).
for i in $(seq 1200); do
    grep -q '^Tracing upcall_cost' uc.out && grep -q '^Tracing dpif_op_nl_monitor' nl.out && { attached=yes; break; }
    kill -0 "$uc" 2>/dev/null && kill -0 "$nl" 2>/dev/null || break
    sleep 0.1
done
echo "--- attached $attached"
ip netns exec ns1 ping -c 1 -W 5 10.0.0.2 >ping.out 2>&1
echo "--- ping status $?"
sed 's/^/  /' ping.out
sleep 1
for p in "$uc" "$nl"; do kt_sigint "$p"; done
for i in $(seq 300); do kill -0 "$uc" 2>/dev/null || kill -0 "$nl" 2>/dev/null || break; sleep 0.1; done
for p in "$uc" "$nl"; do kill -0 "$p" 2>/dev/null && kt_sigint "$p"; done
wait "$uc"; echo "--- upcall_cost status $?"
wait "$nl"; echo "--- dpif_op_nl_monitor status $?"
echo "--- upcall_cost stdout"
cat uc.out
echo "--- upcall_cost stderr"
cat uc.err
echo "--- dpif_op_nl_monitor stdout"
cat nl.out
echo "--- dpif_op_nl_monitor stderr"
cat nl.err
# The recording, for the host to replay (the serial console is the only way out).
echo "--- recording"
cat upcall_cost.rec
echo "--- end"
