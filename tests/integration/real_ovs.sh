#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Recipes against a real ovs-vswitchd (USDT build, dummy datapath) of the release OVS_SUITE
# names (tests/ovs/releases.txt: bookworm 3.1, trixie 3.5 (the default), sid 4.0; ctest runs
# integration.real_ovs_SERIES for each):
#   bridge_loop     lines come from the daemon's main thread
#   reval_monitor   rounds every min(max-idle, 500 ms) (no sooner), flow limit and counts as
#                   upcall/show says
#   flow deletes    UFIDs equal dpctl/dump-flows -m; revalidator/purge shows as purge
#                   deletes in the sweep; an idle flow shows as an idle delete
#   every recipe    with its parameter combinations, loads into this binary (its USDT
#                   argument operands differ from the stand-in's: the verifier sees other code)
#   older releases  a recipe whose probes the build lacks (3.1 has 7 of the 13) is refused by
#                   check and run, naming a missing probe and the release that added it; the
#                   tests of that recipe are replaced by that refusal
. "$(dirname "$0")/../e2e/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
sbx=$WORK/ovs
sandbox() { "$here/../ovs/sandbox.sh" "$@"; }
trap 'sandbox stop "$sbx" 2>/dev/null; cleanup' EXIT
mount_tracefs
# max-idle 10 s: flows stay until a test purges or deletes them, however slowly a busy
# machine gets there; the idle test lowers it for its own flows.
sandbox start "$sbx" 10000
. "$sbx/env"
check "sandbox ovs-vswitchd is running (pid $VSWITCHD_PID)" kill -0 "$VSWITCHD_PID"
series=$(awk -v s="${OVS_SUITE:-trixie}" '!/^#/ && $2 == s { print $1 }' "$here/../ovs/releases.txt")
version=$("$VSWITCHD" --version | sed -n 's/.*(Open vSwitch) \([0-9.]*\).*/\1/p')
check "it is Open vSwitch $series ($version, $VSWITCHD)" [ "${version%.*}" = "$series" ]

# The USDT probes this build has, as readelf lists its notes (not ovstrace's word for it).
readelf -n "$VSWITCHD" | awk '/Provider:/ { p = $2 } /Name:/ && p { print p ":" $2; p = "" }' | sort -u > "$WORK/have_probes"
# missing_probes RECIPE ARGS...: the USDT probes its script attaches to that this build lacks,
# or "?" when it does not compile. Compiled for the stand-in, which has all 13 (this build's
# path would refuse what is missing), without its filter (in_port(NAME) needs a process to
# ask; a filter does not change which probes a recipe attaches to).
missing_probes() {
    local a=() x
    for x in "$@"; do
        case $x in filter=*) unset 'a[${#a[@]}-1]' ;; *) a+=("$x") ;; esac
    done
    "$OVSTRACE" compile "${a[@]}" --target "$STANDIN" --bpftrace-version 0.17 > "$WORK/probes.bt" 2>/dev/null ||
        { echo "?"; return; }
    grep -oE '^usdt:[^:]*:[a-z_0-9]+:[a-z_0-9]+' "$WORK/probes.bt" | sed -E 's/^usdt:[^:]*://' | sort -u |
        comm -23 - "$WORK/have_probes"
}
# runs_here RECIPE ARGS...: true when this build has every probe of the recipe; otherwise
# checks that check --target and run refuse it, naming a missing probe and its release, and
# that nothing was traced, then returns false (the caller skips what needs the recipe).
runs_here() {
    local missing first status since what="$*"
    missing=$(missing_probes "$@")
    [ -z "$missing" ] && return 0
    if [ "$missing" = "?" ]; then
        check "${what:0:100}: compiles for the stand-in, to list its probes" false
        return 1
    fi
    first=$(head -1 <<<"$missing")
    since=$(awk -v p="usdt:$first" '$2 == "probe:" && $3 == p { getline; print $2 }' "$here/../../templates/probes.yaml" | tr -d '"')
    "$OVSTRACE" check "$@" --pid "$VSWITCHD_PID" >"$OUT" 2>"$ERR"
    status=$?
    check "$series lacks $(paste -sd' ' <<<"$missing"): check refuses ${what:0:80} ($status), naming the release that added $first ($since)" \
        bash -c "[ $status -ne 0 ] && grep -qF 'probe usdt:$first is not in /proc/$VSWITCHD_PID/exe (it was added in Open vSwitch $since)' '$ERR'"
    "$OVSTRACE" run "$@" --pid "$VSWITCHD_PID" >"$OUT" 2>"$ERR"
    status=$?
    check "... and run refuses it ($status) with the same words, before bpftrace attaches" \
        bash -c "[ $status -ne 0 ] && grep -qF 'probe usdt:$first is not in /proc/$VSWITCHD_PID/exe (it was added in Open vSwitch $since)' '$ERR' && ! grep -q 'attached; Ctrl-C' '$ERR'"
    return 1
}

# trace RECIPE ARGS...: ovstrace run in the background ($tracer), returning once bpftrace
# has attached every probe (tests/lib/tracing.sh: run says "attached" before it has).
trace() {
    : > "$ERR"
    "$OVSTRACE" run "$@" --pid "$VSWITCHD_PID" >"$OUT" 2>"$ERR" &
    tracer=$!
    wait_tracing "$tracer"
}

# wait_printed N PATTERN: until the run has printed N lines matching PATTERN (up to 20 s).
# Before a Ctrl-C that follows an action: bpftrace reads its buffers a moment after the
# probe fired, and a SIGINT in between loses the line (seen once on 0.23: a purge's delete).
wait_printed() {
    for _ in $(seq 200); do [ "$(grep -cE -- "$2" "$OUT")" -ge "$1" ] && return 0; sleep 0.1; done
    echo "# after 20 s the run has printed $(grep -cE -- "$2" "$OUT") lines like '$2', not $1"
}
# stop_tracing: Ctrl-C to the run, and its status in RUN_STATUS.
stop_tracing() {
    kill -INT "$tracer"; wait "$tracer"; RUN_STATUS=$?
}

# run_for SECONDS RECIPE ARGS...: ovstrace run, interrupted SECONDS after its probes are
# attached.
run_for() {
    local secs=$1; shift
    trace "$@"
    sleep "$secs"
    stop_tracing
}

# run_until_done SECONDS RECIPE ARGS...: ovstrace run of a recipe that ends by itself; up to
# SECONDS for it to do so (then Ctrl-C, and RAN_OUT=yes).
run_until_done() {
    local secs=$1; shift
    trace "$@"
    RAN_OUT=no
    for _ in $(seq $((secs * 10))); do kill -0 "$tracer" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$tracer" 2>/dev/null && { RAN_OUT=yes; kill -INT "$tracer"; }
    wait "$tracer"; RUN_STATUS=$?
}

# flows: the datapath's flows, as dpctl/dump-flows -m prints them.
flows() { sandbox appctl "$sbx" dpctl/dump-flows -m; }
# wait_flows N: until the datapath holds N flows (the main thread handles injected packets
# when it gets to them), up to 30 s.
wait_flows() {
    for _ in $(seq 300); do [ "$(flows | grep -c '^ufid:')" -eq "$1" ] && return 0; sleep 0.1; done
    echo "# the datapath holds $(flows | grep -c '^ufid:') flows, not $1, after 30 s"
}
# wait_keys_gone: until the revalidators hold no ukey (every flow deleted and swept), 30 s.
wait_keys_gone() {
    for _ in $(seq 300); do
        sandbox appctl "$sbx" upcall/show | awk '/\(keys [0-9]+\)/ { gsub(/[()]/, ""); n += $NF } END { exit n != 0 }' && return 0
        sleep 0.1
    done
    echo "# ukeys left after 30 s:"; sandbox appctl "$sbx" upcall/show | sed 's/^/#   /'
}

# --- every bundled recipe, with the parameters that change its code, loads and runs
# (tests/load/combos.txt; lines for the kernel side only run in the kernel tier).
while read -r where recipe args; do
    [ "$where" = any ] || [ "$where" = host ] || continue
    # shellcheck disable=SC2086  # ARGS is a list of -p options
    runs_here "$recipe" $args || continue
    # shellcheck disable=SC2086  # ARGS is a list of -p options
    run_for 2 "$recipe" $args
    # bcc before 0.33 closes a random file descriptor each time bpftrace makes a user-symbol
    # cache (docs/hardening.md): run keeps one cache a run on bpftrace 0.17, which leaves one
    # such close, and that can still hit one of the program's maps or perf events. Those two
    # signatures are said, and the combination tried once more; twice is a failure.
    if grep -q 'not pointing to valid bpf_map\|failed to close perf event FDs' "$ERR"; then
        echo "# $recipe ${args:0:80}: bcc closed one of bpftrace's descriptors; once more"
        sed 's/^/#   /' "$ERR"
        # shellcheck disable=SC2086
        run_for 2 "$recipe" $args
    fi
    if ! check "$recipe ${args:0:120}: loads and exits 0 ($RUN_STATUS)" \
        bash -c "[ $RUN_STATUS -eq 0 ] && ! grep -q ERROR '$ERR' && grep -q 'attached; Ctrl-C' '$ERR'"; then
        echo "#   --- stderr"; sed 's/^/#   /' "$ERR"
        echo "#   --- stdout (last 5 lines)"; tail -n 5 "$OUT" | sed 's/^/#   /'
    fi
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
if runs_here reval_monitor; then
run_for 4 reval_monitor
check "reval_monitor exits 0 ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
awk '$1 ~ /^[0-9]+\.[0-9]+$/ && NF == 10' "$OUT" > "$WORK/rows"
rows=$(wc -l < "$WORK/rows")
check "rounds printed ($rows in 4 s of 500 ms rounds)" [ "$rows" -ge 4 ]
show=$(sandbox appctl "$sbx" upcall/show)
limit=$(sed -n 's/.*(limit \([0-9]*\)).*/\1/p' <<<"$show")
check "FLOW_LIMIT equals upcall/show's limit ($limit)" awk -v l="$limit" '{ if ($7 != l) bad = 1 } END { exit bad || NR == 0 }' "$WORK/rows"
check "POLL_WAIT is min(max-idle 10000, max-revalidator 500) = 500 ms" awk '{ if ($9 != "500.000") bad = 1 } END { exit bad || NR == 0 }' "$WORK/rows"
check "ACTUAL_WAIT: at most next START - COMPLETE, more than half of it" reval_waits_fit "$WORK/rows"
# The leader waits until 500 ms after its round started; a busy machine makes it later, not
# sooner.
period=$(reval_period "$WORK/rows")
check "rounds at least 500 ms apart on average ($period ms)" awk -v p="$period" 'BEGIN { exit !(p >= 450) }'
rounds=$(awk '/^revalidator rounds seen:$/ { getline; gsub(/,/, ""); print $1 }' "$OUT")
check "round counter counts the printed rounds ($rounds >= $rows)" [ "${rounds:-0}" -ge "$rows" ]
fi

# --- deletes: purge, then idle
if runs_here "$here/../../examples/flow_deletes.recipe"; then
trace "$here/../../examples/flow_deletes.recipe"
sandbox inject "$sbx" p1 4
wait_flows 4
flows | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://' | sort > "$WORK/purged_ufids"
n_purged=$(wc -l < "$WORK/purged_ufids")
sandbox appctl "$sbx" revalidator/purge >/dev/null    # deletes them before it returns
sleep 1
sandbox inject "$sbx" p2 2
wait_flows 2
flows | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://' | sort > "$WORK/idle_ufids"
# Only now a short max-idle: set before the flows were seen, it could expire them before a
# busy machine's wait_flows looked (seen: no idle flows at all).
sandbox vsctl "$sbx" set Open_vSwitch . other_config:max-idle=1000
wait_keys_gone    # max-idle 1000 ms plus a round or two, or however long a busy machine takes
sandbox vsctl "$sbx" set Open_vSwitch . other_config:max-idle=10000
wait_printed 2 '^dump [^ ]+ unused'
stop_tracing
check "flow_deletes exits 0 ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "4 flows were in the datapath before the purge ($n_purged)" [ "$n_purged" -eq 4 ]
awk '$1 == "sweep" && $3 == "removed" && $5 == "revalidator/purge" { print $2 }' "$OUT" | sort > "$WORK/got_purged"
check "revalidator/purge: each purged UFID shows as a purge delete" diff "$WORK/purged_ufids" "$WORK/got_purged"
awk '$1 == "dump" && $3 == "unused" { print $2 }' "$OUT" | sort > "$WORK/got_idle"
check "idle timeout: the 2 idle flows' UFIDs show as idle deletes ($(wc -l < "$WORK/idle_ufids") flows)" \
    bash -c "[ \$(wc -l < '$WORK/idle_ufids') -eq 2 ] && diff '$WORK/idle_ufids' '$WORK/got_idle'"
check "no unexpected delete reasons" bash -c "! awk '\$1 == \"dump\" || \$1 == \"sweep\"' '$OUT' | grep -v -e 'removed by revalidator/purge' -e 'unused for longer than max-idle'"
fi

# --- flow_reval_monitor with a filter on the ukey's own key (the userspace datapath has no put probe)
if runs_here flow_reval_monitor; then
trace flow_reval_monitor -p 'filter=eth(src=50:54:00:00:02:01),eth_type(0x0800)'
sandbox inject "$sbx" p1 3
wait_flows 3
flows > "$WORK/flows"
want=$(grep 'eth(src=50:54:00:00:02:01' "$WORK/flows" | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://')
sandbox appctl "$sbx" revalidator/purge >/dev/null
wait_printed 1 'removed by revalidator/purge$'
stop_tracing
check "flow_reval_monitor exits 0 ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check "three flows in the datapath, one from 50:54:00:00:02:01 ($want)" [ "$(grep -c '^ufid:' "$WORK/flows")" -eq 3 -a -n "$want" ]
got=$(awk '/removed by revalidator\/purge$/ { print $3 }' "$OUT")
check "with the filter, only that flow's purge is printed ($got)" [ "$got" = "$want" ]
# --- flows deleted behind the revalidator's back (dpctl/del-flows): "missing" deletes, for
# the flows a masked filter selects (MACs 50:54:00:00:0[23]:01 under ff:ff:ff:ff:fe:00)
wait_keys_gone
trace flow_reval_monitor -p 'filter=eth(src=50:54:00:00:02:00/ff:ff:ff:ff:fe:00)'
sandbox inject "$sbx" p1 3
wait_flows 3
# Only a ukey some dump has seen can go missing (one no round dumped yet stays "visible" and
# the sweep passes it by): two rounds end after the flows were installed, so one began after.
sandbox appctl "$sbx" revalidator/wait && sandbox appctl "$sbx" revalidator/wait
flows > "$WORK/flows"
grep -E 'eth\(src=50:54:00:00:0[23]:01' "$WORK/flows" | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://' | sort > "$WORK/want"
sandbox appctl "$sbx" dpctl/del-flows
wait_keys_gone    # the sweep deletes a ukey a few rounds after its flow went missing
wait_printed 2 'no longer present in the datapath$'
stop_tracing
awk '$3 ~ /^[0-9a-f]+-/ && /no longer present in the datapath$/ { print $3 }' "$OUT" | sort > "$WORK/got"
check "missing from the datapath: exactly the 2 masked-filter flows ($(paste -sd' ' "$WORK/got"))" \
    bash -c "[ $RUN_STATUS -eq 0 ] && [ \$(wc -l < '$WORK/want') -eq 2 ] && diff '$WORK/want' '$WORK/got'"
check "no other delete printed" bash -c "[ \$(awk '\$3 ~ /^[0-9a-f]+-/' '$OUT' | wc -l) -eq 2 ]"

# --- keys: printed as dump-flows text; a key pasted from dump-flows -m works as the filter
wait_keys_gone
sandbox inject "$sbx" p1 3
wait_flows 3
flows > "$WORK/flows"
line=$(grep 'eth(src=50:54:00:00:02:01' "$WORK/flows" | head -1)
want=$(echo "$line" | grep -o '^ufid:[0-9a-f-]*' | sed 's/^ufid://')
pasted=$(echo "$line" | sed 's/^ufid:[0-9a-f-]*, //; s/, packets:.*//')
sandbox appctl "$sbx" revalidator/purge >/dev/null
wait_keys_gone
trace flow_reval_monitor -p key=true -p "filter=$pasted"
sandbox inject "$sbx" p1 3
wait_flows 3
sandbox appctl "$sbx" revalidator/purge >/dev/null
wait_printed 1 'removed by revalidator/purge '
stop_tracing
check "a key pasted from dump-flows -m is a valid filter (exit $RUN_STATUS): $pasted" [ "$RUN_STATUS" -eq 0 ]
got=$(awk '$3 ~ /^[0-9a-f]+-/ && /removed by revalidator\/purge / { print $3 }' "$OUT" | sort -u)
check "the pasted key picks out its own flow ($got, want $want)" [ -n "$want" -a "$got" = "$want" ]
key=$(awk '$3 ~ /^[0-9a-f]+-/ && /removed by revalidator\/purge / { print $NF }' "$OUT")
eth=$(echo "$pasted" | grep -o 'eth(src=[0-9a-f:]*,dst=[0-9a-f:]*)')
num=$(sandbox appctl "$sbx" dpctl/show | awk '$1 == "port" && $3 == "p1" { sub(/:$/, "", $2); print $2 }')
port="in_port($num)"
check "its key prints as dump-flows text, with the flow's $port and $eth" \
    bash -c "[[ '$key' == *'$port'* && '$key' == *'$eth'* && '$key' == *'eth_type(0x0800),ipv4(src='* ]]" ||
    { echo "#   printed: $key"; grep -v '^#' "$OUT" | tail -n 8 | cut -c1-200 | sed 's/^/#   /'; }
fi

# --- kernel_delay: a window from a revalidator round's start to its sweep (decided in BPF),
#     and a time window showing the main thread's poll() calls
if runs_here kernel_delay -p start_trigger=u:udpif_revalidator:start_dump -p stop_trigger=u:udpif_revalidator:sweep_done; then
run_until_done 30 kernel_delay -p start_trigger=u:udpif_revalidator:start_dump -p stop_trigger=u:udpif_revalidator:sweep_done
check "kernel_delay triggered: ends by itself after its window ($RUN_STATUS, ran out: $RAN_OUT)" [ "$RUN_STATUS" -eq 0 -a "$RAN_OUT" = no ]
check "the window opened and closed at the triggers" \
    bash -c "grep -q '^# Start sampling (trigger@[0-9]*) @' '$OUT' && grep -q '^# Stop sampling (trigger@[0-9]*) @' '$OUT'"
# run prints the delta as upstream does: 1,234,567 ns, and the UTC time after the local one
delta=$(sed -n 's/^# Triggered sample dump, stop-start delta \([0-9,]*\) ns @.* ([0-9:]* UTC)$/\1/p' "$OUT" | tr -d ,)
check "the dump has a stop-start delta (${delta:-none} ns)" [ "${delta:-0}" -gt 0 ]
check "a revalidator thread is reported" grep -qE '^ +[0-9]+ revalidator[0-9]+ +\[[A-Z ]+STATISTICS\]$' "$OUT"
sed -n '/^# Triggered/,/^$/p' "$OUT" | head -12 | sed 's/^/#   /'
fi

# The window opens at BEGIN, before bpftrace has attached the rest (seconds on a busy machine):
# 5 s leave time for polls once it has.
run_until_done 60 kernel_delay -p sample_time=5s
check "kernel_delay time mode: ends by itself ($RUN_STATUS, ran out: $RAN_OUT)" [ "$RUN_STATUS" -eq 0 -a "$RAN_OUT" = no ]
polls=$(awk '/^ +[0-9]+ [^ ]+ +\[/ { t = $2 } t == "ovs-vswitchd" && $1 == "poll" { gsub(/,/, ""); print $3 }' "$OUT")
check "the main thread's poll() calls are counted (${polls:-none})" [ "${polls:-0}" -gt 0 ]
awk '/^ +[0-9]+ ovs-vswitchd +\[/ { on = 1 } on && /^$/ { exit } on' "$OUT" | head -12 | sed 's/^/#   /'
finish
