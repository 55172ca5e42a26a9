#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Differential test of the load limits: what ovstrace accepts, bpftrace 0.17 must load.
# Recipes from gen.sh (random, seeded) and the hand-written edges in cases/ are compiled
# for the stand-in; each one ovstrace refuses must be refused with a positioned
# diagnostic and an empty stdout, and each one it accepts must go through bpftrace's
# codegen (--emit-elf: the 512-byte stack, printf and map key checks). LOAD=1 also loads
# the accepted ones into the kernel (the verifier), attached to the stand-in binary.
#   usage: differential.sh [SEED [N]]     (default: seed 1, 150 recipes)
# Environment: OVSTRACE, STANDIN (as ctest sets them), KEEP=DIR keeps the failures there.
# OVSTRACE_TIER=SUITE (trixie, sid): with that Debian release's bpftrace (tests/tiers/), which
# builds with --dry-run from 0.21 on (it also loads: 0.27's --emit-elf runs the script).
set -u
: "${OVSTRACE:?}" "${STANDIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${OVSTRACE_TIER:-}" ]; then
    [ -z "${OVSTRACE_SKIP_TIERS:-}" ] || { echo "skipped: OVSTRACE_SKIP_TIERS is set"; exit 77; }
    BPFTRACE=$("$here/../tiers/bpftrace_tier.sh" "$OVSTRACE_TIER") || { echo "no bpftrace for $OVSTRACE_TIER"; exit 1; }
fi
export BPFTRACE=${BPFTRACE:-bpftrace}
version=$("$BPFTRACE" --version | sed -n 's/.*v\([0-9]*\.[0-9]*\).*/\1/p')
build=(--emit-elf /dev/null)
[ "$(printf '%s\n' 0.21 "$version" | sort -V | head -1)" = 0.21 ] && build=(--dry-run)
echo "bpftrace $version: ${build[*]}"
seed=${1:-1} count=${2:-150}
work=$(mktemp -d /tmp/ovstrace-limits.XXXXXX)
trap 'rm -rf "$work"' EXIT
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true

"$here/gen.sh" "$seed" "$count" "$work/gen"
cp "$here"/cases/*.recipe "$work/gen/"

accepted=0 refused=0 failures=0
declare -A refusals=()
fail() {   # RECIPE WHAT [FILE]
    failures=$((failures + 1))
    echo "FAIL $(basename "$1"): $2"
    [ -n "${3:-}" ] && grep -v "couldn't set RLIMIT_MEMLOCK" "$3" | head -8 | sed 's/^/    /'
    if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$1" "$KEEP/"; fi
}

# The cases/ recipes say what they expect in a first-line comment: "# expect: ok" or
# "# expect: error TEXT" (TEXT must be in the diagnostic); a second line "# expect from X.Y: ..."
# overrides it for bpftrace X.Y and later.
expectation() {
    local from
    from=$(sed -n '2s/^# expect from \([0-9.]*\): .*/\1/p' "$1")
    if [ -n "$from" ] && [ "$(printf '%s\n' "$from" "$version" | sort -V | head -1)" = "$from" ]; then
        sed -n '2s/^# expect from [0-9.]*: //p' "$1"
    else
        sed -n '1s/^# expect: //p' "$1"
    fi
}

for r in "$work"/gen/*.recipe; do
    name=$(basename "$r" .recipe)
    script=$work/$name.bt
    # check --target has bpftrace build the script too (as root): its verdict is the one an
    # operator gets; the compile below is built again here, independently.
    "$OVSTRACE" check "$r" --target "$STANDIN" >"$work/$name.check" 2>"$work/$name.err"
    status=$?
    [ "$status" -eq 0 ] && { "$OVSTRACE" compile "$r" --target "$STANDIN" >"$script" 2>>"$work/$name.err" || status=$?; }
    expect=$(expectation "$r")
    if [ "$status" -ne 0 ]; then
        refused=$((refused + 1))
        [ -s "$work/$name.check" ] && fail "$r" "refused (status $status) but wrote to stdout"
        grep -qE "^[^:]+:[0-9]+:[0-9]+: error: " "$work/$name.err" || fail "$r" "refused without a positioned error" "$work/$name.err"
        msg=$(grep -m1 -oE 'error: .{0,48}' "$work/$name.err" | sed -E 's/[0-9]+ bytes/N bytes/; s/probe [^ ]+/probe P/')
        refusals[$msg]=$(( ${refusals[$msg]:-0} + 1 ))
        case $expect in
            ok) fail "$r" "expected to compile" "$work/$name.err" ;;
            error\ *) grep -qF -- "${expect#error }" "$work/$name.err" || fail "$r" "expected '${expect#error }'" "$work/$name.err" ;;
        esac
        continue
    fi
    accepted=$((accepted + 1))
    [ "${expect%% *}" = error ] && fail "$r" "expected an error (${expect#error })"
    # $1 is the pid kernel probes are filtered by; any number does for codegen.
    if ! timeout 120 "$BPFTRACE" --no-warnings "${build[@]}" "$script" 1 >"$work/$name.bpf" 2>&1; then
        fail "$r" "accepted by ovstrace, refused by bpftrace's codegen" "$work/$name.bpf"
        continue
    fi
    if [ -n "${LOAD:-}" ]; then
        # Loading verifies every program; an interval probe ends the run once all are attached.
        printf '\ninterval:ms:200 { exit(); }\n' >> "$script"
        timeout 120 "$BPFTRACE" --no-warnings "$script" 1 >"$work/$name.out" 2>"$work/$name.bpf"
        st=$?
        if [ "$st" -ne 0 ] || grep -v "couldn't set RLIMIT_MEMLOCK" "$work/$name.bpf" | grep -q ERROR; then
            fail "$r" "accepted by ovstrace, refused when loaded (status $st)" "$work/$name.bpf"
        fi
    fi
done

echo "limits: $accepted accepted and loaded by bpftrace${LOAD:+ (verifier too)}, $refused refused:"
for m in "${!refusals[@]}"; do printf '  %3d  %s\n' "${refusals[$m]}" "$m"; done | sort -rn
# Both sides must be exercised, or the test says nothing.
[ "$accepted" -gt 0 ] && [ "$refused" -gt 0 ] || { echo "FAIL: the recipes did not reach both sides of the limits"; failures=$((failures + 1)); }
[ "$failures" -eq 0 ] && echo "PASS" || { echo "$failures failures"; exit 1; }
