#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Per-thread system call statistics against a controlled workload (tests/target/workload.c):
# its sleeper thread makes exactly N nanosleep calls of S us each, so the sleeper's
# nanosleep row must count N calls, total at least N*S us, and its longest call be at
# least S us; the spinner makes no nanosleep at all. Spans from sys_enter to sys_exit, keyed
# by thread, with the syscall named from the build's kernel headers.
. "$(dirname "$0")/lib.sh"
mount_tracefs
workload=$(dirname "$STANDIN")/workload
n=25 s=3000
"$workload" -g -n $n -s $s -p 200 > "$WORK/workload.out" &
wl=$!
for _ in $(seq 300); do grep -q '^ready' "$WORK/workload.out" && break; sleep 0.1; done
"$OVSTRACE" run "$(dirname "$0")/kernel_stats.recipe" --pid "$wl" >"$OUT" 2>"$ERR" &
run=$!
wait_tracing "$run"    # every probe attached (run says "attached" before bpftrace attaches)
kill -USR1 "$wl"
wait "$wl"
for _ in $(seq 100); do kill -0 "$run" 2>/dev/null || break; sleep 0.1; done
kill -INT "$run" 2>/dev/null
wait "$run"; RUN_STATUS=$?
check "run exits 0 when the workload ends ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
# "  sleeper, nanosleep  count 25, average 3,071,234, total 76,780,850"
row() { awk -v t="$1" -v k="$2" '$0 ~ "^" t && $1 == k "," && $2 == "nanosleep" { gsub(/,/, ""); print } ' "$OUT"; }
awk '/^system calls by thread/ { on = 1; next } /^$/ { on = 0 } on' "$OUT" > "$WORK/calls"
awk '/^longest call by thread/ { on = 1; next } /^$/ { on = 0 } on' "$OUT" > "$WORK/longest"
calls=$(awk '$1 == "sleeper," && $2 == "nanosleep" { gsub(/,/, ""); print $4 }' "$WORK/calls")
total=$(awk '$1 == "sleeper," && $2 == "nanosleep" { gsub(/,/, ""); print $8 }' "$WORK/calls")
longest=$(awk '$1 == "sleeper," && $2 == "nanosleep" { gsub(/,/, ""); print $3 }' "$WORK/longest")
check "the sleeper made $n nanosleep calls (counted ${calls:-none})" [ "${calls:-0}" -eq $n ]
check "they took at least $n x $s us in all (${total:-none} ns)" [ "${total:-0}" -ge $((n * s * 1000)) ]
check "the longest took at least $s us (${longest:-none} ns)" [ "${longest:-0}" -ge $((s * 1000)) ]
check "the spinner made no nanosleep" bash -c "! awk '\$1 == \"spinner,\" && \$2 == \"nanosleep\"' '$WORK/calls' | grep -q ."
sed 's/^/#   /' "$WORK/calls" | head -12
finish
