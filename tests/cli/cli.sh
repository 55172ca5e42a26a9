#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The command line: list, help, probes (with --binary on the stand-in, a stripped
# copy and a binary without probes), check, recipe lookup, usage errors, and the
# ways `run` refuses to start.
. "$(dirname "$0")/../e2e/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
O=$OVSTRACE

expect_out() {   # expect_out WHAT STATUS PATTERN -- CMD...: status and a line matching PATTERN on stdout+stderr
    local what=$1 want=$2 pat=$3; shift 4
    local out status
    out=$("$@" 2>&1); status=$?
    if [ "$status" = "$want" ] && grep -qE -- "$pat" <<<"$out"; then pass "$what"; else
        fail "$what (status $status, want $want)"; printf '%s\n' "$out" | head -5 | sed 's/^/#   /'; fi
}

expect_out "--version" 0 '^ovstrace [0-9]+\.[0-9]+\.[0-9]+$' -- "$O" --version
expect_out "--help lists the commands" 0 '^  probes ' -- "$O" --help
expect_out "no command is a usage error" 2 '^usage: ovstrace COMMAND' -- "$O"
expect_out "unknown command suggests" 2 "did you mean 'compile'" -- "$O" compiel x
expect_out "compile --help" 0 '^usage: ovstrace compile RECIPE' -- "$O" compile --help
expect_out "run --help" 0 '^usage: ovstrace run RECIPE' -- "$O" run --help
expect_out "unknown option" 2 "unknown option '--nope'" -- "$O" compile --nope bridge_loop
expect_out "missing recipe" 2 'which recipe' -- "$O" compile
expect_out "bad --pid" 2 "is not a process id" -- "$O" compile bridge_loop --pid abc
expect_out "no such recipe" 1 "no recipe 'nosuch'" -- "$O" compile nosuch
expect_out "list shows bundled recipes" 0 '^reval_monitor +Show each revalidator round' -- "$O" list
expect_out "help explains a recipe" 0 '^  lines +bool, default true' -- "$O" help bridge_loop
expect_out "check prints a verdict" 0 'reval_monitor.recipe: ok, 3 probes, needs Open vSwitch >= 3.2.0' -- "$O" check reval_monitor
expect_out "check fails on a bad recipe" 1 "unknown field 'ufd'|has no field 'ufd'" -- "$O" check "$top/tests/errors/unknown_field.recipe"

# OVSTRACE_PATH comes before the bundled recipes.
mkdir -p "$WORK/mine"
sed 's/^summary: .*/summary: My own copy./' "$top/recipes/bridge_loop.recipe" > "$WORK/mine/bridge_loop.recipe"
expect_out "OVSTRACE_PATH wins over bundled" 0 '^bridge_loop +My own copy\.$' -- env OVSTRACE_PATH="$WORK/mine" "$O" list
out=$("$O" compile bridge_loop 2>&1); check "compile output is not empty and names the recipe" grep -q '^// bridge_loop: ' <<<"$out"

# probes --binary: every OVS probe present in the stand-in, with its note arguments.
expect_out "probes lists the catalog" 0 '^usdt:revalidate:flow_result +3\.4\.0 ' -- "$O" probes
expect_out "stand-in has all 13 probes" 0 ': 13 of the 13 Open vSwitch probes' -- "$O" probes --binary "$STANDIN"
expect_out "note arguments shown" 0 '^present +usdt:revalidate_ukey__:entry +3\.2\.0 +8@.* 2@' -- "$O" probes --binary "$STANDIN"
cp "$STANDIN" "$WORK/stripped" && strip "$WORK/stripped"
expect_out "a stripped binary keeps its notes" 0 ': 13 of the 13' -- "$O" probes --binary "$WORK/stripped"
expect_out "a binary without probes" 0 'no USDT notes' -- "$O" probes --binary /bin/true
expect_out "missing probes are marked" 0 '^missing +usdt:main:run_start' -- "$O" probes --binary /bin/true
expect_out "not an ELF file" 1 'not an ELF file' -- "$O" probes --binary "$top/README.md"

# run: refuses clearly, with nothing traced, when it cannot pick a process.
if pgrep -x ovs-vswitchd >/dev/null; then
    echo "ok - # SKIP an ovs-vswitchd is running here; skipping the no-process case"
else
    expect_out "run without any ovs-vswitchd" 1 'no ovs-vswitchd is running' -- "$O" run bridge_loop
fi
expect_out "run with a dead pid" 1 'no process 4194000' -- "$O" run bridge_loop --pid 4194000
expect_out "run with a bad recipe does not start bpftrace" 1 "no recipe 'nosuch'" -- "$O" run nosuch --pid $$
finish
