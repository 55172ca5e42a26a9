#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Recipes against a real ovs-vswitchd 3.5 (USDT build, dummy datapath):
#   bridge_loop     lines come from the daemon's main thread
#   reval_monitor   rounds every min(max-idle, 500 ms), flow limit and counts as upcall/show says
#   flow deletes    UFIDs equal dpctl/dump-flows -m; revalidator/purge shows as purge
#                   deletes in the sweep; an idle flow shows as an idle delete
#   every recipe    with its parameter combinations, loads into this binary (its USDT
#                   argument operands differ from the stand-in's: the verifier sees other code)
. "$(dirname "$0")/../e2e/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
sbx=$WORK/ovs
sandbox() { "$here/../ovs/sandbox.sh" "$@"; }
trap 'sandbox stop "$sbx" 2>/dev/null; cleanup' EXIT
mount_tracefs
sandbox start "$sbx" 1000
. "$sbx/env"
check "sandbox ovs-vswitchd is running (pid $VSWITCHD_PID)" kill -0 "$VSWITCHD_PID"

# wait_attached: until the ovstrace run writing $ERR says its probes are attached (bpftrace
# takes a few seconds on a busy machine; a fixed sleep made the flow tests flaky).
wait_attached() {
    for _ in $(seq 300); do grep -q 'attached; Ctrl-C' "$ERR" 2>/dev/null && return 0; sleep 0.1; done
    echo "# probes not attached after 30 s"
}

# run_for SECONDS RECIPE ARGS...: ovstrace run in the background, interrupted SECONDS after
# its probes are attached.
run_for() {
    local secs=$1; shift
    : > "$ERR"
    "$OVSTRACE" run "$@" --pid "$VSWITCHD_PID" >"$OUT" 2>"$ERR" &
    local p=$!
    wait_attached
    sleep "$secs"
    kill -INT "$p"
    wait "$p"; RUN_STATUS=$?
}

# --- every bundled recipe, with the parameters that change its code, loads and runs
# (tests/load/combos.txt; lines for the kernel side only run in the kernel tier).
while read -r where recipe args; do
    [ "$where" = any ] || [ "$where" = host ] || continue
    # shellcheck disable=SC2086  # ARGS is a list of -p options
    run_for 2 "$recipe" $args
    check "$recipe ${args:0:120}: loads and exits 0 ($RUN_STATUS)" \
        bash -c "[ $RUN_STATUS -eq 0 ] && ! grep -q ERROR '$ERR' && grep -q 'attached; Ctrl-C' '$ERR'"
    [ "$RUN_STATUS" -eq 0 ] || sed 's/^/#   /' "$ERR"
done < <(grep -v '^#' "$here/../load/combos.txt")

# A recipe that needs the kernel side is refused before bpftrace starts, naming what is missing.
"$OVSTRACE" run upcall_cost --pid "$VSWITCHD_PID" >"$OUT" 2>"$ERR"
status=$?
check "upcall_cost without openvswitch.ko: refused (status $status), the missing probes named" \
    bash -c "[ $status -ne 0 ] && grep -q 'kprobe:ovs_packet_cmd_execute' '$ERR' && ! grep -q 'attached; Ctrl-C' '$ERR'"

# --- bridge_loop
run_for 4 bridge_loop
check "bridge_loop exits 0 after Ctrl-C ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
lines=$(awk '$3 == "poll_block" || $3 == "run"' "$OUT" | wc -l)
check "bridge_loop printed main-loop lines ($lines)" [ "$lines" -ge 4 ]
check "all from the main thread (tid = pid $VSWITCHD_PID)" awk -v p="$VSWITCHD_PID" '$3 == "poll_block" || $3 == "run" { if ($1 != p || $2 != "ovs-vswitchd") bad = 1 } END { exit bad }' "$OUT"

# --- reval_monitor
run_for 4 reval_monitor
check "reval_monitor exits 0 ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
awk '$1 ~ /^[0-9]+\.[0-9]+$/ && NF == 10' "$OUT" > "$WORK/rows"
rows=$(wc -l < "$WORK/rows")
check "rounds printed ($rows in 4 s of 500 ms rounds)" [ "$rows" -ge 4 ]
show=$(sandbox appctl "$sbx" upcall/show)
limit=$(sed -n 's/.*(limit \([0-9]*\)).*/\1/p' <<<"$show")
check "FLOW_LIMIT equals upcall/show's limit ($limit)" awk -v l="$limit" '{ if ($7 != l) bad = 1 } END { exit bad || NR == 0 }' "$WORK/rows"
check "POLL_WAIT is min(max-idle 1000, max-revalidator 500) = 500 ms" awk '{ if ($9 != "500.000") bad = 1 } END { exit bad || NR == 0 }' "$WORK/rows"
check "ACTUAL_WAIT close to 500 ms" awk '{ if ($10 < 400 || $10 > 700) bad = 1 } END { exit bad || NR == 0 }' "$WORK/rows"
rounds=$(awk '/^revalidator rounds seen:$/ { getline; gsub(/,/, ""); print $1 }' "$OUT")
check "round counter counts the printed rounds ($rounds >= $rows)" [ "${rounds:-0}" -ge "$rows" ]

# --- deletes: purge, then idle
: > "$ERR"
"$OVSTRACE" run "$here/flow_deletes.recipe" --pid "$VSWITCHD_PID" >"$OUT" 2>"$ERR" &
tracer=$!
wait_attached
sandbox inject "$sbx" p1 4
sleep 0.3
sandbox appctl "$sbx" dpctl/dump-flows -m | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://' | sort > "$WORK/purged_ufids"
n_purged=$(wc -l < "$WORK/purged_ufids")
sandbox appctl "$sbx" revalidator/purge >/dev/null
sleep 1
sandbox inject "$sbx" p2 2
sleep 0.3
sandbox appctl "$sbx" dpctl/dump-flows -m | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://' | sort > "$WORK/idle_ufids"
sleep 3    # max-idle 1000 ms plus a round or two
kill -INT "$tracer"; wait "$tracer"; RUN_STATUS=$?
check "flow_deletes exits 0 ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "4 flows were in the datapath before the purge ($n_purged)" [ "$n_purged" -eq 4 ]
awk '$1 == "sweep" && $3 == "removed" && $5 == "revalidator/purge" { print $2 }' "$OUT" | sort > "$WORK/got_purged"
check "revalidator/purge: each purged UFID shows as a purge delete" diff "$WORK/purged_ufids" "$WORK/got_purged"
awk '$1 == "dump" && $3 == "unused" { print $2 }' "$OUT" | sort > "$WORK/got_idle"
check "idle timeout: the idle flows' UFIDs show as idle deletes ($(wc -l < "$WORK/idle_ufids") flows)" diff "$WORK/idle_ufids" "$WORK/got_idle"
check "no unexpected delete reasons" bash -c "! awk '\$1 == \"dump\" || \$1 == \"sweep\"' '$OUT' | grep -v -e 'removed by revalidator/purge' -e 'unused for longer than max-idle'"
# --- flow_reval_monitor with a filter on the ukey's own key (the userspace datapath has no put probe)
: > "$ERR"
"$OVSTRACE" run flow_reval_monitor --pid "$VSWITCHD_PID" -p 'filter=eth(src=50:54:00:00:02:01),eth_type(0x0800)' >"$OUT" 2>"$ERR" &
tracer=$!
wait_attached
sandbox inject "$sbx" p1 3
sleep 0.3     # purge before max-idle (1 s): the sweep decides per UFID if no dump round did yet
sandbox appctl "$sbx" dpctl/dump-flows -m > "$WORK/flows"
want=$(grep 'eth(src=50:54:00:00:02:01' "$WORK/flows" | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://')
sandbox appctl "$sbx" revalidator/purge >/dev/null
sleep 1
kill -INT "$tracer"; wait "$tracer"; RUN_STATUS=$?
check "flow_reval_monitor exits 0 ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "three flows in the datapath, one from 50:54:00:00:02:01 ($want)" [ "$(grep -c '^ufid:' "$WORK/flows")" -eq 3 -a -n "$want" ]
got=$(awk '/removed by revalidator\/purge$/ { print $3 }' "$OUT")
check "with the filter, only that flow's purge is printed ($got)" [ "$got" = "$want" ]
# --- flows deleted behind the revalidator's back (dpctl/del-flows): "missing" deletes, for
# the flows a masked filter selects (MACs 50:54:00:00:0[23]:01 under ff:ff:ff:ff:fe:00)
sleep 2
: > "$ERR"
"$OVSTRACE" run flow_reval_monitor --pid "$VSWITCHD_PID" -p 'filter=eth(src=50:54:00:00:02:00/ff:ff:ff:ff:fe:00)' \
    >"$OUT" 2>"$ERR" &
tracer=$!
wait_attached
sandbox inject "$sbx" p1 3
sleep 0.3
sandbox appctl "$sbx" dpctl/dump-flows -m > "$WORK/flows"
grep -E 'eth\(src=50:54:00:00:0[23]:01' "$WORK/flows" | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://' | sort > "$WORK/want"
sandbox appctl "$sbx" dpctl/del-flows
sleep 4
kill -INT "$tracer"; wait "$tracer"; RUN_STATUS=$?
awk '$3 ~ /^[0-9a-f]+-/ && /no longer present in the datapath$/ { print $3 }' "$OUT" | sort > "$WORK/got"
check "missing from the datapath: exactly the 2 masked-filter flows ($(paste -sd' ' "$WORK/got"))" \
    bash -c "[ $RUN_STATUS -eq 0 ] && [ \$(wc -l < '$WORK/want') -eq 2 ] && diff '$WORK/want' '$WORK/got'"
check "no other delete printed" bash -c "[ \$(awk '\$3 ~ /^[0-9a-f]+-/' '$OUT' | wc -l) -eq 2 ]"

# --- keys: printed as dump-flows text; a key pasted from dump-flows -m works as the filter
sleep 2       # the flows above are gone (purged)
sandbox inject "$sbx" p1 3
sleep 0.3
sandbox appctl "$sbx" dpctl/dump-flows -m > "$WORK/flows"
line=$(grep 'eth(src=50:54:00:00:02:01' "$WORK/flows" | head -1)
want=$(echo "$line" | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://')
pasted=$(echo "$line" | sed 's/^ufid:[0-9a-f-]*, //; s/, packets:.*//')
sandbox appctl "$sbx" revalidator/purge >/dev/null
sleep 1.5
: > "$ERR"
"$OVSTRACE" run flow_reval_monitor --pid "$VSWITCHD_PID" -p key=true -p "filter=$pasted" >"$OUT" 2>"$ERR" &
tracer=$!
wait_attached
sandbox inject "$sbx" p1 3
sleep 0.3
sandbox appctl "$sbx" revalidator/purge >/dev/null
sleep 1
kill -INT "$tracer"; wait "$tracer"; RUN_STATUS=$?
check "a key pasted from dump-flows -m is a valid filter (exit $RUN_STATUS): $pasted" [ "$RUN_STATUS" -eq 0 ]
got=$(awk '$3 ~ /^[0-9a-f]+-/ && /removed by revalidator\/purge / { print $3 }' "$OUT" | sort -u)
check "the pasted key picks out its own flow ($got, want $want)" [ -n "$want" -a "$got" = "$want" ]
key=$(awk '$3 ~ /^[0-9a-f]+-/ && /removed by revalidator\/purge / { print $NF }' "$OUT")
eth=$(echo "$pasted" | grep -o 'eth(src=[0-9a-f:]*,dst=[0-9a-f:]*)')
num=$(sandbox appctl "$sbx" dpctl/show | awk '$1 == "port" && $3 == "p1" { sub(/:$/, "", $2); print $2 }')
port="in_port($num)"
check "its key prints as dump-flows text, with the flow's $port and $eth" \
    bash -c "[[ '$key' == *'$port'* && '$key' == *'$eth'* && '$key' == *'eth_type(0x0800),ipv4(src='* ]]"

# --- kernel_delay: a window from a revalidator round's start to its sweep (decided in BPF),
#     and a time window showing the main thread's poll() calls
run_for 3 kernel_delay -p start_trigger=u:udpif_revalidator:start_dump -p stop_trigger=u:udpif_revalidator:sweep_done
check "kernel_delay triggered: ends by itself after its window ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "the window opened and closed at the triggers" \
    bash -c "grep -q '^# Start sampling (trigger@[0-9]*) @' '$OUT' && grep -q '^# Stop sampling (trigger@[0-9]*) @' '$OUT'"
# run prints the delta as upstream does: 1,234,567 ns, and the UTC time after the local one
delta=$(sed -n 's/^# Triggered sample dump, stop-start delta \([0-9,]*\) ns @.* ([0-9:]* UTC)$/\1/p' "$OUT" | tr -d ,)
check "the dump has a stop-start delta (${delta:-none} ns)" [ "${delta:-0}" -gt 0 ]
check "a revalidator thread is reported" grep -qE '^ +[0-9]+ revalidator[0-9]+ +\[[A-Z ]+STATISTICS\]$' "$OUT"
sed -n '/^# Triggered/,/^$/p' "$OUT" | head -12 | sed 's/^/#   /'

run_for 2 kernel_delay -p sample_time=1500ms
check "kernel_delay time mode: ends by itself ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
polls=$(awk '/^ +[0-9]+ [^ ]+ +\[/ { t = $2 } t == "ovs-vswitchd" && $1 == "poll" { gsub(/,/, ""); print $3 }' "$OUT")
check "the main thread's poll() calls are counted (${polls:-none})" [ "${polls:-0}" -gt 0 ]
awk '/^ +[0-9]+ ovs-vswitchd +\[/ { on = 1 } on && /^$/ { exit } on' "$OUT" | head -12 | sed 's/^/#   /'
finish
