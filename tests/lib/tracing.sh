# SPDX-License-Identifier: Apache-2.0
# Waiting for bpftrace on a busy machine: sourced by tests that must know when bpftrace has
# really attached its probes (tests/e2e/lib.sh, tests/load/run_load.sh, tests/soak/churn.sh).
#
# bpftrace 0.17 prints "Attaching N probes..." (ovstrace run: "N probes attached") before it
# attaches the first one, runs BEGIN, attaches the probes one by one, and only then starts
# its event loop, which waits in epoll_wait for its perf buffers. So its main thread sitting
# in epoll_wait (x86_64 syscall 232, or epoll_pwait 281, in /proc/PID/syscall) says every
# probe is attached. A fixed sleep after the "Attaching" line is not: on a busy machine
# attaching took over 8 s.

# bpftrace_of PID: PID if it is bpftrace, else the bpftrace among its descendants
# (ovstrace run's child, or timeout's).
bpftrace_of() {
    local c
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = bpftrace ] && { echo "$1"; return 0; }
    for c in $(pgrep -P "$1"); do bpftrace_of "$c" && return 0; done
    return 1
}

# in_event_loop BPFTRACE_PID: its main thread waits in epoll_wait now.
in_event_loop() {
    local nr rest
    # (2>/dev/null first: a process gone meanwhile, e.g. run's short-lived `bpftrace --version`,
    # makes the redirection itself fail, and the message would land in the test's output)
    read -r nr rest 2>/dev/null < "/proc/$1/syscall" && { [ "$nr" = 232 ] || [ "$nr" = 281 ]; }
}

# wait_tracing PID [SECONDS]: until the bpftrace that PID is (or runs) has attached every
# probe, up to SECONDS (60); false, with a note, if PID ends first or time runs out.
wait_tracing() {
    local bt i
    for ((i = 0; i < ${2:-60} * 10; i++)); do
        kill -0 "$1" 2>/dev/null || { echo "# pid $1 ended before bpftrace attached its probes"; return 1; }
        bt=$(bpftrace_of "$1") && in_event_loop "$bt" && return 0
        sleep 0.1
    done
    echo "# bpftrace (pid $1 or its child) not attached after ${2:-60} s"
    return 1
}

# interrupt_bpftrace PID: SIGINT to the bpftrace that PID is (or runs) while it waits in
# epoll_wait, again every 5 s while it runs on (bpftrace 0.17 loses a SIGINT that arrives
# outside epoll_wait), SIGKILL after 60 s; returns once PID has ended.
interrupt_bpftrace() {
    local bt i
    for ((i = 0; i < 600; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        if [ $((i % 50)) -eq 0 ] && bt=$(bpftrace_of "$1"); then
            for _ in $(seq 100); do in_event_loop "$bt" && break; sleep 0.01; done
            kill -INT "$bt" 2>/dev/null
        fi
        sleep 0.1
    done
    echo "# bpftrace (pid $1) still running 60 s after SIGINT: killed"
    kill -KILL "$1" 2>/dev/null
}
