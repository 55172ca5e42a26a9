#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/kernel/kernel_delay.sh (runs in the kernel-tier guest): `ovstrace run
# kernel_delay` (the host puts ovstrace and the recipe next to this file) against the
# kernel-datapath ovs-vswitchd, with windows opened and closed by kernel triggers, each
# around the upcalls of one ping. Prints sections ("--- NAME") that the host test reads.
set -u
. /usr/local/lib/kt.sh
if ! kt-ovs-up 2; then
    echo "--- kt-ovs-up failed"; cat /run/openvswitch/*.log /run/openvswitch/daemons.stderr 2>/dev/null; exit 1
fi
pid=$(cat /run/openvswitch/ovs-vswitchd.pid)
rc=0

# one_window NAME PARAM...: ovstrace run kernel_delay with PARAMs (one window, so it ends by
# itself) in the background; once BEGIN's "# Waiting for the start trigger" line is out
# (bpftrace prints it from its event loop, after attaching), one ping from ns1 to ns2 with
# the datapath's flows deleted first, so its packets are upcalls again.
one_window() {
    local name=$1; shift
    local args=() p
    for p in "$@"; do args+=(-p "$p"); done
    ovs-appctl dpctl/del-flows
    ./ovstrace run ./kernel_delay.recipe --pid "$pid" -p sample_count=1 "${args[@]}" >"$name.out" 2>"$name.err" &
    local run=$! i attached=no status
    for i in $(seq 1200); do
        grep -q '^# Waiting for the start trigger' "$name.out" && { attached=yes; break; }
        kill -0 "$run" 2>/dev/null || break
        sleep 0.1
    done
    ip netns exec ns1 ping -c 1 -W 5 10.0.0.2 >"$name.ping" 2>&1
    local ping_rc=$?
    for i in $(seq 300); do kill -0 "$run" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$run" 2>/dev/null; then
        echo "kt: ovstrace run still running 30 s after the ping: SIGINT" >&2
        kt_sigint "$run"
    fi
    wait "$run"; status=$?
    echo "--- $name attached $attached"
    echo "--- $name status $status"
    echo "--- $name ping status $ping_rc"
    sed 's/^/  /' "$name.ping"    # indented: its "--- statistics" line is not a section
    echo "--- $name stdout"
    cat "$name.out"
    echo "--- $name stderr"
    cat "$name.err"
    [ "$attached" = yes ] && [ "$status" -eq 0 ] || rc=1
}

# With the module loaded and kprobes in the kernel, check finds every kernel probe.
./ovstrace check ./kernel_datapath.recipe >check.out 2>&1
echo "--- check status $?"
sed 's/^/  /' check.out
echo "--- threads"
ps -T -o spid=,comm= -p "$pid"
# kprobe start, USDT stop: from the kernel's upcall to the handler thread that reads it.
one_window kprobe start_trigger=k:ovs_dp_upcall stop_trigger=u:dpif_recv:recv_upcall
# tracepoint start, kretprobe stop: from the upcall to the end of the handler's execute,
# with the syscall events printed after the window's statistics.
one_window kretprobe start_trigger=t:openvswitch:ovs_dp_upcall stop_trigger=kr:ovs_packet_cmd_execute \
    syscall_events=true stack_depth=4

# upcall_path (docs/language.md's example, put here by the host): each upcall followed from
# the kernel to the handler by its packet's fingerprint, each execute back to the kernel in
# order; one ping, then Ctrl-C (SIGINT to ovstrace, which passes it on).
ovs-appctl dpctl/del-flows
./ovstrace run ./upcall_path.recipe --pid "$pid" >path.out 2>path.err &
run=$!
kt_wait_attached "$run"
ip netns exec ns1 ping -c 1 -W 5 10.0.0.2 >path.ping 2>&1
echo "--- path ping status $?"
sleep 1
kt_sigint "$run"
for i in $(seq 300); do kill -0 "$run" 2>/dev/null || break; sleep 0.1; done
kill -0 "$run" 2>/dev/null && { kt_sigint "$run"; sleep 5; }
wait "$run"; echo "--- path status $?"
echo "--- path stdout"
cat path.out
echo "--- path stderr"
cat path.err
echo "--- end"
exit $rc
