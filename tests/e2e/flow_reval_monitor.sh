#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# flow_reval_monitor against the stand-in: without a filter every delete (dump and
# sweep) is printed with its UFID and the right reason, all eleven reasons included;
# with -p filter, exactly the deletes of matching flows (decided in the kernel, once per
# flow, in the recipe's watch list) and the puts of matching flows. The watch list is
# pruned as flows are deleted (120 flows pass through a list of 40 without filling it)
# and stays correct when it is too small (decided again, and said so at exit).
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
mount_tracefs

# reason number -> text, as the catalog words it
awk '/^  flow_del_reason:/ { on = 1; next } on && /^  [a-z]/ { on = 0 }
     on && /value:/ { match($0, /value: *[0-9]+/); v = substr($0, RSTART + 7, RLENGTH - 7) + 0
                      match($0, /text: "[^"]*"/); print v "\t" substr($0, RSTART + 7, RLENGTH - 8) }' \
    "$top/templates/enums.yaml" > "$WORK/reasons"
check "eleven delete reasons and none in the catalog" [ "$(wc -l < "$WORK/reasons")" -eq 12 ]

# expected "UFID REASON-TEXT" for deletes in the truth log whose src matches $1 ("" = all)
expected() {
    awk -F'\t' -v want="$1" 'NR == FNR { text[$1] = $2; next }
        $1 == "revalidate:flow_result" || $1 == "revalidator_sweep__:flow_sweep_result" {
            delete f; for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
            if (f["result"] == 1 && (want == "" || f["src"] == want)) print f["ufid"], text[f["reason"]] }' \
        "$WORK/reasons" "$TRUTH"
}
got_deletes() { awk '$3 ~ /^[0-9a-f]+-[0-9a-f]+-/ && $0 !~ / flow put into the datapath$/ { u = $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); print u, $0 }' "$OUT"; }

standin_start -g -n 30 -r 100 -f 4
run_recipe flow_reval_monitor
standin_wait
check "exits 0 ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
check_example_header flow_reval_monitor
expected "" > "$WORK/want"; got_deletes > "$WORK/got"
check "deletes printed: $(wc -l < "$WORK/got")" [ "$(wc -l < "$WORK/got")" -ge 30 ]
check "every delete matches the stand-in's record: UFID and reason, in order" is_subsequence "$WORK/got" "$WORK/want"
check "all eleven delete reasons seen" [ "$(awk '{ $1 = ""; print }' "$WORK/got" | sort -u | wc -l)" -eq 11 ]

standin_start -g -n 30 -r 100 -f 4
run_recipe flow_reval_monitor -p 'filter=ipv4(src=10.0.0.2)'
standin_wait
check "filtered run exits 0 ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
expected 10.0.0.2 > "$WORK/want"; got_deletes > "$WORK/got"
check "filtered: $(wc -l < "$WORK/got") deletes, all of flows from 10.0.0.2, in order" is_subsequence "$WORK/got" "$WORK/want"
puts=$(grep -c ' flow put into the datapath$' "$OUT")
want_puts=$(awk -F'\t' '$1 == "dpif_netlink_operate__:op_flow_put" && $0 ~ /\tsrc=10\.0\.0\.2\t/' "$TRUTH" | wc -l)
check "filtered: puts only of matching flows ($puts printed, at most $want_puts fired)" [ "$puts" -ge 1 -a "$puts" -le "$want_puts" ]
awk -F'\t' '$0 !~ /\tsrc=10\.0\.0\.2\t/' "$TRUTH" | grep -o 'ufid=[0-9a-f-]*' | cut -d= -f2 | sort -u > "$WORK/others"
check "filtered: no UFID of a non-matching flow printed ($(wc -l < "$WORK/others") such flows)" \
    bash -c "test -s '$WORK/others' && ! grep -qF -f '$WORK/others' '$OUT'"
# -p key=true under run: each flow's key printed as dump-flows text, decoded from the
# bytes the probe saw; pasted back as -p filter, it picks out exactly that flow.
standin_start -g -n 20 -r 100 -f 4
run_recipe flow_reval_monitor -p key=true
standin_wait
awk -F'\t' '{ u = s = ""; for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "ufid") u = kv[2]; if (kv[1] == "src") s = kv[2] }
              if (u != "" && s != "") print u, s }' "$TRUTH" | sort -u > "$WORK/ufid_src"
awk '$3 ~ /^[0-9a-f]+-/ { print $3, $NF }' "$OUT" > "$WORK/keys"
check "keys printed: $(wc -l < "$WORK/keys")" [ "$(wc -l < "$WORK/keys")" -ge 20 ]
check "every key is dump-flows text with its flow's ipv4 source" awk 'NR == FNR { src[$1] = $2; next }
    { if ($2 !~ /^recirc_id\(/ || index($2, "ipv4(src=" src[$1] ",") == 0) { print "bad: " $0; bad = 1 } } END { exit bad }' \
    "$WORK/ufid_src" "$WORK/keys"
pick=$(awk '$3 ~ /^[0-9a-f]+-/ && / flow put into the datapath / { print $3, $NF; exit }' "$OUT")
standin_start -g -n 20 -r 100 -f 4
run_recipe flow_reval_monitor -p "filter=${pick#* }"
standin_wait
check "the printed key pasted back as a filter shows only that flow (${pick%% *})" \
    awk -v u="${pick%% *}" '$3 ~ /^[0-9a-f]+-/ { n++; if ($3 != u) bad = 1 } END { exit bad || n < 1 }' "$OUT"

# 30 rounds x 4 flows, each living 4 rounds: about 20 live at a time, 120 in all.
for cap in 40 3; do
    standin_start -g -n 30 -r 100 -f 4
    run_recipe flow_reval_monitor -p 'filter=ipv4(src=10.0.0.2)' -p max_flows=$cap
    standin_wait
    expected 10.0.0.2 > "$WORK/want"; got_deletes > "$WORK/got"
    check "watch list of $cap: $(wc -l < "$WORK/got") deletes, as without a limit" \
        bash -c "[ $(wc -l < "$WORK/got") -ge 3 ] && $(declare -f is_subsequence); is_subsequence '$WORK/got' '$WORK/want'"
    if [ "$cap" = 40 ]; then
        check "watch list of 40 never full: deleted flows leave it" bash -c "! grep -q 'watch list flows was full' '$OUT'"
    else
        check "watch list of 3 reports it was full" grep -q 'watch list flows was full (3 entries) [0-9]* times' "$OUT"
    fi
done
finish
