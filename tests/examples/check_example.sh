#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One example recipe (examples/NAME.recipe) still works, without root or bpftrace: for each
# bpftrace form (0.17, 0.23, 0.27) it passes `ovstrace check` (only this host's missing kernel
# probes may make check exit 1: the hosts it is meant for have them) and compiles without
# warnings (output discarded), and its header's example begins with the lines the compiled
# script prints first (the banner, then the column line), so the example cannot rot.
#   check_example.sh OVSTRACE RECIPE
set -u
ovstrace=$1 recipe=$2
case $ovstrace in */*) ovstrace=$(cd "$(dirname "$ovstrace")" && pwd)/$(basename "$ovstrace") ;; esac
file=$(basename "$recipe")
work=$(mktemp -d /tmp/ovstrace-example.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$recipe")" || exit 1
fail() { echo "FAIL: $file: $*"; exit 1; }
# unexpected FILE: stderr said more than the one warning that only says how to run a recipe
# with kernel probes in other tasks on bpftrace 0.24+ (ovstrace run, or compile --pid), with
# its source line and caret.
unexpected() { grep -v -e 'filters every probe by -p PID' -e '^ ' "$1" | grep -q .; }

# For each bpftrace form (without --bpftrace-version, ovstrace asks the bpftrace in PATH).
for version in 0.17 0.23 0.27; do
    "$ovstrace" check "$file" --bpftrace-version "$version" >"$work/out" 2>"$work/err"
    status=$?
    unexpected "$work/err" && { cat "$work/err"; fail "check for bpftrace $version printed diagnostics"; }
    grep -q "^$file: ok" "$work/out" || { cat "$work/out"; fail "check for bpftrace $version did not say ok"; }
    if [ "$status" -ne 0 ] && ! grep -q "^$file: this host lacks" "$work/out"; then
        cat "$work/out"; fail "check for bpftrace $version exited $status"
    fi
    "$ovstrace" compile "$file" --bpftrace-version "$version" >/dev/null 2>"$work/err" \
        || { cat "$work/err"; fail "does not compile for bpftrace $version"; }
    unexpected "$work/err" && { cat "$work/err"; fail "compiling for bpftrace $version warns"; }
done
sed 's/^/  /' "$work/out"

# The example: `# ovstrace run ./NAME.recipe [-p NAME=VALUE]...`, then what it printed.
"$ovstrace" help "$file" | awk '/^example:/ { on = 1; next } on && /^[^ ]/ { exit } on { sub(/^  /, ""); print }' \
    > "$work/example"
command=$(head -1 "$work/example")
case "$command" in
    "# ovstrace run ./$file"*) ;;
    *) fail "the example does not start with '# ovstrace run ./$file': '$command'" ;;
esac
read -r -a words <<<"${command#"# ovstrace run ./$file"}"
"$ovstrace" compile "$file" --bpftrace-version 0.17 "${words[@]}" > "$work/script.bt" || fail "the example's command does not compile"
# The BEGIN block's first printfs whose arguments are all string literals: what the run
# prints before any event (the banner; the column line when the recipe prints lines).
awk '/^BEGIN$/ { on = 1; next } on && /^}/ { exit } on' "$work/script.bt" |
    grep '^    printf(' | while IFS= read -r line; do
        mapfile -t args < <(grep -o '"[^"]*"' <<<"$line" | sed 's/^"//; s/"$//')
        rest=${line#*printf(}
        rest=$(sed 's/"[^"]*"//g; s/[ ,]//g' <<<"$rest")
        [ "$rest" = ");" ] || break    # an argument that is not a literal: printed later
        # shellcheck disable=SC2059  # the format is the script's own
        printf "${args[0]}" "${args[@]:1}"
    done > "$work/printed"
[ -s "$work/printed" ] || fail "the compiled script prints no banner"
n=$(wc -l < "$work/printed")
if ! diff -u "$work/printed" <(sed -n "2,$((n + 1))p" "$work/example"); then
    fail "the example's first lines are not what the script prints (above: - script, + example)"
fi
echo "ok: $file checks and compiles for bpftrace 0.17, 0.23 and 0.27; its example starts with the script's $n line(s)"
