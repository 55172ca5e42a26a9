#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A stripped build gets its release's bundled layouts: for each real build (tests/ovs/
# releases.txt), a copy without debug info (strip --strip-debug: the USDT notes and the version
# text stay) compiles every recipe to the same script as the unstripped build's DWARF gives,
# the recipes that read the fields that move between releases included (moved_fields*.recipe);
# a release ovstrace has no layouts for is refused, and --layouts overrides. Skipped (77),
# saying which, only when a build is not in the cache (tests/run.sh builds them).
. "$(dirname "$0")/../e2e/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/ovs/cached_releases.sh"
# Each recipe with the parameters that change its code (tests/load/combos.txt), and the two
# test recipes; compiled for bpftrace 0.17 (the form does not matter here, only the layouts).
{
    grep -v -e '^#' -e '^load ' "$top/tests/load/combos.txt" | cut -d' ' -f2-
    echo "$here/moved_fields.recipe"
    echo "$here/moved_ukey_fields.recipe"
} > "$WORK/cases"
# compile_for BINARY RECIPE ARGS...: the script (or the errors) with BINARY's path as BIN and
# without the header line naming the layouts' source, into $WORK/got; the status in STATUS.
compile_for() {
    local bin=$1; shift
    "$OVSTRACE" compile "$@" --target "$bin" --bpftrace-version 0.17 > "$WORK/got" 2>&1
    STATUS=$?
    sed -i -e "s#$bin#BIN#g" -e '/^\/\/ Layouts: /d' "$WORK/got"
}

for r in $RELEASES; do
    series=${r%%:*}
    real=$(ovs_install "$r")/bin/ovs-vswitchd
    dir=$WORK/$series
    mkdir -p "$dir"
    strip --strip-debug -o "$dir/stripped" "$real"
    check "$series: the stripped copy has no DWARF" bash -c "! readelf -S '$dir/stripped' | grep -q '\.debug_info'"
    "$OVSTRACE" probes --binary "$real" | sed "s#$real#BIN#g" > "$dir/probes_real"
    "$OVSTRACE" probes --binary "$dir/stripped" | sed "s#$dir/stripped#BIN#g" > "$dir/probes_stripped"
    check "$series: its USDT notes survive the strip" diff "$dir/probes_real" "$dir/probes_stripped"
    check "$series: layouts --binary of the stripped copy are the bundled $series ones" \
        grep -q "^# bundled struct layouts of Open vSwitch $series (x86_64): .*stripped is $series\.[0-9]*, without debug info" \
        <("$OVSTRACE" layouts --binary "$dir/stripped")
    same=0 compiled=0
    while read -r recipe args; do
        # shellcheck disable=SC2086  # ARGS is a list of -p options
        compile_for "$real" "$recipe" $args; cp "$WORK/got" "$dir/from_dwarf"; s1=$STATUS
        # shellcheck disable=SC2086
        compile_for "$dir/stripped" "$recipe" $args; s2=$STATUS
        if cmp -s "$dir/from_dwarf" "$WORK/got" && [ "$s1" = "$s2" ]; then
            same=$((same + 1)); [ "$s1" = 0 ] && compiled=$((compiled + 1))
        else
            check "$series: $(basename "$recipe") ${args:0:60}: stripped gives what DWARF gives (status $s1/$s2)" false
            diff "$dir/from_dwarf" "$WORK/got" | head -10 | sed 's/^/#   /'
        fi
    done < "$WORK/cases"
    check "$series: every recipe and combination, stripped, compiles as from DWARF ($same cases, $compiled scripts)" \
        [ "$same" -eq "$(wc -l < "$WORK/cases")" ]
    # The fields that move: the script for this release differs from one for the others.
    compile_for "$dir/stripped" "$here/moved_fields.recipe"; cp "$WORK/got" "$dir/moved"
    for other in $(awk '!/^#/ { print $1 }' "$top/tests/ovs/releases.txt"); do
        [ "$other" = "$series" ] && continue
        "$OVSTRACE" compile "$here/moved_fields.recipe" --target "$dir/stripped" --layouts "$other" --bpftrace-version 0.17 2>/dev/null |
            sed -e "s#$dir/stripped#BIN#g" -e '/^\/\/ Layouts: /d' > "$dir/moved_as_$other"
    done
done

# What the bundles say differs, the scripts show: 4.0's dpif_netlink and dpif_execute fields sit
# 8 bytes later than 3.5's, 3.1's dp_packet is 8 bytes shorter.
check "4.0 stripped: dpif_netlink's fields after a 48-byte struct dpif (3.5: 40)" \
    bash -c "grep -A3 '^struct dpif {' '$WORK/4.0/moved' | grep -q '_pad_24\[24\]' && grep -A3 '^struct dpif {' '$WORK/4.0/moved_as_3.5' | grep -q '_pad_24\[16\]'"
check "4.0 stripped: dpif_execute.flow at 40 (3.5: 32)" \
    bash -c "grep -A4 '^struct dpif_execute {' '$WORK/4.0/moved' | grep -q '_pad_24\[16\]' && grep -A4 '^struct dpif_execute {' '$WORK/4.0/moved_as_3.5' | grep -q '_pad_24\[8\]'"
check "3.1 stripped: its own dp_packet size (560; 3.5: 568)" \
    bash -c "grep -A3 '^struct dp_packet {' '$WORK/3.1/moved' | grep -q '_pad_16\[544\]' && grep -A3 '^struct dp_packet {' '$WORK/3.1/moved_as_3.5' | grep -q '_pad_16\[552\]'"
check "3.5 stripped: its script is neither 4.0's nor 3.1's" \
    bash -c "! cmp -s '$WORK/3.5/moved' '$WORK/3.5/moved_as_4.0' && ! cmp -s '$WORK/3.5/moved' '$WORK/3.5/moved_as_3.1'"

# A release ovstrace has no layouts for (4.0's version text made 4.9.0), stripped: refused when
# the recipe reads a struct, saying how to get debug info; --layouts 4.0 gives 4.0's script.
perl -0777 -pe 's/\(Open vSwitch\) 4\.0\.0/(Open vSwitch) 4.9.0/' "$WORK/4.0/stripped" > "$WORK/4.9"
chmod +x "$WORK/4.9"
compile_for "$WORK/4.9" "$here/moved_fields.recipe"
check "unknown release 4.9.0, stripped: refused ($STATUS), naming it" \
    bash -c "[ $STATUS -eq 1 ] && grep -q 'BIN has no debug info, and it is Open vSwitch 4\.9\.0, a release ovstrace has no struct layouts for' '$WORK/got'"
check "the refusal says how to get debug info and names the override" \
    grep -q '^hint: .*dbgsym.*debuginfod-find.*--target an unstripped build.*--layouts X\.Y' "$WORK/got"
"$OVSTRACE" compile "$here/moved_fields.recipe" --target "$WORK/4.9" --layouts 4.0 --bpftrace-version 0.17 2>"$ERR" |
    sed -e "s#$WORK/4.9#BIN#g" -e '/^\/\/ Layouts: /d' > "$WORK/override"
check "--layouts 4.0 on it: 4.0's script, with a warning that it says 4.9.0" \
    bash -c "cmp -s '$WORK/override' '$WORK/4.0/moved' && grep -q 'is Open vSwitch 4\.9\.0; reading its structs as 4\.0 lays them out' '$ERR'"
finish
