#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --target PATH: the script names the binary itself (no bpftrace -p), so it also sees
# a process started after it attached; uprobes on the binary's functions work too.
. "$(dirname "$0")/lib.sh"
mount_tracefs
cat > "$WORK/calls.recipe" <<'RECIPE'
name: calls
summary: Revalidator rounds seen three ways.
aggregates:
  rounds:
    on: usdt:udpif_revalidator:start_dump
    value: count()
  revalidate_calls:
    on: uprobe:revalidate
    value: count()
  bridge_runs:
    on: up:bridge_run
    value: count()
  sweeps_done:
    on: ur:revalidator_sweep
    value: count()
RECIPE
"$OVSTRACE" compile "$WORK/calls.recipe" --target "$STANDIN" -o "$WORK/calls.bt" || fail "compile with --target"
check "attach points name the binary" grep -q "^usdt:$STANDIN:udpif_revalidator:start_dump$" "$WORK/calls.bt"
check "uprobe on the binary" grep -q "^uprobe:$STANDIN:revalidate$" "$WORK/calls.bt"
check "uretprobe on the binary" grep -q "^uretprobe:$STANDIN:revalidator_sweep$" "$WORK/calls.bt"
"$BPFTRACE" "$WORK/calls.bt" >"$OUT" 2>"$ERR" &
bt=$!
wait_tracing "$bt"    # attached before the process exists
"$STANDIN" -q -l "$TRUTH" -n 10 -r 100 -m 50
interrupt_bpftrace "$bt"
wait "$bt"
rounds=$(truth udpif_revalidator:start_dump round | wc -l)
runs=$(truth main:run_start iter | wc -l)
check "every round counted by USDT ($rounds)" grep -q "^@rounds\[\]: $rounds$" "$OUT"
check "every round counted by uprobe:revalidate" grep -q "^@revalidate_calls\[\]: $rounds$" "$OUT"
check "every round counted by uretprobe:revalidator_sweep" grep -q "^@sweeps_done\[\]: $rounds$" "$OUT"
check "every main-loop iteration counted by uprobe:bridge_run ($runs)" grep -q "^@bridge_runs\[\]: $runs$" "$OUT"
expect_fail=$("$OVSTRACE" compile "$WORK/calls.recipe" 2>&1 >/dev/null)
check "a uprobe without --target/--pid is refused" grep -q 'a uprobe needs the binary' <<<"$expect_fail"
finish
