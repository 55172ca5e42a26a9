#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Error test: `ovstrace compile NAME.recipe` for bpftrace 0.17 (plus the arguments in NAME.args, one per
# line) must fail with exit status 1 (or the one in NAME.status), print nothing on
# stdout, and print exactly NAME.err on stderr. UPDATE_GOLDEN=1 rewrites NAME.err.
# NAME.gen instead of NAME.recipe: a script whose stdout is the recipe, written to a
# scratch directory as NAME.recipe and compiled there (for inputs too big to commit).
set -u
ovstrace=$1 case=$2
dir=$(cd "$(dirname "$case")" && pwd) || exit 1
file=$(basename "$case")
name="${file%.*}"
base="$dir/$name"
args=()
if [ -f "$base.args" ]; then
    # Bytes as they are (a value may hold invalid UTF-8 on purpose).
    while IFS= LC_ALL=C read -r line; do [ -n "$line" ] && args+=("$line"); done < "$base.args"
fi
want_status=1
[ -f "$base.status" ] && want_status=$(cat "$base.status")
scratch=$(mktemp -d /tmp/ovstrace-err.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
if [ "${file##*.}" = gen ]; then
    (cd "$dir" && bash "$file") > "$scratch/$name.recipe" || { echo "$file failed"; exit 1; }
    cd "$scratch" || exit 1
else
    cd "$dir" || exit 1
fi
# For bpftrace 0.17, not the installed one (Debian 13's 0.23 has other stack limits): the
# .err files are 0.17's unless NAME.args names a version.
version=(--bpftrace-version 0.17)
printf '%s\n' "${args[@]}" | grep -q -- '^--bpftrace-version' && version=()
out=$(NO_COLOR=1 "$ovstrace" compile "${version[@]}" "$name.recipe" "${args[@]}" 2>"$scratch/stderr")
status=$?
err=$(cat "$scratch/stderr")
fail=0
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$err" > "$base.err"
    echo "updated $base.err"
fi
[ "$status" = "$want_status" ] || { echo "exit status $status, want $want_status"; fail=1; }
[ -z "$out" ] || { echo "stdout is not empty:"; echo "$out" | head -5; fail=1; }
if ! diff -u "$base.err" <(printf '%s\n' "$err"); then
    echo "stderr differs from $base.err"
    fail=1
fi
exit $fail
