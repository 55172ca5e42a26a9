#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Load test on a newer bpftrace (tests/tiers/bpftrace_tier.sh SUITE): compile RECIPE for
# that bpftrace (ovstrace asks it its version, as `ovstrace compile` does with the one in
# PATH) with the -p values of PARAMS_FILE, and have it build the script and load every
# program into the kernel (--dry-run: the verifier runs, nothing attaches) against a
# stand-in ovs-vswitchd. Fails on any error, and on any warning about the script: each
# version's warnings are answered in the compiler's dialect (compiler/bt_dialect.h).
#   load_tier.sh SUITE RECIPE [PARAMS_FILE]
set -u
: "${OVSTRACE:?}" "${STANDIN:?}"
suite=$1 recipe=$2 params_file=${3:-}
[ -z "${OVSTRACE_SKIP_TIERS:-}" ] || { echo "skipped: OVSTRACE_SKIP_TIERS is set"; exit 77; }
top=$(cd "$(dirname "$0")/../.." && pwd)
BPFTRACE=$("$top/tests/tiers/bpftrace_tier.sh" "$suite") || { echo "no bpftrace for $suite"; exit 1; }
export BPFTRACE
params=()
if [ -n "$params_file" ] && [ -f "$params_file" ]; then
    while IFS= read -r line; do [ -n "$line" ] && params+=(-p "$line"); done < "$params_file"
fi
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
work=$(mktemp -d /tmp/ovstrace-tier.XXXXXX)
pid=
trap '[ -z "$pid" ] || kill $pid 2>/dev/null; rm -rf "$work"' EXIT
(cd "$(dirname "$recipe")" && "$OVSTRACE" compile "$(basename "$recipe")" "${params[@]}") >"$work/script.bt" \
    || { echo "compile failed"; exit 1; }
grep -m1 '^// For bpftrace' "$work/script.bt"
"$STANDIN" -q -w 600000 &    # waits ten minutes before its first round: only its probes are needed
pid=$!
timeout 120 "$BPFTRACE" --dry-run -p "$pid" "$work/script.bt" "$pid" >"$work/out" 2>"$work/err"
status=$?
# Not about the script: the memlock notice, and 0.27's note on a kernel without kprobes.
# And one the script keeps on purpose: from 0.25 `while` is deprecated, but the range loop
# meant to replace it costs the verifier ten times as much (compiler/emit.c, emit_loop);
# its warning is the loop's lines and a hint, which go too.
grep -v -e "couldn't set RLIMIT_MEMLOCK" -e 'available_filter_functions' "$work/err" \
    | awk '/WARNING: While loops are deprecated/ { skip = 1; next }
           skip && /^HINT: For loops support ranges/ { skip = 0; next }
           !skip' > "$work/err2"
if [ "$status" -ne 0 ] || grep -q 'ERROR' "$work/err2"; then
    echo "bpftrace $suite failed (status $status):"; head -20 "$work/err2"; exit 1
fi
if grep -q 'WARNING' "$work/err2"; then
    echo "bpftrace $suite warns about the generated script:"; head -40 "$work/err2"; exit 1
fi
echo "loaded by $("$BPFTRACE" --version): $(grep -m1 -E '^Attach(ing|ed) [0-9]+ probes?' "$work/out")"
