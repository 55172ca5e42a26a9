#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `ovstrace run`'s report is the same on every bpftrace tier for the same events: each recipe
# runs with the host's bpftrace (0.17) and the tiers' (tests/tiers/bpftrace_tier.sh: 0.23, 0.27)
# on a stand-in doing the same rounds, and the reports are compared after masking what
# differs from run to run (times, durations, process and thread ids: the stand-in's events
# and counts are the same). Each run is recorded, and every recording's report, rendered by
# `ovstrace report`, is that run's report byte for byte.
set -u
: "${OVSTRACE:?}" "${STANDIN:?}"
[ -z "${OVSTRACE_SKIP_TIERS:-}" ] || { echo "skipped: OVSTRACE_SKIP_TIERS is set"; exit 77; }
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tracing.sh"
work=$(mktemp -d /tmp/ovstrace-reports.XXXXXX)
fails=0 checks=0
standin=
trap '[ -z "$standin" ] || kill "$standin" 2>/dev/null; [ "$fails" -gt 0 ] && echo "kept $work" || rm -rf "$work"' EXIT
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
check() { local what=$1; shift; checks=$((checks + 1)); if "$@"; then echo "ok - $what"; else echo "not ok - $what"; fails=$((fails + 1)); return 1; fi; }

declare -A bt=([0.17]=bpftrace)
for suite in trixie sid; do
    b=$("$top/tests/tiers/bpftrace_tier.sh" "$suite") || { echo "no bpftrace for $suite"; exit 1; }
    bt[$("$b" --version | sed -n 's/.*v\([0-9]*\.[0-9]*\).*/\1/p')]=$b
done
tiers=$(printf '%s\n' "${!bt[@]}" | sort -V)

# mask PID FILE: times and durations (12862.970140955, 49.977) become T, the stand-in's
# process and thread ids (from PID on) TID, a histogram's rows (times: reval_monitor's
# waits) one HIST line; the rest must be equal.
mask() {
    awk -v pid="$1" '{
        for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/ && $i + 0 >= pid && $i + 0 < pid + 64) $i = "TID"
        gsub(/[0-9][0-9,]*\.[0-9]+/, "T")
        if (/\|@* *\|$/) { if (!hist) print "HIST"; hist = 1; next }
        hist = 0; print }' "$2"
}

# run_on VERSION NAME RECIPE ARGS...: the stand-in's rounds traced by that bpftrace.
run_on() {
    local v=$1 name=$2 out=$work/$2.$1; shift 2
    taskset -c 0 "$STANDIN" -q -g -n 8 -r 50 -f 6 &    # one CPU: the CPU column is the same
    standin=$!
    BPFTRACE=${bt[$v]} timeout 60 "$OVSTRACE" run "$@" --pid "$standin" --record "$out.rec" >"$out.txt" 2>"$out.err" &
    local r=$!
    wait_tracing "$r" && kill -USR1 "$standin"
    wait "$r"; local st=$?
    wait "$standin"; standin=
    check "$name on bpftrace $v: exits 0 ($st)" [ "$st" -eq 0 ] || sed 's/^/#   /' "$out.err" | head -5
    TZ=UTC "$OVSTRACE" report "$1" "$out.rec" >"$out.replay" 2>/dev/null
    check "$name on bpftrace $v: its recording's report is the run's" cmp -s "$out.txt" "$out.replay"
    mask "$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p;q' "$out.rec")" "$out.txt" >"$out.masked"
}

while read -r name recipe args; do
    [ -n "$name" ] && [ "${name:0:1}" != "#" ] || continue
    first=
    for v in $tiers; do
        # shellcheck disable=SC2086  # ARGS is a list of -p options
        run_on "$v" "$name" "${recipe/#tests\//$top/tests/}" $args
        if [ -z "$first" ]; then first=$v; continue; fi
        if ! check "$name: the report on bpftrace $v is the one on $first" cmp -s "$work/$name.$first.masked" "$work/$name.$v.masked"; then
            diff "$work/$name.$first.masked" "$work/$name.$v.masked" | head -10 | sed 's/^/#   /'
        fi
    done
done <<'LIST'
upcall_monitor upcall_monitor -p key=true
dpif_op_nl_monitor dpif_op_nl_monitor
flow_reval_monitor flow_reval_monitor
upcall_cost upcall_cost -p kernel=false
reval_monitor reval_monitor
keys tests/tiers/keys.recipe
LIST
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
