#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The stand-in follows the real Open vSwitch 3.5 build: the same 13 USDT probes with
# the same argument counts and sizes (registers may differ), and, read from each
# binary's DWARF, the same size and offsets for every struct field recipes can read,
# so that tests passing on the stand-in mean something for the real daemon.
. "$(dirname "$0")/../e2e/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
real=$("$here/../ovs/build_ovs.sh")/bin/ovs-vswitchd
# "present  usdt:prov:name  since  8@%rdx 4@%ecx" -> "usdt:prov:name 8 4"
shape() {
    "$OVSTRACE" probes --binary "$1" | awk '$1 == "present" || $1 == "unknown" {
        out = $2; for (i = 4; i <= NF; i++) if ($i ~ /@/) { split($i, a, "@"); sub(/^-/, "", a[1]); out = out " " a[1] } print out }'
}
shape "$STANDIN" > "$WORK/standin"
shape "$real" > "$WORK/real"
check "the real build has the 13 probes" [ "$(wc -l < "$WORK/real")" -eq 13 ]
check "the stand-in has the same probes, argument counts and sizes as the real 3.5 build" diff "$WORK/real" "$WORK/standin"
# "udpif_key ufid 40": every catalog struct's size and field offsets, as each binary's DWARF says.
layouts() { "$OVSTRACE" layouts --binary "$1" | awk 'NR > 2 { print $1, $2, $3 }'; }
layouts "$STANDIN" > "$WORK/standin_layouts"
layouts "$real" > "$WORK/real_layouts"
check "the real build's DWARF describes the catalog structs ($(wc -l < "$WORK/real_layouts") fields)" \
    [ "$(wc -l < "$WORK/real_layouts")" -ge 90 ]
check "the stand-in's struct layouts equal the real 3.5 build's" diff "$WORK/real_layouts" "$WORK/standin_layouts"
check "the bundled catalog equals the real 3.5 build's DWARF" \
    bash -c "'$OVSTRACE' layouts --binary '$real' | awk 'NR > 2 && \$NF != \"same\"' | grep -q . && exit 1 || exit 0"
finish
