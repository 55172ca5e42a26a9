#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fuzz ovstrace with libFuzzer (docs/hardening.md#fuzzing). The harnesses are built with
# clang into build-fuzz (ASan, UBSan, coverage); seeds are rebuilt every run from what the
# tests hold. Two modes:
#
#   tests/fuzz/run.sh [HARNESS...]
#       The gate (ctest label fuzz): replay every seed and every input in
#       tests/fuzz/regressions/HARNESS/, then fuzz each harness from its seeds alone with a
#       fixed seed (-seed=1) for a fixed number of runs, in a fresh corpus. The same tree
#       always does the same work, so the gate fails only on what the tree itself does.
#       Work goes to build-fuzz/fuzz-gate/.
#
#   tests/fuzz/run.sh --minutes N [HARNESS...]
#       Open-ended: replay the regressions, then fuzz each harness for N minutes with a
#       random seed, one after the other, from the corpus earlier runs grew
#       (build-fuzz/fuzz-out/corpus/HARNESS/, kept). A crash, leak, hang (over 10 s) or
#       runaway memory (over 2 GB) stops that harness; the input is minimized and copied
#       into tests/fuzz/regressions/HARNESS/ as new-KIND-HASH, and the script says how to
#       turn it into a test.
#
# Either fails when a harness stops on anything or a regression input fails again.
# Exit 77 (ctest: skipped) when clang is missing; tests/setup.sh installs it.
set -euo pipefail
export LC_ALL=C    # sort order, and so seed names and order, must not follow the locale
top=$(cd "$(dirname "$0")/../.." && pwd)
all=(fuzz_recipe fuzz_odp_filter fuzz_run_output fuzz_elf_notes fuzz_dwarf_layout fuzz_unixctl)
usage() { echo "usage: tests/fuzz/run.sh [--minutes N] [HARNESS...]; harnesses: ${all[*]}" >&2; exit 2; }

minutes=
if [ "${1:-}" = --minutes ]; then
    [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage
    minutes=$2
    shift 2
fi
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do [[ " ${all[*]} " == *" $h "* ]] || usage; done
fbuild=${OVSTRACE_FUZZ_BUILD:-$top/build-fuzz}
# The gate and open-ended runs keep apart, so that one can run while the other does.
out=$fbuild/$([ -n "$minutes" ] && echo fuzz-out || echo fuzz-gate)
command -v clang >/dev/null || { echo "fuzz: clang is not installed (tests/setup.sh installs it)"; exit 77; }
start=$SECONDS

# ---- build: one at a time, when two runs share build-fuzz -------------------------------
mkdir -p "$fbuild"
(
    flock 9
    CC=clang cmake -S "$top" -B "$fbuild" -DOVSTRACE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$fbuild" -j"$(nproc)" --target "${harnesses[@]}" >/dev/null
) 9>"$fbuild/.build.lock"
echo "fuzz: harnesses built in $((SECONDS - start)) s"

# ---- seeds: rebuilt every run from what the tests hold ---------------------------------
# A recipe seed carries its -p parameters as leading "#-p NAME=VALUE" lines (fuzz_recipe.c).
recipe_seed() {   # recipe_seed DIR RECIPE PARAMSFILE|-: one seed file
    local dir=$1 r=$2 pf=$3
    {
        if [ -f "$pf" ]; then
            while IFS= read -r l; do [ -z "$l" ] || printf '#-p %s\n' "$l"; done <"$pf"
        fi
        cat "$r"
    } >"$dir/$(basename "$(dirname "$r")")-$(basename "$r" .recipe)"
}
# Recipes: the bundled ones (their defaults), the golden tests' with their .params, the error, malformed
# and end-to-end tests' with their .args ("-p" / "name=value" pairs, one a line).
seeds_fuzz_recipe() {
    local dir=$1 r a
    for r in "$top"/recipes/*.recipe; do recipe_seed "$dir" "$r" -; done
    for r in "$top"/tests/golden/*.recipe; do recipe_seed "$dir" "$r" "${r%.recipe}.params"; done
    for r in "$top"/tests/errors/*.recipe "$top"/tests/errors/malformed/*.recipe "$top"/tests/e2e/*.recipe; do
        a=${r%.recipe}.args
        if [ -f "$a" ]; then grep -v '^-p$' "$a" >"$dir/.args" || true; recipe_seed "$dir" "$r" "$dir/.args"
        else recipe_seed "$dir" "$r" -; fi
    done
    rm -f "$dir/.args"
}
# Filters: the unit test's filter strings, odp_flow defaults and -p filter= values; and two
# with a key after the NUL: in_port(1) (OVS_KEY_ATTR_IN_PORT 3, u32) and eth_type(0x0800)
# (OVS_KEY_ATTR_ETHERTYPE 6, be16), as the datapath lays them out.
seeds_fuzz_odp_filter() {
    local dir=$1 n=0 f
    {
        sed -n 's/^ *{ *"\([^"]*\)".*/\1/p; s/.*odp_filter_parse("\([^"]*\)".*/\1/p' "$top/tests/unit/test_odp_filter.c"
        grep -rhoE 'default: *"[^"]*\(' "$top/recipes" "$top/tests" --include='*.recipe' | sed 's/^default: *"//'
        grep -rhoE 'default: *"[^"]*"' "$top/recipes" "$top/tests" --include='*.recipe' | sed 's/^default: *"//; s/"$//' | grep '('
        grep -rh '^filter=' "$top/tests/errors" | sed 's/^filter=//'
    } | sort -u | while IFS= read -r f; do
        n=$((n + 1)); printf '%s' "$f" >"$dir/filter-$n"
    done
    printf 'in_port(1),eth_type(0x0800)\0\x08\x00\x03\x00\x01\x00\x00\x00\x06\x00\x06\x00\x08\x00\x00\x00' >"$dir/key-1"
    printf 'in_port(2)\0\x08\x00\x03\x00\x01\x00\x00\x00\x06\x00\x06\x00\x08\x00\x00\x00' >"$dir/key-2"
}
# bpftrace output: JSON records taken from tests/unit/test_run_render.c, kept in tests/fuzz/seeds/.
seeds_fuzz_run_output() { cp "$top"/tests/fuzz/seeds/fuzz_run_output/* "$1/"; }
# Binaries: tests/fuzz/seeds/elf/probes.c and the stand-in, built several ways.
seeds_fuzz_elf_notes() { "$top/tests/fuzz/seeds/make_elf_seeds.sh" "$1"; }
seeds_fuzz_dwarf_layout() { seeds_fuzz_elf_notes "$1"; }
# ovs-vswitchd's replies to ovs-appctl, captured from OVS 3.5 (tests/ovs/sandbox.sh).
seeds_fuzz_unixctl() { cp "$top"/tests/fuzz/seeds/fuzz_unixctl/* "$1/"; }

max_len() {   # the longest input: past the biggest seed
    case $1 in
    fuzz_recipe) echo 16384 ;;
    fuzz_run_output | fuzz_unixctl) echo 8192 ;;
    fuzz_elf_notes | fuzz_dwarf_layout) echo 131072 ;;    # the stand-in with its DWARF is 106 KiB
    *) echo 2048 ;;
    esac
}
# The gate's runs: about 15 s each on one of CI's 2 CPUs (seeds included; see docs/hardening.md).
gate_runs() {
    case $1 in
    fuzz_recipe) echo 60000 ;;
    fuzz_odp_filter) echo 400000 ;;
    fuzz_run_output) echo 60000 ;;
    fuzz_elf_notes) echo 15000 ;;
    fuzz_dwarf_layout) echo 12000 ;;
    fuzz_unixctl) echo 120000 ;;
    esac
}

for h in "${harnesses[@]}"; do
    rm -rf "$out/seeds/$h"
    mkdir -p "$out/seeds/$h" "$out/crashes/$h"
    "seeds_$h" "$out/seeds/$h"
done
echo "fuzz: seeds: $(for h in "${harnesses[@]}"; do printf '%s %s, ' "$h" "$(ls "$out/seeds/$h" | wc -l)"; done | sed 's/, $//')"

fail=0
# ---- replay: each file run once --------------------------------------------------------
replay() {   # replay HARNESS WHAT FILE...: every file must pass
    local h=$1 what=$2
    shift 2
    [ $# -gt 0 ] || return 0
    if "$fbuild/tests/fuzz/$h" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/crashes/$h/" "$@" \
        >"$out/$h-replay.log" 2>&1; then
        echo "ok - $h replays $# $what"
    else
        echo "not ok - $h: one of its $what fails ($out/$h-replay.log):"
        grep -E '^Running:|ERROR|SUMMARY|runtime error' "$out/$h-replay.log" | tail -6
        fail=1
    fi
}
for h in "${harnesses[@]}"; do
    shopt -s nullglob
    regressions=("$top/tests/fuzz/regressions/$h"/*)
    shopt -u nullglob
    replay "$h" "regression inputs" "${regressions[@]}"
    [ -n "$minutes" ] || replay "$h" seeds "$out/seeds/$h"/*
done

# ---- fuzz ------------------------------------------------------------------------------
fuzz_flags() {   # fuzz_flags HARNESS CRASHES/ DICT: the flags both modes share, one a line
    # -rss_limit_mb: runaway memory is a finding too.
    printf '%s\n' -rss_limit_mb=2048 -max_len="$(max_len "$1")" -print_final_stats=1 -artifact_prefix="$2"
    [ ! -f "$top/tests/fuzz/$1.dict" ] || echo "-dict=$3"
}
final_stat() { grep -m1 -o "stat::$1: *[0-9]*" "$2" | grep -o '[0-9]*$' || echo '?'; }
# What a harness stopped on, from its log: the sanitizer's summary and the input kept.
report_finding() {   # report_finding HARNESS LOG
    echo "not ok - $1 stopped on a finding ($2):"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written|deadly signal|out-of-memory|timeout after' "$2" | head -10
}

# A finding of an open-ended run, minimized (the same crash: ASan's dedup token) and kept
# as a regression input.
keep_finding() {   # keep_finding HARNESS ARTIFACT
    local h=$1 a=$2 kind small name
    kind=$(basename "$a" | cut -d- -f1)
    small=$out/crashes/$h/minimized-$(basename "$a")
    ASAN_OPTIONS=dedup_token_length=3 "$fbuild/tests/fuzz/$h" -minimize_crash=1 -runs=20000 -max_total_time=300 \
        -timeout=10 -rss_limit_mb=2048 -exact_artifact_path="$small" "$a" >"$out/$h-minimize.log" 2>&1 || true
    [ -s "$small" ] || small=$a
    name=new-$kind-$(sha1sum "$small" | cut -c1-12)
    mkdir -p "$top/tests/fuzz/regressions/$h"
    cp "$small" "$top/tests/fuzz/regressions/$h/$name"
    echo "  kept, minimized to $(wc -c <"$small") bytes: tests/fuzz/regressions/$h/$name"
    echo "  replay: $fbuild/tests/fuzz/$h $top/tests/fuzz/regressions/$h/$name"
    echo "  then fix it, rename the file to say what it broke and add a test that failed before the fix"
    echo "  (docs/hardening.md, 'Turning a finding into a regression test')"
}

no_aslr=
! setarch -R true 2>/dev/null || no_aslr="setarch -R"
# Run a command with no file descriptor open but 0, 1 and 2: those a caller leaves open
# (ctest leaves some, a shell others) decide the numbers the harness's own files get.
only_std_fds() {
    local fd
    for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        [ "$fd" -le 2 ] || eval "exec $fd<&-" 2>/dev/null || true
    done
    exec "$@"
}
gate() {   # gate HARNESS: fixed seed, fixed runs, from the seeds alone
    local h=$1 log=$out/$1.log flags t=$SECONDS
    rm -rf "$out/corpus/$h"
    mkdir -p "$out/corpus/$h"
    # Listed, not read from a directory: the order seeds are read in is then the same on
    # any file system (libFuzzer reads a directory in the order the file system lists it).
    printf '%s' "$(cd "$out" && ls -d "seeds/$h"/* | paste -sd,)" >"$out/seeds/$h.list"
    [ ! -f "$top/tests/fuzz/$h.dict" ] || cp "$top/tests/fuzz/$h.dict" "$out/seeds/$h.dict"
    mapfile -t flags < <(fuzz_flags "$h" "crashes/$h/" "seeds/$h.dict")
    # libFuzzer mutates inputs with the values the code compared, addresses and file
    # descriptors among them, so those must not change: no address randomization, a fixed
    # environment and paths relative to $out (both are copied onto the stack before main;
    # the harnesses are in ../tests/fuzz), no inherited descriptors. -reload=0: the corpus
    # directory is not read again each second (a clock). -timeout: a hang is a finding;
    # 30 s rather than the open-ended 10 so that a loaded machine cannot turn a slow input
    # into a failure.
    if (cd "$out" && only_std_fds env -i TZ=UTC0 LC_ALL=C OVSTRACE_FUZZ_DIR="tmp/$h" $no_aslr "../tests/fuzz/$h" \
        -seed=1 -runs="$(gate_runs "$h")" -reload=0 -timeout=30 "${flags[@]}" -seed_inputs=@"seeds/$h.list" \
        "corpus/$h") </dev/null >"$log" 2>&1; then
        echo "ok - $h: $(final_stat number_of_executed_units "$log") runs from seed 1, $(final_stat new_units_added "$log") new inputs," \
             "$(grep -m1 -o 'DONE *cov: [0-9]* ft: [0-9]*' "$log" | sed 's/DONE *//') ($((SECONDS - t)) s)"
    else
        report_finding "$h" "$log"
        echo "  this tree does it every time: replay the input above (in $out/crashes/$h/) with $fbuild/tests/fuzz/$h FILE"
        fail=1
    fi
}

open_ended() {   # open_ended HARNESS: N minutes, random seed, the kept corpus
    local h=$1 corpus=$out/corpus/$1 log=$out/$1.log stamp=$out/crashes/$1/.started flags a
    mkdir -p "$corpus"
    touch "$stamp"
    mapfile -t flags < <(fuzz_flags "$h" "$out/crashes/$h/" "$top/tests/fuzz/$h.dict")
    if "$fbuild/tests/fuzz/$h" -max_total_time=$((minutes * 60)) -timeout=10 "${flags[@]}" \
        "$corpus" "$out/seeds/$h" >"$log" 2>&1; then
        echo "ok - $h: $(final_stat number_of_executed_units "$log") runs in $minutes min" \
             "($(grep -m1 -o 'Seed: [0-9]*' "$log")), corpus $(ls "$corpus" | wc -l) inputs," \
             "$(grep -m1 -o 'DONE *cov: [0-9]* ft: [0-9]*' "$log" | sed 's/DONE *//')"
    else
        report_finding "$h" "$log"
        for a in $(find "$out/crashes/$h" -maxdepth 1 -type f -newer "$stamp" \
                   \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \)); do
            keep_finding "$h" "$a"
        done
        fail=1
    fi
}

for h in "${harnesses[@]}"; do
    # The ELF harnesses write their input to a file there (fuzz_harness.h).
    export OVSTRACE_FUZZ_DIR=$out/tmp/$h
    rm -rf "$OVSTRACE_FUZZ_DIR"
    mkdir -p "$out/tmp"
    if [ -n "$minutes" ]; then open_ended "$h"; else gate "$h"; fi
done
echo "fuzz: done in $((SECONDS - start)) s: $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
