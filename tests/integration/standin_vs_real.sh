#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The stand-in follows the real Open vSwitch 3.5 build: the same 13 USDT probes with
# the same argument counts and sizes (registers may differ), so that tests passing
# on the stand-in mean something for the real daemon.
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
finish
