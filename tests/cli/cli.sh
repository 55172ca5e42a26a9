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
expect_out "unknown command suggests" 2 "^ovstrace: unknown command 'compiel' \\(did you mean 'compile'\\?\\)$" -- "$O" compiel x
expect_out "unknown command: where to look" 2 "^see 'ovstrace --help'$" -- "$O" compiel x
expect_out "a usage error names the command's help" 2 "^see 'ovstrace compile --help'$" -- "$O" compile --nope bridge_loop
expect_out "compile --help" 0 '^usage: ovstrace compile RECIPE' -- "$O" compile --help
expect_out "run --help" 0 '^usage: ovstrace run RECIPE' -- "$O" run --help
expect_out "unknown option" 2 "unknown option '--nope'" -- "$O" compile --nope bridge_loop
expect_out "missing recipe" 2 '^ovstrace: which recipe\? \(ovstrace list\)$' -- "$O" compile
expect_out "two recipes" 2 '^ovstrace: compile takes one recipe$' -- "$O" compile bridge_loop reval_monitor
expect_out "run: two recipes" 2 '^ovstrace: run takes one recipe$' -- "$O" run bridge_loop reval_monitor
expect_out "check: no recipe" 2 '^ovstrace: which recipes\? \(ovstrace list\)$' -- "$O" check
expect_out "an unknown short option is unknown, not missing a value" 2 "unknown option '-x'" -- "$O" compile -x bridge_loop
expect_out "a short option without its value" 2 "option -p needs a value" -- "$O" compile bridge_loop -p
expect_out "a long option without its value" 2 "option --target needs a value" -- "$O" compile bridge_loop --target
expect_out "probes: --binary without its value" 2 "option --binary needs a value" -- "$O" probes --binary
expect_out "probes: an unknown short option" 2 "unknown option '-x'" -- "$O" probes -x
expect_out "compile: arguments after -- are refused, not ignored" 2 "'--' passes arguments to bpftrace, and only 'ovstrace run' runs it" \
    -- "$O" compile bridge_loop -- -v
expect_out "check: arguments after -- are refused" 2 "only 'ovstrace run' runs it" -- "$O" check bridge_loop -- -v
expect_out "bad --pid" 2 "^ovstrace: --pid 'abc' is not a process id$" -- "$O" compile bridge_loop --pid abc
expect_out "no such recipe" 1 "no recipe 'nosuch': not a file, and not found in OVSTRACE_PATH or the bundled recipes" -- "$O" compile nosuch
expect_out "no such recipe: where to look" 1 '^hint: ovstrace list shows the bundled recipes$' -- "$O" compile nosuch
expect_out "help: no such recipe" 1 "^ovstrace: no recipe 'nosuch' \\(ovstrace list shows the bundled ones\\)$" -- "$O" help nosuch
expect_out "help: no recipe named" 2 '^ovstrace: help takes one recipe name \(ovstrace list shows them\)$' -- "$O" help
expect_out "list: no arguments" 2 '^ovstrace: list takes no arguments$' -- "$O" list x
expect_out "probes: a stray argument" 2 "^ovstrace: unexpected argument 'extra'$" -- "$O" probes extra
expect_out "report: one argument" 2 '^ovstrace: give the recipe and the recording: ovstrace report RECIPE FILE$' \
    -- "$O" report bridge_loop
expect_out "--target: a path with a space" 1 "error: --target '/tmp/a b': use a path of letters, digits and / \\. _ \\+ -$" \
    -- "$O" compile bridge_loop --target '/tmp/a b'
expect_out "--target: no such file" 1 "error: cannot read the probes of /nonexistent: cannot open '/nonexistent'" \
    -- "$O" compile bridge_loop --target /nonexistent
expect_out "-o: a directory that is not there" 1 "^ovstrace: cannot write '/nonexistent/x.bt': No such file or directory$" \
    -- "$O" compile bridge_loop -o /nonexistent/x.bt
# The bpftrace a script is for: --bpftrace-version, else the bpftrace compile would pipe into.
expect_out "--bpftrace-version 0.23: the form for 0.23" 0 '^// For bpftrace 0.23.0 \(this form suits 0.23\)' \
    -- "$O" compile bridge_loop --bpftrace-version 0.23
expect_out "--bpftrace-version 0.23: its settings in a config block" 0 '^config = \{ str_trunc_trailer = ""' \
    -- "$O" compile bridge_loop --bpftrace-version 0.23
expect_out "no --bpftrace-version: the installed bpftrace is asked" 0 "^// For bpftrace $(bpftrace --version | sed 's/^bpftrace v//') " \
    -- "$O" compile bridge_loop
expect_out "no bpftrace to ask: the oldest form, said" 0 "could not ask /nonexistent its version; the script is for bpftrace 0.17.0" \
    -- env BPFTRACE=/nonexistent "$O" compile bridge_loop
expect_out "no bpftrace to ask: how to name another" 0 'could not ask /nonexistent its version; the script is for bpftrace 0\.17\.0 \(--bpftrace-version X\.Y for another\)$' \
    -- env BPFTRACE=/nonexistent "$O" compile bridge_loop
expect_out "a bad --bpftrace-version" 2 "^ovstrace: --bpftrace-version '0.x' is not a version like 0.23 or 0.23.2$" -- "$O" compile bridge_loop --bpftrace-version 0.x
expect_out "a --bpftrace-version older than supported" 2 "^ovstrace: bpftrace 0.16 is older than 0.17.0, the oldest ovstrace supports$" \
    -- "$O" check bridge_loop --bpftrace-version 0.16
printf '#!/bin/sh\necho "bpftrace v0.14.0"\n' > "$WORK/bpftrace-0.14"; chmod +x "$WORK/bpftrace-0.14"
expect_out "an installed bpftrace older than supported: refused, saying how to name another" 1 \
    "bpftrace-0.14 is bpftrace 0.14.0, older than 0.17.0, the oldest ovstrace supports: install a newer one, or name one with --bpftrace PATH or \\\$BPFTRACE$" -- env BPFTRACE="$WORK/bpftrace-0.14" "$O" compile bridge_loop
expect_out "a bpftrace newer than tested: the newest form, said" 0 "^ovstrace: bpftrace 0.30.0 is newer than the releases ovstrace is tested with; the script takes the newest form it knows \\(0.27 and later\\)$" \
    -- "$O" compile bridge_loop --bpftrace-version 0.30
expect_out "list shows bundled recipes" 0 '^reval_monitor +Show each revalidator round' -- "$O" list
expect_out "help explains a recipe" 0 '^  lines +bool, default true' -- "$O" help bridge_loop
expect_out "check prints a verdict" 0 'reval_monitor.recipe: ok, 3 probes, needs Open vSwitch >= 3.2.0' -- "$O" check reval_monitor
# With a binary and root, bpftrace builds the script too (tests/limits checks its refusals).
expect_out "check --target: bpftrace builds it" 0 'reval_monitor.recipe: ok, 3 probes, needs Open vSwitch >= 3.2.0, bpftrace builds it' \
    -- "$O" check reval_monitor --target "$STANDIN"
expect_out "check fails on a bad recipe" 1 "unknown field 'ufd'|has no field 'ufd'" -- "$O" check "$top/tests/errors/unknown_field.recipe"

# check names the kernel probes this host lacks (and run refuses before starting bpftrace).
kd=$top/tests/golden/kernel_datapath.recipe
mount_tracefs
if [ ! -e /sys/kernel/tracing/kprobe_events ]; then
    expect_out "check: a kernel without kprobes lacks kprobe:ovs_packet_cmd_execute" 1 \
        '^  kprobe:ovs_packet_cmd_execute +this kernel has no kprobes' -- "$O" check "$kd"
fi
if [ ! -d /sys/kernel/tracing/events/openvswitch ]; then
    expect_out "check: no openvswitch module, no tracepoint:openvswitch:ovs_dp_upcall" 1 \
        '^  tracepoint:openvswitch:ovs_dp_upcall +no openvswitch tracepoints in this kernel .*module is not loaded' -- "$O" check "$kd"
    expect_out "check: counts what is missing" 1 'kernel_datapath.recipe: this host lacks 3 of its 3 kernel probes:' -- "$O" check "$kd"
    # With --target, bpftrace would build the script: it cannot without the kernel's probes,
    # and check says what the host lacks, as without --target, not that bpftrace refused it.
    out=$("$O" check upcall_cost --target "$STANDIN" 2>&1); status=$?
    check "check --target: a host without the kernel probes says which (status $status)" \
        grep -q 'upcall_cost.recipe: this host lacks 2 of its 2 kernel probes:' <<<"$out"
    if grep -q 'bpftrace refused' <<<"$out" || [ "$status" != 1 ]; then
        fail "check --target: ... not that bpftrace refused the script"; printf '%s\n' "$out" | head -3 | sed 's/^/#   /'
    else pass "check --target: ... not that bpftrace refused the script"; fi
    expect_out "run refuses before starting bpftrace" 1 '^ovstrace: not running kernel_datapath here' \
        -- "$O" run "$kd" --pid $$ --bpftrace /bin/false
fi
expect_out "check: a recipe on tracepoints this host has is ok" 0 'syscall_names.recipe: ok' \
    -- "$O" check "$top/tests/e2e/syscall_names.recipe"

# Files to read that are not regular files are refused at once: a FIFO would hang the open.
mkdir -p "$WORK/fifos" && mkfifo "$WORK/fifos/stuck.recipe" "$WORK/fifo"
expect_out "list: a FIFO on the recipe path is refused, the rest listed" 1 "'.*/stuck.recipe' is not a regular file" \
    -- env OVSTRACE_PATH="$WORK/fifos" timeout 20 "$O" list
expect_out "list: ... and the bundled recipes still listed" 1 '^reval_monitor ' \
    -- env OVSTRACE_PATH="$WORK/fifos" timeout 20 "$O" list
expect_out "compile: a FIFO as the recipe" 1 "error: '.*/fifo' is not a regular file" -- timeout 20 "$O" compile "$WORK/fifo"
expect_out "probes --binary FIFO" 1 "'.*/fifo' is not a regular file" -- timeout 20 "$O" probes --binary "$WORK/fifo"
expect_out "layouts --binary FIFO" 1 "'.*/fifo' is not a regular file" -- timeout 20 "$O" layouts --binary "$WORK/fifo"
expect_out "compile --target FIFO" 1 "'.*/fifo' is not a regular file" \
    -- timeout 20 "$O" compile reval_monitor --target "$WORK/fifo"
expect_out "report: a FIFO as the recording" 1 "'.*/fifo' is not a regular file" \
    -- timeout 20 "$O" report reval_monitor "$WORK/fifo"
expect_out "report: a directory as the recording" 1 "'.*' is not a regular file" -- "$O" report reval_monitor "$WORK"
expect_out "-o /dev/stdout still writes" 0 '^// reval_monitor: ' -- "$O" compile reval_monitor -o /dev/stdout

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

# Text ovstrace prints from input it does not control reaches the terminal escaped, as in
# diagnostics: here an ELF note whose provider name holds escape sequences.
raw_control() { LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]'; }
printf '#include <sys/sdt.h>\nint main(void) { DTRACE_PROBE(evilprov, probe); return 0; }\n' > "$WORK/evil.c"
cc -O1 -o "$WORK/evil" "$WORK/evil.c" && perl -pi -e 's/evilprov/\e[2J\e]0;/g' "$WORK/evil"
out=$("$O" probes --binary "$WORK/evil" 2>&1)
check "probes --binary: a note's escape sequences are shown escaped" grep -qF 'usdt:\x1b[2J\x1b]0;:probe' <<<"$out"
if raw_control <<<"$out"; then fail "probes --binary: a raw control character reached the output"; else
    pass "probes --binary: no raw control character in the output"; fi

# --target: the probes the recipe uses are checked against the binary's notes.
cat > "$WORK/old.c" <<'C'
#include <sys/sdt.h>
/* Like OVS 3.1: main-loop probes, no revalidator ones; and flow_result with an 8-byte result. */
int main(int argc, char **argv) {
    long wide = argc;
    DTRACE_PROBE(main, run_start);
    DTRACE_PROBE(main, poll_block);
    DTRACE_PROBE4(revalidate, flow_result, argv, argv, wide, (int)argc);
    return 0;
}
C
cc -O1 -o "$WORK/ovs-old" "$WORK/old.c"
expect_out "a probe the binary lacks: named, with its release and what the binary has" 1 \
    'error: probe usdt:udpif_revalidator:start_dump is not in .*ovs-old \(it was added in Open vSwitch 3\.2\.0\)' \
    -- "$O" compile reval_monitor --target "$WORK/ovs-old"
expect_out "the hint lists the binary's probes" 1 '^hint: that binary has: main:poll_block, main:run_start, revalidate:flow_result$' \
    -- "$O" compile reval_monitor --target "$WORK/ovs-old"
expect_out "an argument of the wrong size is refused" 1 'argument 2 \(result\) of usdt:revalidate:flow_result is 8 bytes in .*, the catalog expects 4' \
    -- "$O" compile "$top/examples/flow_deletes.recipe" --target "$WORK/ovs-old"
expect_out "... with what it means" 1 "^hint: this build differs from the Open vSwitch releases ovstrace knows; the script would read it wrong$" \
    -- "$O" compile "$top/examples/flow_deletes.recipe" --target "$WORK/ovs-old"
expect_out "the probes it has are fine" 0 '^usdt:.*ovs-old:main:run_start$' -- "$O" compile bridge_loop --target "$WORK/ovs-old"
expect_out "a binary without USDT notes" 1 'error: /bin/true has no USDT probes at all, so not usdt:main:run_start$' -- "$O" compile bridge_loop --target /bin/true
expect_out "a binary without USDT notes: how to get them" 1 "^hint: Open vSwitch must be built with ./configure --enable-usdt-probes \\(Debian's package is not\\)$" \
    -- "$O" compile bridge_loop --target /bin/true
out=$("$O" compile reval_monitor --target /bin/true 2>&1 >/dev/null | grep -c 'error:')
check "reported once, not at every use ($out)" [ "$out" -eq 1 ]

# Layouts: from the target's DWARF, from its build-id debug file, or bundled with a warning.
expect_out "--target with DWARF: layouts from the binary" 0 '^// Layouts: struct layouts from the DWARF of .*ovs-vswitchd' \
    -- "$O" compile reval_monitor --target "$STANDIN"
# Stripped: the bundled layouts of the release its version text names (the stand-in says
# "%s (Open vSwitch) 3.5.0" as a real 3.5 build does), without a warning.
expect_out "stripped 3.5: that release's bundled layouts" 0 \
    '^// Layouts: bundled struct layouts of Open vSwitch 3\.5 \(x86_64\): .*stripped is 3\.5\.0, without debug info' \
    -- "$O" compile reval_monitor --target "$WORK/stripped"
out=$("$O" compile reval_monitor --target "$WORK/stripped" 2>&1 >/dev/null)
check "stripped 3.5: nothing on stderr ($out)" [ -z "$out" ]
# A release ovstrace has no layouts for (the version text patched, same length), stripped: refused
# when the recipe reads a struct, with the ways to debug info and the override.
perl -0777 -pe 's/\(Open vSwitch\) 3\.5\.0/(Open vSwitch) 9.9.0/' "$WORK/stripped" > "$WORK/ovs-9.9"
perl -0777 -pe 's/\(Open vSwitch\) 3\.5\.0/(Open vSwatch) 3.5.0/' "$WORK/stripped" > "$WORK/ovs-noversion"
chmod +x "$WORK/ovs-9.9" "$WORK/ovs-noversion"
expect_out "unknown release, stripped: refused, naming the release" 1 \
    'error: the recipe reads udpif\.[a-z_]+, and ovstrace cannot know where that is: .*ovs-9\.9 has no debug info, and it is Open vSwitch 9\.9\.0, a release ovstrace has no struct layouts for \(it has 3\.1, 3\.5, 4\.0\)' \
    -- "$O" compile reval_monitor --target "$WORK/ovs-9.9"
expect_out "the refusal says how to get debug info, and the override" 1 \
    "^hint: give ovstrace that build's debug info: the distribution's debug package \\(Debian/Ubuntu: openvswitch-switch-dbgsym; Fedora/RHEL: dnf debuginfo-install openvswitch\\), or debuginfod-find debuginfo BINARY \\(ovstrace reads debuginfod's cache\\), or --target an unstripped build of the same source; or, knowing the build lays its structs out as a release ovstrace has, say which: --layouts X\\.Y$" \
    -- "$O" compile reval_monitor --target "$WORK/ovs-9.9"
expect_out "check refuses it too" 1 'ovs-9\.9 has no debug info, and it is Open vSwitch 9\.9\.0' \
    -- "$O" check reval_monitor --target "$WORK/ovs-9.9"
expect_out "no version text at all: refused, saying so" 1 'ovs-noversion has no debug info, and no Open vSwitch version text ovstrace can read' \
    -- "$O" compile reval_monitor --target "$WORK/ovs-noversion"
expect_out "a recipe that reads no struct still compiles for it" 0 '^usdt:.*ovs-9\.9:main:run_start' \
    -- "$O" compile bridge_loop --target "$WORK/ovs-9.9"
expect_out "--layouts 3.5 overrides, with a warning that the release differs" 0 \
    'warning: .*ovs-9\.9 is Open vSwitch 9\.9\.0; reading its structs as 3\.5 lays them out, as --layouts says' \
    -- "$O" compile reval_monitor --target "$WORK/ovs-9.9" --layouts 3.5
expect_out "--layouts: the header says so" 0 '^// Layouts: bundled struct layouts of Open vSwitch 3\.5 \(x86_64\), as --layouts says' \
    -- "$O" compile reval_monitor --target "$WORK/ovs-9.9" --layouts 3.5
"$O" compile reval_monitor --target "$WORK/ovs-9.9" --layouts 3.5 2>/dev/null | grep -v '^// Layouts:' > "$WORK/override.bt"
"$O" compile reval_monitor --target "$WORK/stripped" 2>/dev/null | grep -v '^// Layouts:' | sed 's/stripped/ovs-9.9/g' > "$WORK/own.bt"
check "--layouts 3.5 gives the script 3.5's own bundle gives" cmp -s "$WORK/override.bt" "$WORK/own.bt"
expect_out "--layouts of a release ovstrace lacks" 1 'error: --layouts 9\.9: ovstrace has the struct layouts of Open vSwitch 3\.1, 3\.5, 4\.0, not 9\.9' \
    -- "$O" compile reval_monitor --layouts 9.9
expect_out "--layouts without a target" 0 '^// Layouts: bundled struct layouts of Open vSwitch 4\.0 \(x86_64\), as --layouts says' \
    -- "$O" compile reval_monitor --layouts 4.0
expect_out "--layouts is in compile's help" 0 '^      --layouts X\.Y ' -- "$O" compile --help
expect_out "--layouts is in check's help" 0 '^      --layouts X\.Y ' -- "$O" check --help
expect_out "--layouts is in run's help" 0 '^      --layouts X\.Y ' -- "$O" run --help
bid=$(readelf -n "$STANDIN" | awk '/Build ID:/ { print $3 }')
mkdir -p "$WORK/dbg/usr/lib/debug/.build-id/${bid:0:2}"
objcopy --only-keep-debug "$STANDIN" "$WORK/dbg/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug"
expect_out "stripped with a build-id debug file: layouts from that file" 0 "^// Layouts: struct layouts from the DWARF of .*/\.build-id/${bid:0:2}/${bid:2}\.debug" \
    -- env OVSTRACE_DEBUG_ROOT="$WORK/dbg" "$O" compile reval_monitor --target "$WORK/stripped"
mkdir -p "$WORK/debuginfod/$bid"
cp "$WORK/dbg/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug" "$WORK/debuginfod/$bid/debuginfo"
expect_out "stripped, its debug file in debuginfod's cache: layouts from that file" 0 \
    "^// Layouts: struct layouts from the DWARF of .*/debuginfod/$bid/debuginfo" \
    -- env DEBUGINFOD_CACHE_PATH="$WORK/debuginfod" "$O" compile reval_monitor --target "$WORK/ovs-9.9"
# Debug info without the struct a recipe reads (its code in a library, say) and no version text:
# refused too, not given the default release's layout.
cat > "$WORK/partial.c" <<'C'
#include <sys/sdt.h>
struct udpif { int n; };    /* DWARF for this one only: no udpif_key */
int main(int argc, char **argv) {
    struct udpif u = { argc };
    DTRACE_PROBE4(revalidate, flow_result, &u, argv, argc, argc);
    return u.n;
}
C
cc -g -O1 -o "$WORK/ovs-partial" "$WORK/partial.c"
cat > "$WORK/ukey.recipe" <<'EOF'
name: ukey
summary: The UFID of each flow result.
events:
  - on: usdt:revalidate:flow_result
    columns:
      - UFID: ukey.ufid
EOF
expect_out "DWARF without the struct, no version: refused" 1 \
    'error: the recipe reads udpif_key\.ufid, and ovstrace cannot know where that is: .*ovs-partial has debug info without some of the structs, and no Open vSwitch version text' \
    -- "$O" compile "$WORK/ukey.recipe" --target "$WORK/ovs-partial"
expect_out "layouts --layouts 4.0: a bundled release, against the default" 0 '^dpif_netlink +dp_ifindex +48 +s32 +differs \(3\.5: 40\)$' \
    -- "$O" layouts --layouts 4.0 dpif_netlink
expect_out "layouts --yaml wants a binary with DWARF" 1 'error: --yaml: .*/stripped has no DWARF debug info to take the layouts from$' \
    -- "$O" layouts --binary "$WORK/stripped" --yaml
expect_out "layouts shows the catalog" 0 '^udpif_key +ufid +40 +ufid' -- "$O" layouts udpif_key
expect_out "layouts --binary marks each field" 0 '^udpif_key +ufid +40 +ufid +same$' -- "$O" layouts --binary "$STANDIN" udpif_key

# The README's example recipe compiles (so the front page cannot rot).
awk '/^```yaml$/ { on = 1; next } /^```$/ { on = 0 } on' "$top/README.md" > "$WORK/readme.recipe"
expect_out "the README's recipe checks" 0 'readme.recipe: ok, 1 probe' -- "$O" check "$WORK/readme.recipe"

# A watch list no probe of the recipe prunes: compiles, with a warning naming its capacity.
cat > "$WORK/unpruned.recipe" <<'EOF'
name: unpruned
summary: Upcalls of flows to port 80, remembered per UFID but never forgotten.
params:
  filter: { type: odp_flow, default: "tcp(dst=80)" }
watch:
  flows:
    id: ufid
    follow: match(key, $filter)
    capacity: 100
events:
  - on: usdt:dpif_netlink_operate__:op_flow_put
    where: watched(flows, put)
    columns:
      - TID: tid
EOF
expect_out "an unpruned watch list is a warning" 0 "unpruned.recipe:6:3: warning: watch list 'flows' is never pruned: no probe of this recipe ends its entries \\(a flow's deletion at usdt:revalidate:flow_result or usdt:revalidator_sweep__:flow_sweep_result\\); it fills to its capacity, 100, and later entries are decided at every event$" \
    -- "$O" compile "$WORK/unpruned.recipe"
sed -i 's/where: watched(flows, put)/where: tid > 0/' "$WORK/unpruned.recipe"
expect_out "an unused watch list is a warning" 0 "warning: watch list 'flows' is never used; test it with watched\\(flows, \\.\\.\\.\\)$" -- "$O" check "$WORK/unpruned.recipe"

expect_out "a filter value outside its mask: compared masked, with a warning" 0 \
    "^-p:1:17: warning: value 10.0.0.1 has bits outside mask 255.255.255.0; comparing 10.0.0.0/24" \
    -- "$O" compile flow_reval_monitor -p 'filter=ipv4(src=10.0.0.1/24)'

# run: refuses clearly, with nothing traced, when it cannot pick a process.
if pgrep -x ovs-vswitchd >/dev/null; then
    echo "ok - # SKIP an ovs-vswitchd is running here; skipping the no-process case"
else
    expect_out "run without any ovs-vswitchd" 1 'no ovs-vswitchd is running' -- "$O" run bridge_loop
fi
expect_out "run with a dead pid" 1 'no process 4194000' -- "$O" run bridge_loop --pid 4194000
expect_out "a dead pid: how to find the running one" 1 '^hint: pidof ovs-vswitchd, or /run/openvswitch/ovs-vswitchd\.pid, gives the running one$' \
    -- "$O" compile bridge_loop --pid 4194000
expect_out "run with a bad recipe does not start bpftrace" 1 "no recipe 'nosuch'" -- "$O" run nosuch --pid $$

# run sizes bpftrace's perf buffers from the recipe's event_buffer_pages (kernel_delay's
# buffer_page_count): the pages spread over the CPUs, a power of two, at least 64 each.
printf '#!/bin/sh\necho "perf pages ${BPFTRACE_PERF_RB_PAGES:-unset}"\n' > "$WORK/fake-bpftrace"
chmod +x "$WORK/fake-bpftrace"
each=$(( (8192 + $(nproc) - 1) / $(nproc) )); want=1; while [ $want -lt $each ]; do want=$((want * 2)); done
[ $want -lt 64 ] && want=unset
expect_out "run: buffer_page_count=8192 over $(nproc) CPUs is BPFTRACE_PERF_RB_PAGES=$want" 0 "^perf pages $want\$" \
    -- env -u BPFTRACE_PERF_RB_PAGES "$O" run kernel_delay --pid $$ -p buffer_page_count=8192 --bpftrace "$WORK/fake-bpftrace"
expect_out "run: a larger BPFTRACE_PERF_RB_PAGES in the environment wins" 0 "^perf pages 65536\$" \
    -- env BPFTRACE_PERF_RB_PAGES=65536 "$O" run kernel_delay --pid $$ -p buffer_page_count=8192 --bpftrace "$WORK/fake-bpftrace"
expect_out "run: a recipe without event_buffer_pages leaves bpftrace's default" 0 "^perf pages unset\$" \
    -- env -u BPFTRACE_PERF_RB_PAGES "$O" run "$top/tests/e2e/syscall_names.recipe" --pid $$ --bpftrace "$WORK/fake-bpftrace"
# bpftrace 0.17-0.20 keep one user-symbol cache only when asked (each new one made by bcc
# before 0.33 closes a random file descriptor: cmd_run.c); later ones do by default.
for v in 0.17.0 0.23.2; do
    printf '#!/bin/sh\n[ "$1" = --version ] && { echo "bpftrace v%s"; exit 0; }\necho "cache ${BPFTRACE_CACHE_USER_SYMBOLS:-unset}"\n' "$v" > "$WORK/fake-bpftrace-$v"
    chmod +x "$WORK/fake-bpftrace-$v"
done
expect_out "run: bpftrace 0.17 is told to keep one user-symbol cache" 0 "^cache 1\$" \
    -- env -u BPFTRACE_CACHE_USER_SYMBOLS "$O" run kernel_delay --pid $$ --bpftrace "$WORK/fake-bpftrace-0.17.0"
expect_out "run: bpftrace 0.23 keeps its own default" 0 "^cache unset\$" \
    -- env -u BPFTRACE_CACHE_USER_SYMBOLS "$O" run kernel_delay --pid $$ --bpftrace "$WORK/fake-bpftrace-0.23.2"
expect_out "run: the operator's BPFTRACE_CACHE_USER_SYMBOLS wins" 0 "^cache 0\$" \
    -- env BPFTRACE_CACHE_USER_SYMBOLS=0 "$O" run kernel_delay --pid $$ --bpftrace "$WORK/fake-bpftrace-0.17.0"
# bpftrace 0.24 and later apply -p to kernel probes too: run attaches by path and filters by
# pid in the script, without -p (cmd_run.c); before 0.24, bpftrace -p attaches.
standin_start -r 50
for v in 0.23.2 0.27.1; do
    cat > "$WORK/args-bpftrace-$v" <<SH
#!/bin/sh
[ "\$1" = --version ] && { echo "bpftrace v$v"; exit 0; }
case " \$* " in *" -p "*) echo "with -p" ;; *) echo "without -p" ;; esac
for a; do [ -f "\$a" ] && grep -m1 -A1 '^usdt:' "\$a"; done
exit 0
SH
    chmod +x "$WORK/args-bpftrace-$v"
done
expect_out "run, bpftrace 0.23: bpftrace -p attaches" 0 "^with -p\$" \
    -- "$O" run upcall_monitor --pid "$STANDIN_PID" --bpftrace "$WORK/args-bpftrace-0.23.2"
expect_out "run, bpftrace 0.23: the script names no binary" 0 "^usdt::dpif_recv:recv_upcall\$" \
    -- "$O" run upcall_monitor --pid "$STANDIN_PID" --bpftrace "$WORK/args-bpftrace-0.23.2"
expect_out "run, bpftrace 0.27: no -p" 0 "^without -p\$" \
    -- "$O" run upcall_monitor --pid "$STANDIN_PID" --bpftrace "$WORK/args-bpftrace-0.27.1"
expect_out "run, bpftrace 0.27: attached by path" 0 "^usdt:/proc/$STANDIN_PID/exe:dpif_recv:recv_upcall\$" \
    -- "$O" run upcall_monitor --pid "$STANDIN_PID" --bpftrace "$WORK/args-bpftrace-0.27.1"
expect_out "run, bpftrace 0.27: filtered by pid" 0 \
    "^/pid == $STANDIN_PID/\$" \
    -- "$O" run upcall_monitor --pid "$STANDIN_PID" --bpftrace "$WORK/args-bpftrace-0.27.1"
# ... and ends bpftrace when the process exits, as -p would (a bpftrace that waits for SIGINT).
cat > "$WORK/waiting-bpftrace" <<'SH'
#!/bin/sh
[ "$1" = --version ] && { echo "bpftrace v0.27.1"; exit 0; }
trap 'printf "%s\n" "{\"type\": \"printf\", \"data\": \"SIGINT: final statistics\\n\"}"; exit 0' INT
echo '{"type": "attached_probes", "data": {"probes": 1}}'
while :; do sleep 0.1; done
SH
chmod +x "$WORK/waiting-bpftrace"
"$STANDIN" -q -n 30 -r 100 & short=$!   # about 3 s
out=$(timeout 60 "$O" run bridge_loop --pid "$short" --bpftrace "$WORK/waiting-bpftrace" 2>&1); status=$?
check "run, bpftrace 0.27: the process exits, bpftrace gets SIGINT and prints its statistics (status $status)" \
    grep -q '^SIGINT: final statistics$' <<<"$out"
check "run, bpftrace 0.27: ... and ends with status 0 ($status)" [ "$status" = 0 ]
check "run, bpftrace 0.27: ... and run says the process is gone" \
    grep -qE "^ovstrace: ovs-vswitchd \(pid $short\) exited during the run; the report covers the time until then$" <<<"$out"
wait "$short"
kill "$STANDIN_PID" 2>/dev/null; standin_wait
# run and report: printf text, thread names and map keys from bpftrace's output or a recording
# are shown escaped. A stand-in bpftrace prints the JSON records bpftrace -f json would.
cat > "$WORK/evil-bpftrace" <<'SH'
#!/bin/sh
cat <<'JSON'
{"type": "attached_probes", "data": {"probes": 1}}
{"type": "printf", "data": "\u001b[2Jcleared\n"}
JSON
SH
chmod +x "$WORK/evil-bpftrace"
sn=$top/tests/e2e/syscall_names.recipe
out=$("$O" run "$sn" --pid $$ --bpftrace "$WORK/evil-bpftrace" --record "$WORK/evil.rec" 2>/dev/null)
check "run: printf text is shown escaped" grep -qxF '\x1b[2Jcleared' <<<"$out"
if raw_control <<<"$out"; then fail "run: a raw control character reached the report"; else pass "run: no raw control character"; fi
cat >> "$WORK/evil.rec" <<'JSON'
{"ovstrace_thread": [42, "\u001b]0;pwned\u0007"]}
{"type": "printf", "data": "system calls by thread and name:\n"}
{"type": "map", "data": {"@calls": {"42,7": 3, "\u001b[31m,1": 2}}}
JSON
out=$("$O" report "$sn" "$WORK/evil.rec" 2>&1)
check "report: printf text, a thread name and a map key are shown escaped" \
    grep -qF '42 (\x1b]0;pwned\x07), poll' <<<"$out"
check "report: a map key is shown escaped" grep -qF '\x1b[31m, write' <<<"$out"
if raw_control <<<"$out"; then fail "report: a raw control character reached the report"; else pass "report: no raw control character"; fi
# The traced process's name (it chooses it) is shown escaped too.
cp "$(command -v sleep)" "$WORK/"$'\e[2Jsleep'
"$WORK/"$'\e[2Jsleep' 30 & named=$!
out=$("$O" run "$sn" --pid $named --bpftrace "$WORK/evil-bpftrace" 2>&1 >/dev/null)
kill $named 2>/dev/null; wait $named 2>/dev/null
check "run: the process's name is shown escaped" grep -qF 'tracing \x1b[2Jsleep pid' <<<"$out"
check "run: says what it traces, and with which recipe" grep -qE '^ovstrace: tracing .*sleep pid [0-9]+ with syscall_names$' <<<"$out"
if raw_control <<<"$out"; then fail "run: a raw control character in its messages"; else pass "run: no raw control character in its messages"; fi
sed '1s/"recipe": "syscall_names"/"recipe": "x\\u001b[2J"/' "$WORK/evil.rec" > "$WORK/evil-name.rec"
expect_out "report: a recorded recipe name is shown escaped" 1 'is a recording of x\\x1b\[2J, not of' \
    -- "$O" report "$sn" "$WORK/evil-name.rec"

# A recorded utc_offset past 26 hours is no UTC offset (and INT64_MIN cannot be negated).
for off in -9223372036854775808 93601; do
    sed -E "1s/\"utc_offset\": -?[0-9]+/\"utc_offset\": $off/" "$WORK/evil.rec" > "$WORK/off.rec"
    expect_out "report: a recorded utc_offset of $off is refused" 1 "utc_offset, $off seconds, is no offset from UTC" \
        -- "$O" report "$sn" "$WORK/off.rec"
done

# The messages of run, report and layouts that need a situation more than a recipe: fake
# bpftraces, binaries made here, a pid namespace (tests/errors/coverage.pl wants every
# message the program can print pinned by some test).
cat > "$WORK/killed-bpftrace" <<'SH'
#!/bin/sh
[ "$1" = --version ] && { echo "bpftrace v0.17.0"; exit 0; }
kill -KILL $$
SH
cat > "$WORK/gone-bpftrace" <<'SH'
#!/bin/sh
[ "$1" = --version ] && { echo "bpftrace v0.17.0"; exit 0; }
kill -KILL "$KILL_TARGET"; sleep 0.2; exit 1
SH
cat > "$WORK/refusing-bpftrace" <<'SH'
#!/bin/sh
[ "$1" = --version ] && { echo "bpftrace v0.17.0"; exit 0; }
echo "ERROR: ${REFUSAL:-something odd}" >&2; exit 1
SH
chmod +x "$WORK/killed-bpftrace" "$WORK/gone-bpftrace" "$WORK/refusing-bpftrace"
expect_out "run: bpftrace killed by a signal" 137 '^ovstrace: bpftrace was killed by signal 9 \(Killed\)$' \
    -- "$O" run "$sn" --pid $$ --bpftrace "$WORK/killed-bpftrace"
sleep 30 & victim=$!
expect_out "run: the process exits while bpftrace starts" 1 "^ovstrace: sleep \(pid $victim\) is gone: it exited while bpftrace was starting or running$" \
    -- env KILL_TARGET=$victim "$O" run "$sn" --pid $victim --bpftrace "$WORK/gone-bpftrace"
wait $victim 2>/dev/null
expect_out "run: a bpftrace that cannot be run" 127 '^ovstrace: cannot run /nonexistent/bpftrace: No such file or directory$' \
    -- "$O" run "$sn" --pid $$ --bpftrace /nonexistent/bpftrace
expect_out "run: --record into a directory that is not there" 1 "^ovstrace: cannot record to '/nonexistent/x.rec': No such file or directory$" \
    -- "$O" run "$sn" --pid $$ --bpftrace "$WORK/evil-bpftrace" --record /nonexistent/x.rec
expect_out "run: --record to a full disk" 1 '^ovstrace: writing /dev/full failed: No space left on device$' \
    -- "$O" run "$sn" --pid $$ --bpftrace "$WORK/evil-bpftrace" --record /dev/full
expect_out "run: --record says how to replay" 0 "^ovstrace: recorded to $WORK/again.rec; ovstrace report $sn $WORK/again.rec prints this report again$" \
    -- "$O" run "$sn" --pid $$ --bpftrace "$WORK/evil-bpftrace" --record "$WORK/again.rec"
expect_out "report: no directory for the recipe's copy" 1 '^ovstrace: cannot create a directory in /nonexistent: No such file or directory$' \
    -- env TMPDIR=/nonexistent "$O" report "$sn" "$WORK/again.rec"
# Which process: none in a pid namespace of its own, several when two stand-ins run.
expect_out "run: no ovs-vswitchd to trace" 1 '^ovstrace: no ovs-vswitchd is running; start one or give --pid PID$' \
    -- unshare --pid --fork --mount-proc "$O" run "$sn" --bpftrace "$WORK/evil-bpftrace"
"$STANDIN" -q -n 100 -r 10 & one=$!
"$STANDIN" -q -n 100 -r 10 & two=$!
expect_out "run: several ovs-vswitchd" 1 "^ovstrace: [0-9]+ ovs-vswitchd processes are running; choose one with --pid:( [0-9]+)+$" \
    -- "$O" run "$sn" --bpftrace "$WORK/evil-bpftrace"
kill $one $two 2>/dev/null; wait $one $two 2>/dev/null
# More held events than run keeps (compile has no such limit: it prints them as they come).
{ printf 'name: held\nsummary: Sixty-five events printed after the report.\nevents:\n'
  for i in $(seq 65); do printf '  - on: usdt:main:run_start\n    print: after_report\n    columns:\n      - N%d: tid\n' "$i"; done; } > "$WORK/held.recipe"
"$STANDIN" -q -n 100 -r 10 & held=$!
expect_out "run: at most 64 events after the report" 1 "held.recipe:260:5: error: only the first 64 outputs of a recipe can be 'print: after_report'$" \
    -- "$O" run "$WORK/held.recipe" --pid $held --bpftrace "$WORK/evil-bpftrace"
kill $held 2>/dev/null; wait $held 2>/dev/null
# bpftrace 0.24 and later filter kernel probes by -p too: compile for them says so.
expect_out "compile for 0.27 without --pid: the -p warning" 0 "warning: bpftrace 0.27.0 filters every probe by -p PID \(0.24 and later\): tracepoint:sched:sched_switch would see only the traced process's own events, not the other tasks' this recipe needs; compile with --pid PID \(attached by path, no -p\) or use ovstrace run, which does$" \
    -- "$O" compile kernel_delay --bpftrace-version 0.27
# check --target asks bpftrace to build the script: its refusals, told apart.
expect_out "check --target: a refusal is an ovstrace bug" 1 'error: bpftrace refused the generated script \(an ovstrace bug: please report it with the recipe\): ERROR: something odd$' \
    -- "$O" check reval_monitor --target "$STANDIN" --bpftrace "$WORK/refusing-bpftrace"
expect_out "check --target: a stack refusal names the probe" 1 "error: bpftrace 0.17 cannot fit probe usdt_x into the 512-byte BPF stack \(ovstrace counted 0 of 496 bytes, but LLVM lays it out less tightly\): print fewer columns or strings on this probe, or use fewer string keys and captures$" \
    -- env REFUSAL="Looks like the BPF stack limit of 512 bytes is exceeded in function usdt_x" "$O" check reval_monitor --target "$STANDIN" --bpftrace "$WORK/refusing-bpftrace"
expect_out "check --target: no temporary file for bpftrace" 0 '^ovstrace: cannot create a temporary file in /nonexistent: No such file or directory$' \
    -- env TMPDIR=/nonexistent "$O" check reval_monitor --target "$STANDIN" --bpftrace "$WORK/refusing-bpftrace"
# Binaries whose notes or DWARF differ from the catalog.
cat > "$WORK/few.c" <<'C'
#include <sys/sdt.h>
int main(int argc, char **argv) { DTRACE_PROBE3(revalidate, flow_result, argv, argv, argc); return 0; }
C
cc -O1 -o "$WORK/ovs-few" "$WORK/few.c"
expect_out "--target: a probe with fewer arguments than the catalog's" 1 "error: probe usdt:revalidate:flow_result has 3 arguments in $WORK/ovs-few, the catalog expects 4$" \
    -- "$O" compile "$WORK/ukey.recipe" --target "$WORK/ovs-few"
# A 3.5 build (its version text) whose DWARF has a udpif_key without ufid, or with a ufid of
# another size, and no struct udpif.
for variant in noufid:'int n;' narrow:'char pad[40]; short ufid;'; do
    cat > "$WORK/${variant%%:*}.c" <<C
#include <sys/sdt.h>
const char version[] = "%s (Open vSwitch) 3.5.0";
struct udpif_key { ${variant#*:} };
int main(int argc, char **argv) {
    struct udpif_key k = { 0 };
    DTRACE_PROBE4(revalidate, flow_result, argv, &k, argc, argc);
    return version[argc] + (int)sizeof k;
}
C
    cc -g -O1 -o "$WORK/ovs-${variant%%:*}" "$WORK/${variant%%:*}.c"
done
expect_out "DWARF without a member the recipe reads: refused" 1 "error: the debug info of $WORK/ovs-noufid has no member ufid in struct udpif_key \(the recipe reads it as udpif_key.ufid\): this Open vSwitch differs from the catalog$" \
    -- "$O" compile "$WORK/ukey.recipe" --target "$WORK/ovs-noufid"
expect_out "DWARF with a member of another size: a warning" 0 "warning: $WORK/ovs-narrow: struct udpif_key member ufid is 2 bytes, the catalog reads 16$" \
    -- "$O" compile "$WORK/ukey.recipe" --target "$WORK/ovs-narrow"
sed 's/UFID: ukey.ufid/N: udpif.n_revalidators/' "$WORK/ukey.recipe" > "$WORK/udpif.recipe"
expect_out "DWARF without a struct, release known: its bundled layout, said" 0 "warning: the debug info of $WORK/ovs-noufid does not describe struct udpif; using its bundled layout$" \
    -- "$O" compile "$WORK/udpif.recipe" --target "$WORK/ovs-noufid"
expect_out "layouts --yaml: a binary without version text" 1 "error: --yaml: $WORK/ovs-partial has no Open vSwitch version text to name the release by$" \
    -- "$O" layouts --binary "$WORK/ovs-partial" --yaml
expect_out "layouts --yaml: DWARF without every struct" 1 "error: --yaml: the debug info of $WORK/ovs-noufid does not describe struct [a-z_]+: a bundle must come from a build that has every struct$" \
    -- "$O" layouts --binary "$WORK/ovs-noufid" --yaml
expect_out "layouts --yaml without --binary" 2 "^ovstrace: --yaml writes a bundle from --binary's DWARF, of every struct$" -- "$O" layouts --yaml
expect_out "layouts --binary and --layouts" 2 "^ovstrace: --binary shows that binary's layouts, --layouts a bundled release's: one of them$" \
    -- "$O" layouts --binary "$STANDIN" --layouts 3.5

# A failed write to stdout is said, with why, and is a failure, whatever the command.
full() { "$@" >/dev/full; }
for cmd in "compile reval_monitor" "compile upcall_cost" "check reval_monitor" list "help reval_monitor" probes \
           "probes --binary $STANDIN" layouts --help --version "report $sn $WORK/evil.rec" \
           "run $sn --pid $$ --bpftrace $WORK/evil-bpftrace"; do
    # shellcheck disable=SC2086
    expect_out "$cmd > /dev/full" 1 '^ovstrace: cannot write to standard output: No space left on device$' \
        -- full "$O" $cmd
done

finish
