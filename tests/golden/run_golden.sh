#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Golden test: compile RECIPE (with the -p values listed in NAME.params, one per line) for
# bpftrace VERSION (default 0.17: the script does not depend on the bpftrace installed) and
# compare the script with EXPECTED byte for byte. UPDATE_GOLDEN=1 rewrites EXPECTED.
#   run_golden.sh OVSTRACE RECIPE EXPECTED [VERSION]
set -u
ovstrace=$1 recipe=$2 expected=$3 version=${4:-0.17}
params=()
# NAME.params, also for NAME.bpftrace-X.Y.bt (the same recipe for another bpftrace).
pfile="${expected%.bt}"
pfile="${pfile%.bpftrace-*}.params"
if [ -f "$pfile" ]; then
    while IFS= read -r line; do [ -n "$line" ] && params+=(-p "$line"); done < "$pfile"
fi
cd "$(dirname "$recipe")" || exit 1
actual=$("$ovstrace" compile "$(basename "$recipe")" --bpftrace-version "$version" "${params[@]}") || { echo "compile failed"; exit 1; }
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$actual" > "$expected"
    echo "updated $expected"
    exit 0
fi
if ! diff -u "$expected" <(printf '%s\n' "$actual"); then
    echo "golden mismatch: $expected (UPDATE_GOLDEN=1 ctest -R golden rewrites it; review the diff)"
    exit 1
fi
# Deterministic: a second compile gives the same bytes.
again=$("$ovstrace" compile "$(basename "$recipe")" --bpftrace-version "$version" "${params[@]}")
[ "$again" = "$actual" ] || { echo "output differs between two runs"; exit 1; }
