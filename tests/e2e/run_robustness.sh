#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# How `ovstrace run` ends when things go wrong, with real bpftrace on the stand-in:
#   the target SIGKILLed mid-run     final statistics, status 0, "exited during the run"
#   bpftrace SIGKILLed               status 128+9, and a line saying the statistics are lost
#   bpftrace's own status            passed through (a bpftrace that exits 3 or 255: run exits so)
#   bpftrace failing before attach   its status, "nothing was traced", no "Lost events" line
#   bpftrace refusing the BPF stack  its refusal put on the recipe's line
#   a perf buffer too small          "Lost events: N" with N > 0, never more than fired
#   --pid of a gone/exited process   said before anything else, exit 1, empty stdout
# (Ctrl-C is run_interrupt.sh.)
. "$(dirname "$0")/lib.sh"
mount_tracefs

# wait_rounds FILE: until reval_monitor has printed a round (up to 60 s: bpftrace starts
# slowly on a busy machine).
wait_rounds() {
    for _ in $(seq 600); do grep -qE '^ +[0-9]+\.[0-9]{9} ' "$1" 2>/dev/null && return; sleep 0.1; done
}
# wait_gone PID: until PID has exited (up to 30 s); says so if it has not.
wait_gone() {
    for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    fail "pid $1 still running 30 s later"; kill -KILL "$1"
}

# 1. The target is SIGKILLed: bpftrace (-p) notices, ends, and the report is printed.
standin_start -r 50
"$OVSTRACE" run reval_monitor --pid "$STANDIN_PID" >"$OUT" 2>"$ERR" &
run=$!
wait_rounds "$OUT"
sleep 0.5
kill -KILL "$STANDIN_PID"; standin_wait
wait_gone "$run"; wait "$run"; status=$?
check "target killed: run exits 0 (status $status)" [ "$status" -eq 0 ]
check "target killed: final statistics printed" \
    awk '/^revalidator rounds seen:$/ { getline; if ($1 + 0 >= 1) ok = 1 } END { exit !ok }' "$OUT"
check "target killed: the last line says how many events were lost" [ "$(tail -1 "$OUT")" = "Lost events: 0" ]
check "target killed: run says the target exited during the run" grep -q "^ovstrace: ovs-vswitchd (pid [0-9]*) exited during the run" "$ERR"

# 2. bpftrace is SIGKILLed: no final statistics can come; run says so and exits 137.
standin_start -r 50
"$OVSTRACE" run reval_monitor --pid "$STANDIN_PID" >"$OUT" 2>"$ERR" &
run=$!
wait_rounds "$OUT"
bt=$(pgrep -P "$run" -x bpftrace)
check "bpftrace killed: found bpftrace, run's child (${bt:-none})" [ -n "$bt" ]
[ -n "$bt" ] && kill -KILL "$bt"
wait_gone "$run"; wait "$run"; status=$?
check "bpftrace killed: run exits 128+9 (status $status)" [ "$status" -eq 137 ]
check "bpftrace killed: run says the final statistics were not printed" \
    grep -q "^ovstrace: bpftrace was killed by signal 9 .*final statistics were not printed" "$ERR"
check "bpftrace killed: the target is still alive" kill -0 "$STANDIN_PID"

# 3. run exits with bpftrace's status: a bpftrace that attaches, prints, and exits 3.
fake=$WORK/bpftrace-exit3
cat > "$fake" <<'EOF'
#!/bin/sh
printf '%s\n' '{"type": "attached_probes", "data": {"probes": 1}}'
printf '%s\n' '{"type": "printf", "data": "from the fake bpftrace\n"}'
exit 3
EOF
chmod +x "$fake"
"$OVSTRACE" run reval_monitor --pid "$STANDIN_PID" --bpftrace "$fake" >"$OUT" 2>"$ERR"; status=$?
check "bpftrace's status: run exits 3 (status $status)" [ "$status" -eq 3 ]
check "bpftrace's status: its output rendered, then the lost-events line" \
    [ "$(cat "$OUT")" = $'from the fake bpftrace\n\nLost events: 0' ]
# bpftrace exits 255 when the kernel refuses a program after it said "Attaching" (a busy
# machine's integration run saw one): a status, not 128 + signal 127.
sed 's/^exit 3$/echo "ERROR: Error loading program: END (try -v)" >\&2; exit 255/' "$fake" > "$WORK/bpftrace-exit255"
chmod +x "$WORK/bpftrace-exit255"
"$OVSTRACE" run reval_monitor --pid "$STANDIN_PID" --bpftrace "$WORK/bpftrace-exit255" >"$OUT" 2>"$ERR"; status=$?
check "bpftrace's status 255: run exits 255 (status $status), bpftrace's error shown, no signal named" \
    bash -c "[ $status -eq 255 ] && grep -q '^ERROR: Error loading program: END' '$ERR' && ! grep -q 'killed by signal' '$ERR'"

# 4. bpftrace fails before attaching: nothing was traced, so no lost-events line either.
"$OVSTRACE" run reval_monitor --pid "$STANDIN_PID" --bpftrace /bin/false >"$OUT" 2>"$ERR"; status=$?
check "bpftrace failing at start: run exits 1 (status $status)" [ "$status" -eq 1 ]
check "bpftrace failing at start: stdout is empty" [ ! -s "$OUT" ]
check "bpftrace failing at start: run says nothing was traced" \
    grep -q "^ovstrace: bpftrace stopped (status 1) before attaching its probes: nothing was traced$" "$ERR"
# 4b. bpftrace refuses a probe for the BPF stack (a recipe ovstrace's estimate lets by):
# run puts bpftrace's LLVM message on the recipe's line. From 0.21 on bpftrace builds a
# printf's arguments outside the stack, and this recipe runs (tests/limits/cases say so).
big=$(dirname "$0")/../limits/cases/printf_field_reads.recipe
if bt_before 0.21; then
    "$OVSTRACE" run "$big" --pid "$STANDIN_PID" >"$OUT" 2>"$ERR"; status=$?
    check "stack refusal: run exits 1 with stdout empty (status $status)" [ "$status" -eq 1 -a ! -s "$OUT" ]
    check "stack refusal: explained on the recipe's probe, line 6" \
        grep -qE "^.*printf_field_reads\.recipe:6:5: error: bpftrace $BT_VERSION cannot fit probe [^ ]+ into the 512-byte BPF stack" "$ERR"
else
    echo "# stack refusal: bpftrace $BT_VERSION builds printf_field_reads (printf arguments off the stack)"
fi
kill "$STANDIN_PID"; standin_wait

# 5. Lost events: the smallest perf buffer (1 page a CPU) and a flood of puts and deletes.
# Every event fired while bpftrace was attached was printed or counted lost, so
# printed + lost cannot pass what the stand-in fired, and lost must not be 0.
standin_start -g -n 300 -r 1 -f 400 -a 1 -m 1
BPFTRACE_PERF_RB_PAGES=1 run_recipe flow_reval_monitor
last=$(tail -1 "$OUT")
lost=$(sed -n 's/^Lost events: \([0-9]*\).*/\1/p' "$OUT" | tail -1)
printed=$(grep -cE '^[0-9]+ +[0-9]+\.[0-9]{9} [0-9a-f-]{36} ' "$OUT")
fired=$(awk -F'\t' '$1 == "dpif_netlink_operate__:op_flow_put" || $1 == "revalidate:flow_result" ||
                    $1 == "revalidator_sweep__:flow_sweep_result"' "$TRUTH" | wc -l)
check "lost events: run exits 0 (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "lost events: the last line counts them, with advice ($last)" \
    grep -qE "^Lost events: [1-9][0-9]* \(bpftrace's perf buffer was full; .*BPFTRACE_PERF_RB_PAGES" <<< "$last"
check "lost events: printed $printed + lost ${lost:-none} <= fired $fired, some printed" \
    [ "${lost:-0}" -gt 0 -a "$printed" -gt 0 -a $((printed + ${lost:-0})) -le "$fired" ]

# 6. --pid of a process that is gone (one reaped just now), or has exited and not been
# reaped (a zombie).
sleep 0 & gone=$!; wait "$gone"
"$OVSTRACE" run reval_monitor --pid "$gone" >"$OUT" 2>"$ERR"; status=$?
check "no such pid: exit 1, stdout empty, said first" \
    bash -c "[ $status -eq 1 ] && [ ! -s '$OUT' ] && head -1 '$ERR' | grep -qx 'ovstrace: error: no process $gone (--pid)'"
parent=$(bash -c 'sleep 0.1 & echo $! > '"$WORK"'/zombie; exec sleep 60' >/dev/null 2>&1 & echo $!)
# until the child has exited (a zombie: its parent, now sleep, never reaps it), up to 30 s
for _ in $(seq 300); do
    zombie=$(cat "$WORK/zombie" 2>/dev/null)
    [ -n "$zombie" ] && [ "$(awk '{ print $3 }' "/proc/$zombie/stat" 2>/dev/null)" = Z ] && break
    sleep 0.1
done
check "a zombie for the next check (pid $zombie, state $(awk '{ print $3 }' "/proc/$zombie/stat" 2>/dev/null))" \
    bash -c "[ \"\$(awk '{ print \$3 }' /proc/$zombie/stat)\" = Z ]"
"$OVSTRACE" run reval_monitor --pid "$zombie" >"$OUT" 2>"$ERR"; status=$?
check "exited pid: exit 1, stdout empty, 'has exited' rather than /proc/N/exe" \
    bash -c "[ $status -eq 1 ] && [ ! -s '$OUT' ] && head -1 '$ERR' | grep -qx 'ovstrace: error: process $zombie has exited (--pid)'"
kill "$parent" 2>/dev/null
finish
