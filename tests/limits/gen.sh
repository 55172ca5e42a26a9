#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Generate N random recipes into DIR (seeded, so a seed always gives the same recipes):
# events with many columns of every format, several events and aggregates on one probe,
# aggregates with many keys, spans with captures. They aim at the edges of what bpftrace
# 0.17 can load (the 512-byte BPF stack above all), for tests/limits/differential.sh.
#   usage: gen.sh SEED N DIR
set -euo pipefail
seed=$1 count=$2 dir=$3
mkdir -p "$dir"
RANDOM=$seed
# Every random choice is made in this shell, never in a $(...) subshell: bash reseeds RANDOM
# in each subshell, which made the "seeded" recipes differ from run to run (a CI failure no
# one could reproduce). So the helpers answer in REPLY, not on stdout.

pick() { local -n arr=$1; REPLY=${arr[RANDOM % ${#arr[@]}]}; }

# Column values and keys per probe, by kind. A kind decides which formats fit.
declare -A probe_of=(
    [reval]=usdt:revalidate:flow_result
    [sweep]=usdt:revalidator_sweep__:flow_sweep_result
    [recv]=usdt:dpif_recv:recv_upcall
    [put]=usdt:dpif_netlink_operate__:op_flow_put
    [switch]=tracepoint:sched:sched_switch
    [irq]=tracepoint:irq:irq_handler_entry
)
reval_int=(ukey.hash udpif.flow_limit ukey.created ukey.dump_seq ukey.missed_dumps udpif.n_flows tid pid cpu
           "ukey.hash & 0xff" "udpif.n_flows * 2 + 1")
reval_str=(udpif.dpif.full_name udpif.dpif.base_name ukey.dp_layer comm '"literal text"')
reval_enum=(result reason ukey.state)
reval_ufid=(ukey.ufid)
reval_key=(ukey.key ukey.mask)
reval_dur=(udpif.dump_duration)
reval_time=(nsecs)
sweep_int=("${reval_int[@]}") sweep_str=("${reval_str[@]}") sweep_enum=("${reval_enum[@]}")
sweep_ufid=("${reval_ufid[@]}") sweep_key=("${reval_key[@]}") sweep_dur=("${reval_dur[@]}") sweep_time=(nsecs)
recv_int=(packet_len key_len tid "fingerprint(packet)" "fingerprint(packet, 64)")
recv_str=(dpif_name comm)
recv_enum=(type)
recv_ufid=()
recv_key=(key packet)
recv_dur=() recv_time=(nsecs)
put_int=(put.key_len put.mask_len put.actions_len put.pmd_id dpif.dp_ifindex tid)
put_str=(dpif.dpif.full_name dpif.dpif.base_name comm)
put_enum=(put.flags)
put_ufid=(put.ufid)
put_key=(put.key put.mask put.actions)
put_dur=() put_time=(nsecs)
switch_int=(prev_pid next_pid prev_prio next_prio prev_state cpu)
switch_str=(prev_comm next_comm comm)
switch_enum=() switch_ufid=() switch_key=() switch_dur=() switch_time=(nsecs)
irq_int=(irq cpu tid)
irq_str=(name comm)
irq_enum=() irq_ufid=() irq_key=() irq_dur=() irq_time=(nsecs)

int_formats=("" "" hex)
kinds=(int int int str str enum ufid key dur time stack)

# One value of a random kind that the probe has: "EXPR|FORMAT" (FORMAT may be empty), in REPLY.
value_for() {
    local p=$1 kind expr fmt=""
    for _ in 1 2 3 4 5 6; do
        pick kinds; kind=$REPLY
        if [ "$kind" = stack ]; then
            [ "$p" = switch ] || [ "$p" = irq ] && continue
            local stacks=("ustack()" "ustack(3)" "ustack(8)"); pick stacks; REPLY="$REPLY|"; return
        fi
        local -n vals=${p}_${kind}
        [ ${#vals[@]} -eq 0 ] && continue
        pick vals; expr=$REPLY
        REPLY=""
        case $kind in
            int) pick int_formats ;;
            key) local kf=(hex hex odp); pick kf ;;
            dur) local df=("" ns us ms); pick df ;;
            time) local tf=("" time int); pick tf ;;
            enum) local ef=("" "" int hex); pick ef ;;
        esac
        REPLY="$expr|$REPLY"; return
    done
    REPLY="tid|"
}

# A key for an aggregate (what `by:` takes: numbers, strings, enums), in REPLY.
key_for() {
    local p=$1 kinds_k=(int int str str enum) kind
    for _ in 1 2 3 4; do
        pick kinds_k; kind=$REPLY
        local -n vals=${p}_${kind}
        [ ${#vals[@]} -gt 0 ] && { pick vals; return; }
    done
    REPLY=tid
}

yaml_quote() { printf "'%s'" "${1//\'/\'\'}"; }

event() {   # PROBE-TAG NCOLS
    local p=$1 n=$2 i v expr fmt odp_used=0
    echo "  - on: ${probe_of[$p]}"
    [ $((RANDOM % 3)) -eq 0 ] && echo "    where: tid != 0"
    echo "    columns:"
    for ((i = 0; i < n; i++)); do
        value_for "$p"; expr=${REPLY%%|*}; fmt=${REPLY#*|}
        # odp format only for the last column
        if [ "$fmt" = odp ] && [ $i -ne $((n - 1)) ]; then fmt=hex; fi
        if [ -n "$fmt" ]; then
            echo "      - { name: C$i, value: $(yaml_quote "$expr"), format: $fmt }"
        else
            echo "      - C$i: $(yaml_quote "$expr")"
        fi
    done
}

aggregate() {   # NAME PROBE-TAG NKEYS
    local name=$1 p=$2 n=$3 i keys="" values
    local -n ints=${p}_int
    pick ints; local x=$REPLY
    values=("count()" "count()" "sum($x)" "max($x)" "avg($x)" "stats($x)" "hist($x)" "lhist($x, 0, 1000, 10)")
    echo "  $name:"
    echo "    on: ${probe_of[$p]}"
    pick values; echo "    value: $(yaml_quote "$REPLY")"
    if [ "$n" -gt 0 ]; then
        for ((i = 0; i < n; i++)); do key_for "$p"; keys+="${keys:+, }$(yaml_quote "$REPLY")"; done
        echo "    by: [$keys]"
    fi
}

span() {   # NAME NCAPTURES NCOLS: flow revalidation, entry -> exit, keyed by thread and ukey
    local name=$1 nc=$2 ncols=$3 i caps=(ukey.hash udpif.flow_limit tcp_flags udpif.dpif.full_name ukey.dp_layer
                                         comm udpif.dpif.base_name nsecs)
    echo "spans:"
    echo "  $name:"
    echo "    from: usdt:revalidate_ukey__:entry"
    echo "    to: usdt:revalidate_ukey__:exit"
    echo "    key: [tid, ukey]"
    echo "    capture:"
    for ((i = 0; i < nc; i++)); do pick caps; echo "      c$i: $REPLY"; done
    echo "events:"
    echo "  - on: $name"
    echo "    columns:"
    echo "      - TIME: $name.duration"
    for ((i = 0; i < ncols; i++)); do echo "      - C$i: $name.c$((RANDOM % nc))"; done
    echo "aggregates:"
    echo "  by_capture:"
    echo "    on: $name"
    echo "    value: hist($name.duration)"
    local by=""
    for ((i = 0; i < nc && i < 8; i++)); do by+="${by:+, }$name.c$i"; done
    echo "    by: [$by]"
}

tags=(reval reval reval sweep recv recv put switch irq)
for ((k = 0; k < count; k++)); do
    f=$dir/gen_${seed}_$k.recipe
    {
        echo "name: gen_${seed}_$k"
        echo "summary: Generated by tests/limits/gen.sh $seed (case $k)."
        case $((RANDOM % 4)) in
            0|1)    # events (one to three on one probe), maybe aggregates on it too
                pick tags; p=$REPLY
                echo "events:"
                for ((e = 0; e < 1 + RANDOM % 3; e++)); do event "$p" $((1 + RANDOM % 12)); done
                if [ $((RANDOM % 2)) -eq 0 ]; then
                    echo "aggregates:"
                    for ((a = 0; a < 1 + RANDOM % 2; a++)); do aggregate "a$a" "$p" $((RANDOM % 9)); done
                fi
                ;;
            2)      # aggregates with many keys
                pick tags; p=$REPLY
                echo "aggregates:"
                for ((a = 0; a < 1 + RANDOM % 3; a++)); do aggregate "a$a" "$p" $((3 + RANDOM % 6)); done
                ;;
            3)      # a span with captures
                span s $((1 + RANDOM % 8)) $((RANDOM % 8))
                ;;
        esac
    } > "$f"
done
