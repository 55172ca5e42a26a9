#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The recipes the docs show are the files in examples/: every ```yaml block of docs/language.md
# and README.md whose first line names a recipe (`# NAME.recipe  ...`) must equal
# examples/NAME.recipe without its header's text fields (the top-level about, usage, example
# and origin keys: what `ovstrace help` shows, left out of the docs to keep them short).
# Fails on any difference, and on a named block without its file (examples/README.md).
#   tests/docs/examples_in_docs.sh [TOP]
set -u
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d /tmp/ovstrace-docs-examples.XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0 blocks=0

# The file as the docs show it: the header's text fields and their indented lines left out.
without_header_text() {
    awk '/^(about|usage|example|origin):/ { skip = 1; next }
         skip && (/^[ \t]/ || /^$/) { next }
         { skip = 0; print }' "$1"
}

for doc in docs/language.md README.md; do
    # Each named block as DOC.N.NAME, N counting the doc's yaml blocks (for the message).
    awk -v out="$work/" -v doc="${doc//\//_}" '
        /^```yaml$/ { n++; on = 1; file = ""; next }
        /^```$/ { on = 0; if (file != "") close(file); next }
        on && file == "" {
            if (!match($0, /^# [a-z][a-z0-9_]*\.recipe  /)) { on = 0; next }
            name = substr($0, 3, RLENGTH - 11)
            line = NR
            file = out doc "." sprintf("%03d", n) "." name
            print line > (file ".line")
            close(file ".line")
        }
        on { print > file }' "$top/$doc"
    for block in "$work/${doc//\//_}".*; do
        case $block in *.line) continue ;; esac
        [ -e "$block" ] || continue
        blocks=$((blocks + 1))
        name=${block##*.}
        where="$doc:$(cat "$block.line")"
        if [ ! -f "$top/examples/$name.recipe" ]; then
            echo "FAIL: $where names $name.recipe, which examples/ does not have"
            fails=$((fails + 1))
        elif ! diff -u --label "examples/$name.recipe (without about/usage/example/origin)" \
                --label "$where" <(without_header_text "$top/examples/$name.recipe") "$block"; then
            echo "FAIL: $where differs from examples/$name.recipe (above)"
            fails=$((fails + 1))
        else
            echo "ok: $where is examples/$name.recipe"
        fi
    done
done
[ "$blocks" -gt 0 ] || { echo "FAIL: no yaml block names a recipe: is the first line '# NAME.recipe  ...'?"; exit 1; }
echo "$blocks named recipe blocks, $fails failed"
[ "$fails" -eq 0 ]
