#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CI for this repository's recipes, with no root and no bpftrace: each recipes/NAME.recipe,
# found by name through OVSTRACE_PATH as on the fleet, passes `ovstrace check` and compiles,
# with its defaults and with each parameter set of ci/params.txt, for every bpftrace release
# the fleet runs (named: without --bpftrace-version, ovstrace would ask the bpftrace in PATH). Prints what it did; exits 1 on any error or warning.
#   OVSTRACE=/path/to/ovstrace BPFTRACE_VERSIONS="0.17 0.23" ci/check.sh
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
OVSTRACE=${OVSTRACE:-ovstrace}
# Debian 12's bpftrace and Debian 13's: the scripts differ between them (ovstrace compiles
# for the bpftrace that will run a script).
BPFTRACE_VERSIONS=${BPFTRACE_VERSIONS:-0.17 0.23}
# Our recipes before the bundled ones, as /etc/profile.d/ovstrace.sh sets it on the hosts.
OVSTRACE_PATH=$top/recipes
export OVSTRACE_PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 compiles=0 recipes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# compile NAME [-p NAME=VALUE]...: for each bpftrace release; any word on stderr fails.
compile() {
    for version in $BPFTRACE_VERSIONS; do
        compiles=$((compiles + 1))
        if ! "$OVSTRACE" compile "$@" --bpftrace-version "$version" >/dev/null 2>"$tmp/err" \
            || [ -s "$tmp/err" ]; then
            cat "$tmp/err"
            fail "ovstrace compile $* --bpftrace-version $version"
        fi
    done
}

for recipe in "$top"/recipes/*.recipe; do
    name=$(basename "$recipe" .recipe)
    recipes=$((recipes + 1))
    for version in $BPFTRACE_VERSIONS; do
        "$OVSTRACE" check "$name" --bpftrace-version "$version" >"$tmp/out" 2>"$tmp/err"
        status=$?
        echo "bpftrace $version: $(cat "$tmp/out" "$tmp/err")"
        # By name, so the path says OVSTRACE_PATH found ours (not a bundled recipe of that
        # name). A CI runner may lack kernel probes (no openvswitch.ko): check says so and
        # exits 1, which is not the recipe's fault; any diagnostic is.
        if [ -s "$tmp/err" ] || ! grep -q "^$recipe: ok" "$tmp/out"; then
            fail "ovstrace check $name --bpftrace-version $version"
        elif [ "$status" -ne 0 ] && ! grep -q "^$recipe: this host lacks" "$tmp/out"; then
            fail "ovstrace check $name --bpftrace-version $version exited $status"
        fi
    done
    compile "$name"
done

grep -v -e '^#' -e '^$' "$top/ci/params.txt" > "$tmp/params"
set -f    # the -p values below are words, never globs
while read -r name params; do
    [ -f "$top/recipes/$name.recipe" ] || { fail "ci/params.txt: no recipes/$name.recipe"; continue; }
    # shellcheck disable=SC2086  # PARAMS is a list of -p options
    compile "$name" $params
done < "$tmp/params"

echo "$recipes recipes checked, $compiles compiles (bpftrace $BPFTRACE_VERSIONS), $fails failed"
[ "$fails" -eq 0 ]
