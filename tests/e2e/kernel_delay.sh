#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kernel_delay against a controlled workload (tests/target/workload.c): the sleeper makes
# exactly N nanosleep calls of S us, the spinner spins P ms without a system call. In one
# time window that covers both: the sleeper's nanosleep row counts N calls, at least N*S in
# total and S at the longest; it was made ready at least N times (each sleep ends in a
# wake-up); the spinner's run time is its P ms of spinning. Both threads exit before the
# report: their names come from the script. The compiled script alone prints the same counts.
. "$(dirname "$0")/lib.sh"
mount_tracefs
workload=$(dirname "$STANDIN")/workload
n=25 s=3000 p=400

# start_traced TRACER: start the workload, then the function TRACER (it traces $wl, output in
# $OUT/$ERR); signal the workload to begin once the tracer has attached; wait for both.
start_traced() {
    "$workload" -g -n $n -s $s -p $p > "$WORK/workload.out" &
    wl=$!
    for _ in $(seq 300); do grep -q '^ready' "$WORK/workload.out" && break; sleep 0.1; done
    "$@" >"$OUT" 2>"$ERR" &
    tracer=$!
    wait_tracing "$tracer"    # every probe attached ("Attaching N probes" comes before)
    kill -USR1 "$wl"
    wait "$wl"
    for _ in $(seq 100); do kill -0 "$tracer" 2>/dev/null || break; sleep 0.1; done
    kill -INT "$tracer" 2>/dev/null
    wait "$tracer"; RUN_STATUS=$?
}

# section THREAD SECTION: the data rows of SECTION in THREAD's block, separators removed.
section() {
    awk -v t="$1" -v s="[$2]" '
        /^ +[0-9]+ [^ ]+ +\[/ { thread = $2 }
        /\[[A-Z ]+STATISTICS\]/ { cur = substr($0, index($0, "[")); hdr = 1; next }
        /^$/ { cur = "" }
        thread == t && cur == s { if (hdr) { hdr = 0; next } gsub(/,/, ""); print }' "$OUT"
}

with_run() { "$OVSTRACE" run kernel_delay --pid "$wl" -p sample_time=10s; }
start_traced with_run
check "run ends when the workload does ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "upstream's layout: header and thread blocks" grep -q '^TID        THREAD           <RESOURCE SPECIFIC>$' "$OUT"
check "exited threads keep their names" grep -qE '^ +[0-9]+ sleeper +\[SYSCALL STATISTICS\]$' "$OUT"
read -r calls total longest < <(section sleeper "SYSCALL STATISTICS" | awk '$1 == "nanosleep" { print $3, $4, $5 }')
check "the sleeper made $n nanosleep calls (${calls:-none})" [ "${calls:-0}" -eq $n ]
check "in all at least $n x $s us (${total:-none} ns)" [ "${total:-0}" -ge $((n * s * 1000)) ]
check "the longest at least $s us (${longest:-none} ns)" [ "${longest:-0}" -ge $((s * 1000)) ]
check "no poll: the TOTAL( - poll) row counts every call" \
    [ "$(section sleeper "SYSCALL STATISTICS" | awk '$1 ~ /^TOTAL/ { print $(NF-1) }')" = \
      "$(section sleeper "SYSCALL STATISTICS" | awk '$1 !~ /^TOTAL/ { c += $3 } END { print c }')" ]
# Run and ready times need the switch-ins and wake-ups other tasks make: bpftrace 0.24 and
# later apply -p to kernel probes too, so there run attaches by path without -p (cmd_run.c).
ready=$(section sleeper "THREAD READY STATISTICS" | awk '{ print $1 }')
check "the sleeper was made ready at least $n times (${ready:-none})" [ "${ready:-0}" -ge $n ]
run=$(section spinner "THREAD RUN STATISTICS" | awk '{ print $2 }')
# It spins for $p ms of wall time: on a CPU, or runnable while a busy machine runs others.
waited=$(section spinner "THREAD READY STATISTICS" | awk '{ print $2 }')
check "the spinner ran its $p ms (${run:-none} ns on a CPU, ${waited:-0} ns ready)" \
    [ $((${run:-0} + ${waited:-0})) -ge $((p * 900000)) -a "${run:-0}" -le $((p * 1200000 + 50000000)) ]
check "run has no warning about -p hiding other tasks' events" bash -c "! grep -q 'filters every probe' '$ERR'"
check "the spinner made no nanosleep" bash -c "! grep -q nanosleep < <(awk -v t=spinner '/^ +[0-9]+ [^ ]+ +\\[/ { th = \$2 } th == t' '$OUT')"
sed -n '/^TID/,$p' "$OUT" | head -30 | sed 's/^/#   /'

# Per-call events: every nanosleep (S us) is longer than S/2, and every event printed is
# (the sleeper's futex wait at the start barrier may be too); events carry their stacks.
with_events() { TZ=CET-1 "$OVSTRACE" run kernel_delay --pid "$wl" -p sample_time=10s -p syscall_events=true \
                    -p syscall_events_min=$((s / 2))us -p stack_depth=4 --record "$WORK/events.rec"; }
start_traced with_events; cp "$OUT" "$WORK/events.txt"
sleeper=$(awk '$1 == "sleeper" { print $2 }' "$WORK/workload.out")
events=$(awk -v t="$sleeper" '$3 == t && $NF == "nanosleep"' "$WORK/events.txt" | wc -l)
check "syscall events: the sleeper's $n nanosleeps, each longer than $((s / 2)) us ($events)" [ "$events" -eq $n ]
short=$(awk -v t="$sleeper" -v min=$((s / 2)) '$3 == t { d = $5; gsub(/,/, "", d); if (d + 0 <= min) print }' "$WORK/events.txt" | wc -l)
check "syscall events: none of $((s / 2)) us or less ($short)" [ "$short" -eq 0 ]
check "syscall events: kernel stacks printed" grep -q 'do_syscall_64' "$WORK/events.txt"
# As upstream: the events after the window's statistics, under their title and header.
order=$(awk '/STATISTICS\]$/ { s = NR } /^# SYSCALL EVENTS:$/ { t = NR } /nanosleep *$/ && !e { e = NR }
             END { print (s && t > s && e > t + 1) ? "after" : "not after" }' "$WORK/events.txt")
check "syscall events: printed after the statistics, under # SYSCALL EVENTS: ($order)" [ "$order" = after ]
check "syscall events: the column header under the title" \
    grep -A1 '^# SYSCALL EVENTS:$' "$WORK/events.txt" | grep -qE '^ENTRY \(ns\) +EXIT \(ns\) +TID +COMM +DELTA \(us\) +SYSCALL'
check "window lines with upstream's UTC time" \
    grep -qE '^# Sample dump @[0-9-]+T[0-9:.]+ \([0-9]{2}:[0-9]{2}:[0-9]{2} UTC\)$' "$WORK/events.txt"

# Record and replay: the report printed again from the recording, in another time zone,
# after the workload's threads are gone, is the run's byte for byte.
TZ=UTC "$OVSTRACE" report kernel_delay "$WORK/events.rec" > "$WORK/replayed.txt" 2>"$WORK/replay.err"
check "report: the recording prints the run's report again, byte for byte" cmp "$WORK/events.txt" "$WORK/replayed.txt"
check "report: the thread names the run looked up are in the recording" grep -qE '^\{"ovstrace_thread": \[[0-9]+, "[^"]*"\]\}$' "$WORK/events.rec"
check "report: refuses a recording of another recipe" \
    bash -c "'$OVSTRACE' report bridge_loop '$WORK/events.rec' 2>&1 | grep -q 'is a recording of kernel_delay, not of bridge_loop'"
check "report: refuses a file that is not a recording" \
    bash -c "'$OVSTRACE' report kernel_delay '$WORK/events.txt' 2>&1 | grep -q 'not a recording of ovstrace run --record'"

"$OVSTRACE" compile kernel_delay -p sample_time=10s > "$WORK/kd.bt"
with_bpftrace() { "$BPFTRACE" "$WORK/kd.bt" -p "$wl" "$wl"; }
start_traced with_bpftrace
sleeper=$(awk '$1 == "sleeper" { print $2 }' "$WORK/workload.out")
check "plain bpftrace: the sleeper's nanosleep count ($(grep "^@syscalls_count\[$sleeper, nanosleep\]" "$OUT"))" \
    grep -q "^@syscalls_count\[$sleeper, nanosleep\]: $n$" "$OUT"
check "plain bpftrace: section titles" grep -q '^\[THREAD RUN STATISTICS\]$' "$OUT"
finish
