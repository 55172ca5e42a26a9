#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ODP flow filters decided in the kernel: nine filters (exact, masked, CIDR, port
# masks, in_port, ICMP type, metadata, presence) count the stand-in's upcalls; each count must
# equal the number of upcalls in the truth log whose key fields satisfy the filter.
. "$(dirname "$0")/lib.sh"
mount_tracefs
standin_start -g -n 25 -r 100 -f 6
compile_and_run "$(dirname "$0")/odp_filters.recipe"
standin_wait
check "bpftrace exits 0 ($RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
count() { awk -v n="$1" -F': ' '$1 == "@" n "[]" { print $2 }' "$OUT"; }
all=$(count all)
check "upcalls seen ($all)" [ "${all:-0}" -ge 60 ]
# Expected counts over the same upcalls: the truth log's last $all recv_upcall lines.
awk -F'\t' '$1 == "dpif_recv:recv_upcall" { delete f; for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    split(f["src"], s, ".")
    print (f["src"] == "10.0.0.1"), (s[4] <= 1), ((s[4] == 2 || s[4] == 3) && f["dst"] == "10.0.1.2"),
          (f["proto"] == 6 && f["tp_dst"] == 80), (f["proto"] == 17 && f["tp_dst"] < 256),
          (f["in_port"] == 2), (f["proto"] == 1 && f["tp_src"] == 8), (f["src"] == "10.0.0.3" && f["proto"] == 17),
          (f["proto"] == 17) }' \
    "$TRUTH" | tail -n "${all:-0}" > "$WORK/expect"
for i in 1 2 3 4 5 6 7 8 9; do
    want=$(awk -v c="$i" '{ s += $c } END { print s + 0 }' "$WORK/expect")
    got=$(count "f$i")
    filter=$(sed -n "s/^  f$i: { type: odp_flow, default: \"\\(.*\\)\" }$/\\1/p" "$(dirname "$0")/odp_filters.recipe")
    check "$filter: $want upcalls match (kernel counted ${got:-0})" [ "${got:-0}" -eq "$want" ]
done
check "the filters are not all trivially equal" [ "$(sort -u "$WORK/expect" | wc -l)" -ge 4 ]
finish
