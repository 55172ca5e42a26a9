#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark: what a flow filter costs per revalidate:flow_result hit, in steady state.
# reval_loop fires the probe over 1000 flows (a revalidator's every-flow-every-round
# pattern); each variant runs it under bpftrace and reports ns per hit, as medians of
# ROUNDS runs, interleaved so machine noise hits every variant alike:
#   none        no tracing
#   empty       an empty handler on the probe (the floor)
#   filtered    flow_reval_monitor's flow_result handler (bench/filter_cost.recipe) with a
#               filter no flow matches, so no printf: the key walk happens once per UFID
#               (the recipe's watch list), then a map lookup
#   walk        the same filter walked on every hit (the watch list ignored), for comparison
# Usage: bench/filter_cost.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
rounds=${2:-5}
loop=$build/bench/reval_loop
ovstrace=$build/ovstrace
hits=1000000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true

build=$(cd "$build" && pwd)
loop=$build/bench/reval_loop
ovstrace=$build/ovstrace
filter='ipv4(src=192.0.2.1,proto=6),tcp(dst=443)'
"$ovstrace" compile "$top/bench/filter_cost.recipe" --target "$loop" -p "filter=$filter" -o "$work/filtered.bt"
printf 'usdt:%s:revalidate:flow_result {}\n' "$loop" > "$work/empty.bt"
# The same script with the watch list's lookup taken out: every hit walks the key.
sed 's/^\( *\)\$w\([0-9]*\) = @_watch_flows\[.*\];$/\1$w\2 = 0;/' "$work/filtered.bt" > "$work/walk.bt"
grep -q '^ *\$w[0-9]* = 0;$' "$work/walk.bt" || { echo "filter_cost.sh: no watch-list lookup to take out" >&2; exit 1; }

run() {   # run VARIANT: prints ns/hit
    local v=$1
    if [ "$v" = none ]; then
        "$loop" -n $hits | awk '{ print $(NF-1) }'
        return
    fi
    "$loop" -n $hits -w 1500 > "$work/loop.out" &
    local pid=$!
    bpftrace -p "$pid" "$work/$v.bt" "$pid" > /dev/null 2>&1 || true
    wait "$pid"
    awk '{ print $(NF-1) }' "$work/loop.out"
}

for v in none empty filtered walk; do : > "$work/$v.res"; done
for r in $(seq "$rounds"); do
    for v in none empty filtered walk; do run "$v" >> "$work/$v.res"; done
    echo "round $r/$rounds done" >&2
done
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
base=$(median "$work/empty.res")
printf '%-10s %12s %10s\n' VARIANT NS/HIT VS_EMPTY
for v in none empty filtered walk; do
    m=$(median "$work/$v.res")
    printf '%-10s %12s %9.2fx\n' "$v" "$m" "$(echo "$m $base" | awk '{ print $1 / $2 }')"
done
echo "filter: $filter; $hits hits over 1000 flows per run; median of $rounds runs"
