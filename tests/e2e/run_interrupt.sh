#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Ctrl-C: SIGINT to `ovstrace run` reaches bpftrace (once), the final statistics
# are printed, and run exits with bpftrace's status (0). The target keeps running.
. "$(dirname "$0")/lib.sh"
mount_tracefs
standin_start -w 0 -n 0 -r 100
"$OVSTRACE" run reval_monitor --pid "$STANDIN_PID" >"$OUT" 2>"$ERR" &
run_pid=$!
# Wait until rounds are being printed (up to 60 s: bpftrace starts slowly on a busy
# machine), then interrupt.
for _ in $(seq 600); do grep -qE '^ +[0-9]+\.[0-9]{9} ' "$OUT" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT "$run_pid"
for _ in $(seq 300); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$run_pid" 2>/dev/null; then fail "ovstrace run still running 30 s after SIGINT"; kill -KILL "$run_pid"; fi
wait "$run_pid"; status=$?
check "run exits 0 after SIGINT (status $status)" [ "$status" -eq 0 ]
check "final statistics printed" awk '/^revalidator rounds seen:$/ { getline; if ($1 + 0 >= 1) ok = 1 } END { exit !ok }' "$OUT"
check "rounds were printed before the interrupt" grep -qE '^ +[0-9]+\.[0-9]{9} ' "$OUT"
check "the traced process is still alive" kill -0 "$STANDIN_PID"
check "no temporary script left behind" test -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'ovstrace-*.bt' -newer "$TRUTH" 2>/dev/null)"

# run sends the SIGINT again every 5 s while bpftrace sits in its event loop (bpftrace 0.17
# loses one that comes while it attaches), and not while it is busy exiting: on a busy
# machine detaching and loading END took over 5 s, and a second SIGINT then made the
# verifier refuse END (status 255, no report). Two stand-ins for bpftrace, one script under
# two names, each printing how many SIGINTs it got: slow-exit takes 7 s to exit, outside
# epoll_wait; deaf-loop ignores the first SIGINT in epoll_wait.
cat > "$WORK/slow-exit" <<'EOF'
#!/usr/bin/env python3
import os, select, signal, sys, time
if sys.argv[1:] == ["--version"]:    # run asks which bpftrace it runs first
    print("bpftrace v0.17.0")
    sys.exit(0)
n = 0
def count(sig, frame):
    global n
    n += 1
signal.signal(signal.SIGINT, count)
print('{"type": "attached_probes", "data": {"probes": 1}}', flush=True)
if os.path.basename(sys.argv[0]) == "deaf-loop":
    loop = select.epoll()
    while n < 2:
        loop.poll(0.1)
else:
    while n == 0:
        time.sleep(0.1)
    time.sleep(7)
print('{"type": "printf", "data": "SIGINTs: %d\\n"}' % n, flush=True)
EOF
chmod +x "$WORK/slow-exit"
cp "$WORK/slow-exit" "$WORK/deaf-loop"
for fake in slow-exit deaf-loop; do
    "$OVSTRACE" run reval_monitor --pid "$STANDIN_PID" --bpftrace "$WORK/$fake" >"$WORK/$fake.out" 2>"$WORK/$fake.err" &
    run_pid=$!
    for _ in $(seq 300); do grep -q 'attached; Ctrl-C' "$WORK/$fake.err" && break; sleep 0.1; done
    sleep 0.5
    kill -INT "$run_pid"
    for _ in $(seq 300); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$run_pid" 2>/dev/null && { fail "$fake: run still running 30 s after SIGINT"; kill -KILL "$run_pid"; }
    wait "$run_pid"
done
check "bpftrace busy exiting for 7 s: one SIGINT, its report printed ($(head -1 "$WORK/slow-exit.out"))" \
    [ "$(head -1 "$WORK/slow-exit.out")" = "SIGINTs: 1" ]
check "bpftrace missing the SIGINT in its event loop: sent again ($(head -1 "$WORK/deaf-loop.out"))" \
    [ "$(head -1 "$WORK/deaf-loop.out")" = "SIGINTs: 2" ]
finish
