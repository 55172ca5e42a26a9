#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The four window modes, decided in BPF, on the stand-in (main loop every 50 ms):
# time windows with an interval, start trigger + time, stop trigger, both triggers with
# the stop-start delta, windows skipped for a delta below min_delta, and no window after
# the last of `count` while bpftrace gets to its exit(). Windows and gaps
# last at least what was asked; a busy machine may make them longer and the main loop
# slower, so durations are bounded from below only and iteration counts from above.
. "$(dirname "$0")/lib.sh"
RECIPE=$(dirname "$0")/window_modes.recipe

# seconds TIMESTAMP_LINE: the @YYYY-MM-DDTHH:MM:SS.ffffff of a window line, as seconds of the day.
secs() { sed 's/.*@[0-9-]*T//' | awk -F: '{ printf "%.6f\n", $1 * 3600 + $2 * 60 + $3 }'; }
# durations START_RE STOP_RE: for each window, stop time - start time, in ms.
durations() {
    grep -E "$1" "$OUT" | secs > "$WORK/starts"
    grep -E "$2" "$OUT" | secs > "$WORK/stops"
    paste "$WORK/starts" "$WORK/stops" | awk '{ printf "%d\n", ($2 - $1) * 1000 }'
}
all_between() { awk -v lo="$1" -v hi="$2" 'NF { n++; if ($1 < lo || $1 > hi) bad++ } END { exit !(n > 0 && !bad) }'; }
all_at_least() { all_between "$1" inf; }
# trigger_delta_ok: each reported delta equals its stop trigger@ minus its start trigger@.
trigger_deltas_match() {
    awk '/^# Start sampling \(trigger@/ { s = $4; sub(/.*@/, "", s); sub(/\).*/, "", s) }
         /^# Stop sampling \(trigger@/ { e = $4; sub(/.*@/, "", e); sub(/\).*/, "", e) }
         /delta [0-9]+ ns/ { d = $0; sub(/.*delta /, "", d); sub(/ ns.*/, "", d); n++; if (d != e - s) bad++ }
         END { exit !(n > 0 && !bad) }' "$OUT"
}
count_of() { grep -c -E "$1" "$OUT"; }

mount_tracefs

# 1. Time mode: three 300 ms windows, 200 ms apart; the run ends by itself. The main loop
#    runs from the start: the windows open when bpftrace has attached (BEGIN).
standin_start -w 0 -m 50
compile_and_run "$RECIPE" -p time=300ms -p interval=200ms -p count=3
kill "$STANDIN_PID" 2>/dev/null; standin_wait
check "time: ends by itself (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "time: 3 windows opened, closed, dumped" [ "$(count_of '^# Start sampling @')" -eq 3 -a "$(count_of '^# Stop sampling @')" -eq 3 -a "$(count_of '^# Sample dump @')" -eq 3 ]
check "time: each window lasts at least 300 ms ($(durations '^# Start sampling' '^# Stop sampling' | paste -sd' '))" \
    all_at_least 299 < <(durations '^# Start sampling' '^# Stop sampling')
grep '^# Stop sampling' "$OUT" | secs | head -2 > "$WORK/ends"; grep '^# Start sampling' "$OUT" | secs | tail -2 > "$WORK/next"
check "time: at least 200 ms between windows" all_at_least 199 < <(paste "$WORK/ends" "$WORK/next" | awk '{ printf "%d\n", ($2 - $1) * 1000 }')
# An iteration sleeps 50 ms: a window of D ms holds at most D/50 + 1 of them, and the main
# loop ran in some window.
paste <(durations '^# Start sampling' '^# Stop sampling') <(grep '^@iterations' "$OUT" | awk '{ print $NF }') > "$WORK/iters"
check "time: at most one iteration per 50 ms of window, some in all ($(paste -sd' ' "$WORK/iters"))" \
    awk 'NF == 2 { n++; it += $2; if ($2 > int($1 / 50) + 1) bad = 1 } END { exit !(n == 3 && it > 0 && !bad) }' "$WORK/iters"

# 2. Start trigger only: a window opens at poll_block and lasts 500 ms; poll_block keeps
#    firing while it is open (every 50 ms, or a few times in 500 ms on a busy machine):
#    those starts are counted as missed.
standin_start -g -m 50
compile_and_run "$RECIPE" -p start=u:main:poll_block -p time=500ms -p count=2
kill "$STANDIN_PID" 2>/dev/null; standin_wait
check "start: ends by itself (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "start: waits for its trigger first" grep -q '^# Waiting for the start trigger, u:main:poll_block' "$OUT"
check "start: 2 triggered windows" [ "$(count_of '^# Start sampling \(trigger@[0-9]+\) @')" -eq 2 ]
check "start: each lasts at least 500 ms ($(durations '^# Start sampling' '^# Stop sampling' | paste -sd' '))" \
    all_at_least 499 < <(durations '^# Start sampling' '^# Stop sampling')
check "start: missed start triggers reported" grep -qE '^# WARNING: [1-9][0-9]* start triggers came while a window' "$OUT"

# 3. Stop trigger only: windows open at once and close at sweep_done (time is not used).
standin_start -g -r 100
compile_and_run "$RECIPE" -p stop=u:udpif_revalidator:sweep_done -p count=3
kill "$STANDIN_PID" 2>/dev/null; standin_wait
check "stop: ends by itself (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "stop: 3 windows opened without a trigger" [ "$(count_of '^# Start sampling @')" -eq 3 ]
check "stop: 3 closed by the trigger" [ "$(count_of '^# Stop sampling \(trigger@[0-9]+\) @')" -eq 3 ]
check "stop: 3 dumps" [ "$(count_of '^# Sample dump @')" -eq 3 ]

# 4. Both triggers: poll_block -> run_start is the main loop's 50 ms sleep.
standin_start -g -m 50
compile_and_run "$RECIPE" -p start=u:main:poll_block -p stop=u:main:run_start -p count=2 -p min_delta=30ms
kill "$STANDIN_PID" 2>/dev/null; standin_wait
check "both: ends by itself (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "both: 2 triggered dumps" [ "$(count_of '^# Triggered sample dump, stop-start delta [0-9]+ ns @')" -eq 2 ]
check "both: delta = stop trigger - start trigger" trigger_deltas_match
check "both: deltas at least the 50 ms sleep" all_at_least 50000000 < <(grep -o 'delta [0-9]*' "$OUT" | awk '{ print $2 }')
check "both: no window skipped" [ "$(count_of 'skipped')" -eq 0 ]

# 5. Both triggers, min_delta far above the 50 ms sleep (a busy machine may stretch it, not
#    to 5 s): every window is skipped, none counted.
standin_start -g -m 50 -n 8 -r 100
compile_and_run "$RECIPE" -p start=u:main:poll_block -p stop=u:main:run_start -p count=2 -p min_delta=5s
standin_wait
check "skip: windows skipped with their delta" [ "$(count_of '^# Sample dump skipped, delta [0-9]+ ns @')" -ge 3 ]
check "skip: skipped delta = stop trigger - start trigger" trigger_deltas_match
check "skip: nothing dumped" [ "$(count_of 'Triggered sample dump')" -eq 0 ]
check "skip: skipped deltas are below 5 s" all_between 0 4999999999 < <(grep -o 'delta [0-9]*' "$OUT" | awk '{ print $2 }')

# 6. count windows, then no more: exit() takes effect when bpftrace reads it, which on a busy
#    machine came over a second after the last window while the triggers went on firing.
#    Here bpftrace is held up on purpose (SIGSTOP) after its one window (run_start to the
#    first round's sweep_done; the next round is 5 s away) while the main loop runs on: no
#    second window may open, which END would report as an untriggered "Stop sampling".
"$OVSTRACE" compile "$RECIPE" -p start=u:main:run_start -p stop=u:udpif_revalidator:sweep_done -p count=1 \
    > "$WORK/once.bt"
standin_start -g -m 50 -r 5000 -n 2
timeout 60 "$BPFTRACE" -p "$STANDIN_PID" "$WORK/once.bt" "$STANDIN_PID" >"$OUT" 2>"$ERR" &
bt=$!
wait_tracing "$bt"
held=$(bpftrace_of "$bt")
kill -STOP "$held"
kill -USR1 "$STANDIN_PID"
# until the main loop has run a few times after the first round (the window's close)
for _ in $(seq 300); do
    awk -F'\t' '$1 == "udpif_revalidator:sweep_done" { d = 1 } d && $1 == "main:run_start" { n++ } END { exit n < 3 }' "$TRUTH" && break
    sleep 0.1
done
kill -CONT "$held"
wait "$bt"; RUN_STATUS=$?
kill "$STANDIN_PID" 2>/dev/null; standin_wait
check "count: ends by itself after its window (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "count: one window, opened and closed by its triggers, none after ($(grep -c '^# Stop sampling' "$OUT") stops)" \
    [ "$(grep -c '^# Start sampling (trigger' "$OUT")" -eq 1 -a "$(grep -c '^# Stop sampling' "$OUT")" -eq 1 ]
finish
