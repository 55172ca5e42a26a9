#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Soak under churn (docs/hardening.md): `ovstrace run` against a real ovs-vswitchd 3.5 in a
# private sandbox (tests/ovs/sandbox.sh, dummy datapath) for N minutes while packets create
# tens of thousands of datapath flows that expire after a second, revalidator/purge runs every
# 5 s and the flow limit drops to 300 for 5 s of every 20. Not a ctest: run it by hand.
#
#   tests/soak/churn.sh [--minutes N] [--keep]     (default 10 minutes; about N + 2 in all)
#
# Phase 1, N minutes, three runs side by side, each with --record:
#   all       flow_reval_monitor                     every flow the revalidators delete
#   watched   flow_reval_monitor -p filter=eth_type(0x0800) -p max_flows=256
#             the same flows (all IPv4) through a watch list kept full (hundreds live)
#   upcalls   upcall_cost -p kernel=false            its probes are the netlink datapath's:
#             the dummy datapath fires none, so it must print none
# and checks, failing the script (status 1) if one does not hold:
#   memory    the RSS of each ovstrace and bpftrace, sampled every 5 s, has no growth trend:
#             after a warm-up (a fifth of the phase) the largest sample of the last third
#             is at most the largest of the first third + max(4 MB, 10 %)
#   capacity  every 5 s, with the revalidators paused (no purge either, so no probe that
#             fills or empties it fires), the watch list's map (bpftool) holds at most 256
#             keys and its counter, updated without atomics, says as many; once every flow
#             is deleted the map is empty and the counter 0: nothing leaked or drifted
#   events    printed + lost = the flows the daemon created while traced: the churn stops,
#             the flows are purged and swept before Ctrl-C, every flow got exactly one
#             delete result (revalidate:flow_result or flow_sweep_result), and "miss with
#             success upcall" (dpif-netdev/pmd-stats-show) counts the flows created
#   report    each run ends within 60 s of Ctrl-C, status 0, with its aggregates and the
#             "Lost events" line; ovstrace report prints its recording the same, byte for byte
# Phase 2: all and upcalls again, churn, then ovs-vswitchd restarted under them: each run
# ends by itself within 60 s, status 0, saying the target exited, with its report; then a
# run on the new ovs-vswitchd sees its flows.
# Results (rss.tsv, watch.tsv, each run's output and recording) stay in the printed
# directory when something fails or with --keep.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/tracing.sh"
. "$top/tests/lib/apt.sh"
OVSTRACE=${OVSTRACE:-$top/build/ovstrace}
minutes=10 keep=
while [ $# -gt 0 ]; do
    case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: churn.sh [--minutes N] [--keep]" >&2; exit 2 ;;
    esac
done
[ -x "$OVSTRACE" ] || { echo "churn: no $OVSTRACE (tests/setup.sh builds it; or set OVSTRACE)" >&2; exit 2; }
command -v bpftool >/dev/null || apt_ensure "churn (the watch list's size is read with bpftool)" bpftool
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true

WORK=$(mktemp -d /tmp/ovstrace-soak.XXXXXX)
sbx=$WORK/ovs
touch "$WORK/rss.tsv" "$WORK/watch.tsv"
FAILS=0
background=()
sandbox() { "$top/tests/ovs/sandbox.sh" "$@"; }
appctl() { sandbox appctl "$sbx" "$@"; }
cleanup() {
    local p
    for p in "${background[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${background[@]}"; do wait "$p" 2>/dev/null || true; done
    sandbox stop "$sbx" 2>/dev/null || true
    if [ "$FAILS" -gt 0 ] || [ -n "$keep" ]; then echo "churn: results kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
say() { echo "churn: $*"; }
check() { local what=$1; shift; if "$@"; then echo "ok - $what"; else echo "not ok - $what"; FAILS=$((FAILS + 1)); fi; }

# The daemon's own counts: dpif-netdev's upcall statistics ("miss with success upcall" is a
# flow created, "miss with failed upcall" one refused for the flow limit), and live ukeys.
pmd_stat() { appctl dpif-netdev/pmd-stats-show | awk -v w="$1:" 'index($0, w) { n += $NF } END { print n + 0 }'; }
ukeys() { appctl upcall/show | awk '/\(keys [0-9]+\)/ { gsub(/[()]/, ""); n += $NF } END { print n + 0 }'; }
# drain: purge every flow until no ukey is left, still none after two more revalidator
# rounds (packets still queued make flows late), so every delete result has fired; 60 s.
drain() {
    local i
    for ((i = 0; i < 300; i++)); do
        appctl revalidator/purge >/dev/null
        if [ "$(ukeys)" -eq 0 ]; then
            appctl revalidator/wait >/dev/null && appctl revalidator/wait >/dev/null
            [ "$(ukeys)" -eq 0 ] && return 0
        fi
        sleep 0.1
    done
    say "ukeys left after 60 s: $(ukeys)"
    return 1
}

# --- churn: fresh source MACs, 100 packets a call (the dummy port queues at most 100), so
# every packet is a new datapath flow; storm: purge every 5 s, flow limit 300 for 5 s of 20.
churn() {
    local k=0 port args i
    while [ ! -e "$WORK/stop" ]; do
        port=p$((k / 100 % 2 + 1))
        args=()
        for ((i = 0; i < 100; i++, k++)); do
            args+=("in_port(${port#p}),eth(src=$(printf '52:54:%02x:%02x:%02x:%02x' $((k >> 24 & 255)) $((k >> 16 & 255)) $((k >> 8 & 255)) $((k & 255))),dst=50:54:00:ff:ff:ff),eth_type(0x0800),ipv4(src=10.1.$((k >> 8 & 255)).$((k & 255)),dst=10.2.0.1,proto=17,tos=0,ttl=64,frag=no),udp(src=$((1024 + k % 50000)),dst=53)")
        done
        appctl netdev-dummy/receive "$port" "${args[@]}" >/dev/null 2>>"$WORK/churn.err" || true
    done
    echo "$k" > "$WORK/injected"
}
storm() {
    local t=0
    while [ ! -e "$WORK/stop" ]; do
        sleep 5; t=$((t + 5))
        flock "$WORK/quiet.lock" "$top/tests/ovs/sandbox.sh" appctl "$sbx" revalidator/purge >/dev/null || true
        if [ $((t % 20)) -eq 5 ]; then
            sandbox vsctl "$sbx" set Open_vSwitch . other_config:flow-limit=300 || true
        elif [ $((t % 20)) -eq 10 ]; then
            sandbox vsctl "$sbx" remove Open_vSwitch . other_config flow-limit || true
        fi
    done
}

# --- sampling: RSS (kB) of each run and its bpftrace, and the watch list's entries.
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# watch_maps BPFTRACE_PID: "LIST COUNTER", the map ids of its @_flows_WATCH (the map with
# the UFID key) and @_flows_WATCH_N, the counter the script bounds it by (gen_names.h). The
# three maps share the name AT__flows_WATCH (15 characters); bpftrace 0.17 creates its maps
# in name order, so of the two with an 8-byte key @_flows_WATCH_FULL has the lower id, _N
# the higher.
watch_maps() {
    local fd id list= counter=0
    for fd in /proc/"$1"/fdinfo/*; do
        id=$(awk '/^map_id:/ { print $2 }' "$fd" 2>/dev/null) || continue
        [ -n "$id" ] || continue
        bpftool map show id "$id" 2>/dev/null | grep -q 'name AT__flows_WATCH' || continue
        if bpftool map show id "$id" | grep -qE 'key (16|32)B'; then list=$id
        elif [ "$id" -gt "$counter" ]; then counter=$id; fi
    done
    [ -n "$list" ] && [ "$counter" -gt 0 ] && echo "$list $counter"
}
# watch_list: "ENTRIES COUNTER" of the watched run's list ($watch_ids). Keys are counted once:
# a dump racing deletes restarts and lists some twice (491 keys of a list of 256 was that).
watch_list() {
    local list=${watch_ids% *} counter=${watch_ids#* }
    # the counter's one value, 8 bytes little-endian ("0x05","0x00",...); no value: 0
    echo "$(bpftool -j map dump id "$list" | grep -o '"key":\[[^]]*\]' | sort -u | wc -l)" \
         "$(bpftool -j map dump id "$counter" | grep -o '"value":\[[^]]*\]' | grep -o '0x[0-9a-f]*' |
            awk '{ b[NR] = ($0 ~ /^0x/) ? index("0123456789abcdef", substr($0, 3, 1)) * 16 + index("0123456789abcdef", substr($0, 4, 1)) - 17 : 0 }
                 END { for (i = NR; i >= 1; i--) v = v * 256 + b[i]; print v + 0 }')"
}
sampler() {
    local t0=$SECONDS name pid bt
    while [ ! -e "$WORK/stop-sampling" ]; do
        for name in "${!runs[@]}"; do
            pid=${runs[$name]}
            kill -0 "$pid" 2>/dev/null || continue
            bt=$(bpftrace_of "$pid") || continue
            printf '%s\t%s\t%s\t%s\n' $((SECONDS - t0)) "$name" "$(rss "$pid")" "$(rss "$bt")" >> "$WORK/rss.tsv"
            # paused revalidators, and no purge meanwhile (quiet.lock): the list holds still
            [ "$name" = watched ] && (
                flock 9
                appctl revalidator/pause >/dev/null
                printf '%s\t%s\n' $((SECONDS - t0)) "$(watch_list | tr ' ' '\t')" >> "$WORK/watch.tsv"
                appctl revalidator/resume >/dev/null
            ) 9>"$WORK/quiet.lock"
        done
        sleep 5
    done
}

# start NAME RECIPE ARGS...: ovstrace run in the background, recorded, in runs[NAME].
declare -A runs
start() {
    local name=$1; shift
    "$OVSTRACE" run "$@" --pid "$VSWITCHD_PID" --record "$WORK/$name.rec" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    runs[$name]=$!
}
# stop_run NAME: Ctrl-C; its status in status[NAME], and how long it took to end.
declare -A status took
stop_run() {
    local pid=${runs[$1]} t=$SECONDS
    kill -INT "$pid"
    wait_ended "$1" "$t"
}
# wait_ended NAME SINCE: until run NAME has ended, up to 60 s (then SIGKILL, status 137).
wait_ended() {
    local pid=${runs[$1]} i
    for ((i = 0; i < 600; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { say "$1 still running 60 s later: killed"; kill -KILL "$pid"; }
    status[$1]=0; wait "$pid" || status[$1]=$?
    took[$1]=$((SECONDS - $2))
}
printed() { grep -cE '^[0-9]+ +[0-9]+\.[0-9]{9} [0-9a-f-]{36} ' "$WORK/$1.out" || true; }
lost() { sed -n 's/^Lost events: \([0-9]*\).*/\1/p' "$WORK/$1.out" | tail -1; }

# --- the sandbox
# The dummy datapath keeps one revalidator thread (other_config:n-revalidators does not
# change it); revalidator/purge sweeps from the main thread, beside it.
sandbox start "$sbx" 1000
. "$sbx/env"

# === phase 1
start all flow_reval_monitor
start watched flow_reval_monitor -p 'filter=eth_type(0x0800)' -p max_flows=256
start upcalls upcall_cost -p kernel=false
for name in all watched upcalls; do wait_tracing "${runs[$name]}" 120 || { say "$name did not start"; exit 1; }; done
watch_ids=$(watch_maps "$(bpftrace_of "${runs[watched]}")") || { say "no watch list maps in the watched run"; exit 1; }
drain
say "ovs-vswitchd pid $VSWITCHD_PID, $(appctl upcall/show | grep -c '(keys') revalidator threads; results in $WORK"
created0=$(pmd_stat 'miss with success upcall') failed0=$(pmd_stat 'miss with failed upcall')
sampler & background+=($!)
churn & churner=$!
storm & background+=($!)
say "phase 1: $minutes min of churn"
sleep $((minutes * 60))
touch "$WORK/stop"
wait "$churner"
drain || FAILS=$((FAILS + 1))
read -r left left_counter < <(watch_list)
created=$(( $(pmd_stat 'miss with success upcall') - created0 ))
touch "$WORK/stop-sampling"
for name in all watched upcalls; do stop_run "$name"; done
injected=$(cat "$WORK/injected")
failed=$(( $(pmd_stat 'miss with failed upcall') - failed0 ))
say "phase 1: $injected packets injected, $created datapath flows created (miss with success upcall), $failed upcalls failed (flow limit)"

for name in all watched upcalls; do
    check "$name: ends within 60 s of Ctrl-C (${took[$name]} s), status 0 (${status[$name]})" \
        [ "${status[$name]}" -eq 0 -a "${took[$name]}" -le 60 ]
    check "$name: the report after Ctrl-C, ending in the lost-events line" \
        grep -q '^Lost events: [0-9]' <(tail -1 "$WORK/$name.out")
done
for name in all watched; do
    check "$name: the aggregates are in the report" \
        bash -c "grep -q '^deletes in the dump phase, by reason:' '$WORK/$name.out' && grep -q '^deletes in the sweep, by reason:' '$WORK/$name.out'"
    p=$(printed "$name") l=$(lost "$name")
    say "$name: printed $p, lost ${l:-?}, flows created $created"
    check "$name: every flow's delete printed or counted lost ($p + ${l:-?} = $created)" [ $((p + ${l:-0})) -eq "$created" ]
done
check "upcalls: nothing printed, none lost (the dummy datapath fires no upcall_cost probe)" \
    [ "$(grep -cE '^(recv_upcall|op_flow_put|op_flow_execute) ' "$WORK/upcalls.out")" -eq 0 -a "$(lost upcalls)" = 0 ]
for run in all:flow_reval_monitor watched:flow_reval_monitor upcalls:upcall_cost; do
    name=${run%%:*}
    check "$name: ovstrace report prints the recording ($(du -h "$WORK/$name.rec" | cut -f1)) as the run did, byte for byte" \
        cmp -s <("$OVSTRACE" report "${run#*:}" "$WORK/$name.rec" 2>/dev/null) <(grep -v '^ovstrace: ' "$WORK/$name.out")
done

# Memory: per process, the largest sample of the last third after warm-up against the first.
awk -F'\t' -v total=$((minutes * 60)) '
    { t = $1; for (k = 3; k <= 4; k++) { p = $2 (k == 3 ? " ovstrace" : " bpftrace"); n[p]++; v[p, n[p]] = $k; at[p, n[p]] = t } }
    END { warm = total / 5; third = (total - warm) / 3
          for (p in n) { f = l = 0; lo = 1e18; hi = 0
              for (i = 1; i <= n[p]; i++) { x = v[p, i]; if (x < lo) lo = x; if (x > hi) hi = x
                  if (at[p, i] >= warm && at[p, i] < warm + third && x > f) f = x
                  if (at[p, i] >= total - third && x > l) l = x }
              slack = f / 10 > 4096 ? f / 10 : 4096
              printf "%s\t%d\t%d\t%d\t%d\t%s\n", p, lo, hi, f, l, (l <= f + slack ? "bounded" : "GROWS") } }' \
    "$WORK/rss.tsv" | sort > "$WORK/rss_summary.tsv"
say "RSS in kB (process, min, max, largest in the first third after warm-up, largest in the last third):"
sed 's/^/churn:   /' "$WORK/rss_summary.tsv"
check "memory: no growth after warm-up (ovstrace and bpftrace of each run)" \
    bash -c "[ \$(wc -l < '$WORK/rss_summary.tsv') -eq 6 ] && ! grep -q GROWS '$WORK/rss_summary.tsv'"
most=$(sort -n -k2 "$WORK/watch.tsv" | tail -1 | cut -f2)
check "capacity: the watch list held at most 256 keys ($most at most, $(awk '$2 == 256' "$WORK/watch.tsv" | wc -l) of $(wc -l < "$WORK/watch.tsv") samples full)" \
    [ "${most:-99999}" -le 256 ]
check "capacity: its counter always said as many ($(awk '$2 != $3' "$WORK/watch.tsv" | wc -l) samples differ)" \
    [ "$(awk '$2 != $3' "$WORK/watch.tsv" | wc -l)" -eq 0 -a -s "$WORK/watch.tsv" ]
check "capacity: every flow deleted, the watch list is empty ($left entries) and its counter 0 ($left_counter)" \
    [ "$left" = 0 -a "$left_counter" = 0 ]
say "watched: $(grep -o 'watch list flows was full.*' "$WORK/watched.out" || echo 'watch list never full')"

# === phase 2: ovs-vswitchd restarted under two runs
rm -f "$WORK/stop"
start all2 flow_reval_monitor
start upcalls2 upcall_cost -p kernel=false
for name in all2 upcalls2; do wait_tracing "${runs[$name]}" 120 || { say "$name did not start"; exit 1; }; done
churn & churner=$!
sleep 30
old=$VSWITCHD_PID
restart_at=$SECONDS
sandbox restart "$sbx"
. "$sbx/env"
touch "$WORK/stop"
wait "$churner" || true
for name in all2 upcalls2; do
    wait_ended "$name" "$restart_at"
    check "restart: $name ends by itself within 60 s (${took[$name]} s), status 0 (${status[$name]})" \
        [ "${status[$name]}" -eq 0 -a "${took[$name]}" -le 60 ]
    check "restart: $name says ovs-vswitchd (pid $old) exited during the run" \
        grep -q "^ovstrace: ovs-vswitchd (pid $old) exited during the run" "$WORK/$name.err"
    check "restart: $name's report ends in the lost-events line" grep -q '^Lost events: [0-9]' <(tail -1 "$WORK/$name.out")
done
say "restart: all2 printed $(printed all2) deletes before ovs-vswitchd $old went"
drain || true    # the churn's last flows, made on the new ovs-vswitchd
start after flow_reval_monitor
wait_tracing "${runs[after]}" 120
sandbox inject "$sbx" p1 5
for _ in $(seq 300); do [ "$(ukeys)" -ge 5 ] && break; sleep 0.1; done
drain || true
stop_run after
check "restart: a run on the new ovs-vswitchd (pid $VSWITCHD_PID) sees its 5 flows deleted ($(printed after))" \
    [ "${status[after]}" -eq 0 -a "$(printed after)" -eq 5 ]

say "$FAILS check(s) failed"
[ "$FAILS" -eq 0 ]
