#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Error test: `ovstrace compile NAME.recipe` (plus the arguments in NAME.args, one per
# line) must fail with exit status 1 (or the one in NAME.status), print nothing on
# stdout, and print exactly NAME.err on stderr. UPDATE_GOLDEN=1 rewrites NAME.err.
set -u
ovstrace=$1 recipe=$2
base="${recipe%.recipe}"
args=()
if [ -f "$base.args" ]; then
    while IFS= read -r line; do [ -n "$line" ] && args+=("$line"); done < "$base.args"
fi
want_status=1
[ -f "$base.status" ] && want_status=$(cat "$base.status")
cd "$(dirname "$recipe")" || exit 1
name=$(basename "$recipe")
out=$(NO_COLOR=1 "$ovstrace" compile "$name" "${args[@]}" 2>/tmp/ovstrace-err.$$)
status=$?
err=$(cat /tmp/ovstrace-err.$$); rm -f /tmp/ovstrace-err.$$
fail=0
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$err" > "$(basename "$base").err"
    echo "updated $base.err"
fi
[ "$status" = "$want_status" ] || { echo "exit status $status, want $want_status"; fail=1; }
[ -z "$out" ] || { echo "stdout is not empty:"; echo "$out" | head -5; fail=1; }
if ! diff -u "$(basename "$base").err" <(printf '%s\n' "$err"); then
    echo "stderr differs from $base.err"
    fail=1
fi
exit $fail
