#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The include graph of compiler/ in, a verdict out: fails when a compile-side file (the top
# level, odp/, host/) includes a run/ or cli/ header, or when run/'s files include each other
# in a circle. The two libraries (CMakeLists.txt) catch a call across the line only when a
# program links the compiler alone, and "run/plan.h" resolves from every file (compiler/ is
# on the include path): this reads the include lines themselves, and says which one.
#   tests/unit/include_graph.sh [SOURCE_DIR]
set -euo pipefail
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top/compiler"

# Every '#include "X"' as "FILE TARGET", TARGET resolved as the C compiler resolves it with
# compiler/ on the include path: beside FILE first, else from compiler/.
edges() {
    find . -name '*.[ch]' | sed 's#^\./##' | sort | while read -r f; do
        dir=$(dirname "$f")
        sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | while read -r inc; do
            if [ "$dir" != . ] && [ -e "$dir/$inc" ]; then
                echo "$f $dir/$inc"
            elif [ -e "$inc" ]; then
                echo "$f $inc"
            fi   # generated (parser.h, lexer.h) or a system header: outside the graph
        done
    done
}

edges | awk '
function family(f) { return f ~ /\// ? substr(f, 1, index(f, "/") - 1) : "top" }
function module(f) { sub(/\.[ch]$/, "", f); return f }
# Depth-first search from M; a module met again while still on the path closes a circle.
function visit(m,    i, n, next_m, k) {
    state[m] = 1
    path[++depth] = m
    n = nout[m]
    for (i = 1; i <= n; i++) {
        next_m = out[m, i]
        if (state[next_m] == 1) {
            line = ""
            for (k = depth; k >= 1 && path[k] != next_m; k--)
                ;
            for (; k <= depth; k++)
                line = line path[k] " -> "
            print "include_graph: run/ files include each other in a circle: " line next_m
            bad = 1
        } else if (!state[next_m]) {
            visit(next_m)
        }
    }
    depth--
    state[m] = 2
}
{
    from = family($1); to = family($2)
    if ((from == "top" || from == "odp" || from == "host") && (to == "run" || to == "cli")) {
        print "include_graph: compiler/" $1 " (compile side) includes compiler/" $2
        bad = 1
    }
    a = module($1); b = module($2)
    if (from == "run" && to == "run" && a != b && !seen[a, b]++) {
        out[a, ++nout[a]] = b
        mods[a] = 1
    }
}
END {
    for (m in mods)
        if (!state[m])
            visit(m)
    if (bad)
        exit 1
    print "include_graph: the compile side includes no run/ or cli/ header; run/ has no include circle"
}'
