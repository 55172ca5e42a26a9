#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fuzz the compiler (docs/hardening.md): build the libFuzzer harnesses with clang into
# build-fuzz, replay tests/fuzz/regressions/, then run each harness for DURATION seconds
# (default 45) from a seed corpus of the repository's recipes, filters and bpftrace output.
#   tests/fuzz/run.sh [DURATION [HARNESS...]]      e.g. tests/fuzz/run.sh 3600 fuzz_recipe
# Fails on any crash, leak, sanitizer report or hang (an input that takes over 10 s).
# What it finds goes to build-fuzz/fuzz-out/crashes/HARNESS/; the corpus it grows is kept
# in build-fuzz/fuzz-out/corpus/HARNESS/ and reused by the next run.
# Exit 77 (ctest: skipped) when clang is missing; tests/setup.sh installs it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
duration=${1:-45}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(fuzz_recipe fuzz_odp_filter fuzz_run_output)
fbuild=${OVSTRACE_FUZZ_BUILD:-$top/build-fuzz}
out=$fbuild/fuzz-out
command -v clang >/dev/null || { echo "fuzz: clang is not installed (tests/setup.sh installs it)"; exit 77; }
start=$SECONDS

CC=clang cmake -S "$top" -B "$fbuild" -DOVSTRACE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$fbuild" -j"$(nproc)" --target "${harnesses[@]}" >/dev/null
echo "fuzz: harnesses built in $((SECONDS - start)) s"

# ---- seeds: rebuilt every run from what the tests hold --------------------------------
seeds=$out/seeds
rm -rf "$seeds"
mkdir -p "$seeds/fuzz_recipe" "$seeds/fuzz_odp_filter"
# Rendered output: JSON records taken from tests/unit/test_run_render.c (kept in tests/fuzz/seeds/).
cp -r "$top/tests/fuzz/seeds/fuzz_run_output" "$seeds/"
# A recipe seed carries its -p parameters as leading "#-p NAME=VALUE" lines (fuzz_recipe.c).
recipe_seed() {   # recipe_seed RECIPE PARAMSFILE|-: one seed file
    local r=$1 pf=$2 dst
    dst=$seeds/fuzz_recipe/$(basename "$(dirname "$r")")-$(basename "$r" .recipe)
    {
        if [ -f "$pf" ]; then
            while IFS= read -r l; do [ -z "$l" ] || printf '#-p %s\n' "$l"; done <"$pf"
        fi
        cat "$r"
    } >"$dst"
}
for r in "$top"/recipes/*.recipe; do recipe_seed "$r" "$top/tests/golden/recipes/$(basename "$r" .recipe).params"; done
for r in "$top"/tests/golden/*.recipe; do recipe_seed "$r" "${r%.recipe}.params"; done
for r in "$top"/tests/errors/*.recipe "$top"/tests/errors/malformed/*.recipe "$top"/tests/e2e/*.recipe; do
    # NAME.args is "-p" / "name=value" pairs, one a line.
    a=${r%.recipe}.args
    if [ -f "$a" ]; then grep -v '^-p$' "$a" >"$seeds/args.tmp" || true; recipe_seed "$r" "$seeds/args.tmp"
    else recipe_seed "$r" -; fi
done
rm -f "$seeds/args.tmp"
# Filter seeds: the unit test's filter strings, odp_flow defaults and -p filter= values.
n=0
{
    sed -n 's/^ *{ *"\([^"]*\)".*/\1/p; s/.*odp_filter_parse("\([^"]*\)".*/\1/p' "$top/tests/unit/test_odp_filter.c"
    grep -rhoE 'default: *"[^"]*\(' "$top/recipes" "$top/tests" --include='*.recipe' | sed 's/^default: *"//'
    grep -rhoE 'default: *"[^"]*"' "$top/recipes" "$top/tests" --include='*.recipe' | sed 's/^default: *"//; s/"$//' | grep '('
    grep -rh '^filter=' "$top/tests/errors" | sed 's/^filter=//'
} | sort -u | while IFS= read -r f; do
    n=$((n + 1)); printf '%s' "$f" >"$seeds/fuzz_odp_filter/filter-$n"
done
# Two with a key after the NUL: in_port(1) (OVS_KEY_ATTR_IN_PORT 3, u32) and
# eth_type(0x0800) (OVS_KEY_ATTR_ETHERTYPE 6, be16), as the datapath lays them out.
printf 'in_port(1),eth_type(0x0800)\0\x08\x00\x03\x00\x01\x00\x00\x00\x06\x00\x06\x00\x08\x00\x00\x00' \
    >"$seeds/fuzz_odp_filter/key-1"
printf 'in_port(2)\0\x08\x00\x03\x00\x01\x00\x00\x00\x06\x00\x06\x00\x08\x00\x00\x00' \
    >"$seeds/fuzz_odp_filter/key-2"
echo "fuzz: seeds: $(ls "$seeds/fuzz_recipe" | wc -l) recipes, $(ls "$seeds/fuzz_odp_filter" | wc -l) filters, $(ls "$seeds/fuzz_run_output" | wc -l) outputs"

fail=0
# ---- regressions: every input that once crashed a harness is replayed first -----------
for h in "${harnesses[@]}"; do
    reg=$top/tests/fuzz/regressions/$h
    if [ ! -d "$reg" ] || [ -z "$(ls -A "$reg")" ]; then continue; fi
    if "$fbuild/tests/fuzz/$h" -timeout=10 "$reg"/* >"$out/$h-regressions.log" 2>&1; then
        echo "ok - $h replays $(ls "$reg" | wc -l) regression inputs"
    else
        echo "not ok - $h: a regression input fails again"; tail -40 "$out/$h-regressions.log"; fail=1
    fi
done

# ---- fuzz -----------------------------------------------------------------------------
max_len() { case $1 in fuzz_recipe) echo 16384 ;; fuzz_run_output) echo 8192 ;; *) echo 2048 ;; esac; }
for h in "${harnesses[@]}"; do
    corpus=$out/corpus/$h crashes=$out/crashes/$h
    mkdir -p "$corpus" "$crashes"
    dict=()
    [ -f "$top/tests/fuzz/$h.dict" ] && dict=(-dict="$top/tests/fuzz/$h.dict")
    # -timeout: a hang is an input over 10 s; -rss_limit_mb: runaway memory is a finding too.
    if "$fbuild/tests/fuzz/$h" -max_total_time="$duration" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$h")" -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" \
        "$corpus" "$seeds/$h" >"$out/$h.log" 2>&1; then
        echo "ok - $h: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/$h.log" | grep -o '[0-9]*$') inputs in ${duration} s, corpus $(ls "$corpus" | wc -l)"
    else
        echo "not ok - $h found a crash (kept in $crashes/):"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$out/$h.log" | head -10
        tail -15 "$out/$h.log"
        fail=1
    fi
done
echo "fuzz: done in $((SECONDS - start)) s: $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
