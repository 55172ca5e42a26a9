#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/kernel/load_matrix.sh (runs in the kernel-tier guest): every "any" or "kernel" line of
# combos.txt (the host puts it, ovstrace and the bundled recipes next to this file) is run
# with `ovstrace run` against the kernel-datapath ovs-vswitchd until its probes are attached,
# for a second more, then SIGINT. The guest's kernel (Debian 12's or 13's) verifies the programs:
# that is the point.
# Prints "--- combo N STATUS ATTACHED" and the run's error lines for each.
set -u
. /usr/local/lib/kt.sh
if ! kt-ovs-up 2; then
    echo "--- kt-ovs-up failed"; cat /run/openvswitch/*.log /run/openvswitch/daemons.stderr 2>/dev/null; exit 1
fi
pid=$(cat /run/openvswitch/ovs-vswitchd.pid)
n=0
# The guest's bridge ports are v1 and v2 (the host's sandbox has p1).
grep -v '^#' combos.txt | grep -E '^(any|kernel) ' | sed 's/in_port(p1)/in_port(v1)/g' > combos.guest
while read -r where recipe args; do
    n=$((n + 1))
    # shellcheck disable=SC2086  # ARGS is a list of -p options
    ./ovstrace run "./$recipe.recipe" --pid "$pid" $args >out.txt 2>err.txt </dev/null &
    run=$!
    attached=no
    for i in $(seq 900); do
        grep -q 'attached; Ctrl-C' err.txt && { attached=yes; break; }
        kill -0 "$run" 2>/dev/null || break
        sleep 0.1
    done
    # Traffic while attached, so the programs run too.
    [ "$attached" = yes ] && { sleep 1; ovs-appctl dpctl/del-flows; ip netns exec ns1 ping -c 1 -W 2 10.0.0.2 >/dev/null 2>&1; }
    kt_sigint "$run"
    for i in $(seq 200); do kill -0 "$run" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$run" 2>/dev/null && { kt_sigint "$run"; sleep 3; kill -9 "$run" 2>/dev/null; }
    wait "$run"; status=$?
    echo "--- combo $n $status $attached $where $recipe $args"
    grep -i 'error' err.txt | grep -v RLIMIT_MEMLOCK | head -5 | sed 's/^/  /'
done < combos.guest
echo "--- end"
