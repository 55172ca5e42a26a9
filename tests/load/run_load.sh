#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Load test: compile RECIPE (with the -p values of PARAMS_FILE, if any) and run the
# script in real bpftrace attached to a short-lived stand-in ovs-vswitchd: the kernel
# verifier must accept every program and bpftrace must exit 0 without errors.
set -u
: "${OVSTRACE:?}" "${STANDIN:?}"
. "$(dirname "$0")/../lib/tracing.sh"
recipe=$1 params_file=${2:-}
params=()
if [ -n "$params_file" ] && [ -f "$params_file" ]; then
    while IFS= read -r line; do [ -n "$line" ] && params+=(-p "$line"); done < "$params_file"
fi
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
work=$(mktemp -d /tmp/ovstrace-load.XXXXXX)
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
"$OVSTRACE" compile "$recipe" "${params[@]}" -o "$work/script.bt" || { echo "compile failed"; exit 1; }
# The stand-in starts its rounds once bpftrace has attached (-g, SIGUSR1): a fixed wait
# let it exit first on a busy machine.
"$STANDIN" -q -g -n 8 -r 50 -m 20 &
pid=$!
timeout 60 bpftrace -p "$pid" "$work/script.bt" "$pid" >"$work/out" 2>"$work/err" &
bt=$!
wait_tracing "$bt"
kill -USR1 "$pid" 2>/dev/null
wait "$bt"
status=$?
grep -v "couldn't set RLIMIT_MEMLOCK" "$work/err" > "$work/err2"
if [ "$status" -ne 0 ] || grep -q 'ERROR' "$work/err2"; then
    echo "bpftrace failed (status $status):"; head -20 "$work/err2"; exit 1
fi
grep -q '^Attaching [0-9]* probes' "$work/out" || { echo "no 'Attaching N probes' line"; head "$work/out"; exit 1; }
echo "loaded and ran: $(head -1 "$work/out")"
