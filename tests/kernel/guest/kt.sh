# SPDX-License-Identifier: Apache-2.0
# Helpers for payload run.sh scripts in the kernel-tier guest: . /usr/local/lib/kt.sh
#
# kt_bpftrace_start SCRIPT OUT ERR: start bpftrace on SCRIPT in the background (its pid in
#   KT_BT_PID, stdout to OUT, stderr to ERR) and return once every probe is attached, or
#   fail after 120 s or if bpftrace exits. SCRIPT must print something in BEGIN.
#   Why not just wait for "Attaching N probes...": bpftrace 0.17 prints that before it
#   attaches anything, and a SIGINT that arrives before its event loop starts is lost (the
#   handler only sets a flag that the loop looks at on EINTR or on an event), so bpftrace
#   would run on until a probe prints. It runs BEGIN before attaching the other probes,
#   but prints BEGIN's output from the event loop, so that output is the signal.
# kt_bpftrace_stop: SIGINT to KT_BT_PID, wait for it (maps print at exit); returns
#   bpftrace's status. bpftrace 0.17 also loses a SIGINT that arrives while its event loop
#   is outside epoll_wait (reading events, or between two 100 ms waits; under TCG about
#   one SIGINT in 20 was lost): it then runs on until a probe prints. So the SIGINT goes
#   when /proc says bpftrace sits in epoll_wait, and if its output has not moved 5 s later
#   (it prints END's output and then its maps once it leaves the loop) it goes again,
#   with a note on stderr. Not sooner: a second SIGINT after the loop kills bpftrace
#   before it prints its maps. Killed after 30 s.
KT_BT_PID= KT_BT_OUT=

kt_bpftrace_start() {
    local script=$1 out=$2 err=$3
    # One user-symbol cache, as ovstrace run asks of bpftrace 0.17 (each new one made by bcc
    # before 0.33 closes a random descriptor: docs/hardening.md); 0.23 takes 1 as well.
    BPFTRACE_CACHE_USER_SYMBOLS=1 bpftrace "$script" >"$out" 2>"$err" &
    KT_BT_PID=$! KT_BT_OUT=$out
    local i
    for i in $(seq 1200); do
        # A line after "Attaching N probes..." comes from BEGIN, through the event loop.
        awk 'seen { found = 1; exit } /^Attaching [0-9]+ probes?\.\.\.$/ { seen = 1 } END { exit !found }' "$out" && return 0
        kill -0 "$KT_BT_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# kt_wait_attached PID: until the bpftrace that PID is or runs (ovstrace run's child) waits in
# epoll_wait, every probe attached, up to 120 s; 1 if PID ends first. Output from BEGIN is no
# sign: a ping sent when "Tracing ..." shows can make upcalls the last probes miss.
kt_wait_attached() {
    local bt nr rest i
    for i in $(seq 1200); do
        kill -0 "$1" 2>/dev/null || return 1
        read -r bt rest < "/proc/$1/task/$1/children" 2>/dev/null || bt=
        [ -n "$bt" ] || bt=$1
        read -r nr rest < "/proc/$bt/syscall" 2>/dev/null
        [ "$nr" = 232 ] || [ "$nr" = 281 ] && return 0    # x86_64 epoll_wait, epoll_pwait
        sleep 0.1
    done
    return 1
}

# kt_sigint PID: SIGINT once PID's (single) thread waits in epoll_wait, or after 1 s.
kt_sigint() {
    local nr rest i
    for i in $(seq 100); do
        read -r nr rest < "/proc/$1/syscall" 2>/dev/null || break
        [ "$nr" = 232 ] || [ "$nr" = 281 ] && break    # x86_64 epoll_wait, epoll_pwait
        sleep 0.01
    done
    kill -INT "$1" 2>/dev/null
}

kt_bpftrace_stop() {
    local pid=$KT_BT_PID out=$KT_BT_OUT size i
    [ -n "$pid" ] || return 1
    size=$(stat -c %s "$out")
    kt_sigint "$pid"
    for i in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || break
        if [ $((i % 50)) -eq 0 ] && [ "$(stat -c %s "$out")" = "$size" ]; then
            echo "kt: bpftrace ignored SIGINT (bpftrace 0.17 loses one outside epoll_wait): sent it again" >&2
            kt_sigint "$pid"
        fi
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "kt: bpftrace still running 30 s after SIGINT: killing it" >&2
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid"
}

# kt_ping_traced: one ping from ns1 to ns2 while bpftrace (started by kt_bpftrace_start
# with bt.out/bt.err) traces it; stop bpftrace and print the sections the host test reads.
# Sets ping_rc and bt_rc.
kt_ping_traced() {
    ip netns exec ns1 ping -c 3 -i 0.2 -W 2 10.0.0.2 >ping.out 2>&1
    ping_rc=$?
    sleep 0.5    # let bpftrace drain its perf buffers before it stops
    kt_bpftrace_stop
    bt_rc=$?
    echo "--- ping status $ping_rc"
    cat ping.out
    echo "--- bpftrace status $bt_rc"
    echo "--- bpftrace stdout"
    cat bt.out
    echo "--- bpftrace stderr"
    cat bt.err
}
