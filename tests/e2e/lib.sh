# SPDX-License-Identifier: Apache-2.0
# Helpers for end-to-end tests: start the stand-in ovs-vswitchd, run a recipe on it
# with real bpftrace, and compare what was printed with the stand-in's truth log.
# Needs OVSTRACE and STANDIN in the environment (ctest sets them).
# The bpftrace: OVSTRACE_TIER=SUITE runs Debian SUITE's (trixie, sid: tests/tiers/), else
# $BPFTRACE, else PATH's; exported, so `ovstrace compile` targets it and `ovstrace run` runs it.
set -u
: "${OVSTRACE:?}" "${STANDIN:?}"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tracing.sh"
if [ -n "${OVSTRACE_TIER:-}" ]; then
    [ -z "${OVSTRACE_SKIP_TIERS:-}" ] || { echo "skipped: OVSTRACE_SKIP_TIERS is set"; exit 77; }
    BPFTRACE=$("$(dirname "${BASH_SOURCE[0]}")/../tiers/bpftrace_tier.sh" "$OVSTRACE_TIER") ||
        { echo "no bpftrace for $OVSTRACE_TIER"; exit 1; }
fi
export BPFTRACE=${BPFTRACE:-bpftrace}
# BT_VERSION: its version as MAJOR.MINOR (0.17); bt_before X.Y: it is older than X.Y.
BT_VERSION=$("$BPFTRACE" --version 2>/dev/null | sed -n 's/.*v\([0-9]*\.[0-9]*\).*/\1/p')
echo "# bpftrace ${BT_VERSION:-not found} ($BPFTRACE)"
bt_before() { awk -v a="${BT_VERSION:-0}" -v b="$1" 'BEGIN { split(a, x, "."); split(b, y, "."); exit !(x[1] < y[1] || (x[1] == y[1] && x[2] < y[2])) }'; }
WORK=$(mktemp -d /tmp/ovstrace-e2e.XXXXXX)
TRUTH=$WORK/truth.log
OUT=$WORK/out.txt
ERR=$WORK/err.txt
STANDIN_PID=
FAILS=0
CHECKS=0

cleanup() {
    [ -n "$STANDIN_PID" ] && kill "$STANDIN_PID" 2>/dev/null
    if [ "$FAILS" -gt 0 ] || [ -n "${KEEP:-}" ]; then
        echo "kept $WORK for inspection"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

mount_tracefs() {
    mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
}

# standin_start ARGS...: with -g the stand-in waits for SIGUSR1 before its first round;
# run_recipe and compile_and_run send it once bpftrace has attached (go_when_tracing).
standin_start() {
    "$STANDIN" -q -l "$TRUTH" "$@" &
    STANDIN_PID=$!
}

# go_when_tracing PID: wait_tracing PID, then SIGUSR1 to the stand-in (go, for -g; a
# stand-in started without -g ignores it).
go_when_tracing() {
    wait_tracing "$1"
    [ -n "$STANDIN_PID" ] && kill -USR1 "$STANDIN_PID" 2>/dev/null
    return 0
}

standin_wait() {
    wait "$STANDIN_PID" 2>/dev/null
    STANDIN_PID=
}

# run_recipe RECIPE ARGS...: `ovstrace run` until the stand-in exits (bpftrace follows -p).
run_recipe() {
    local recipe=$1 p; shift
    timeout 60 "$OVSTRACE" run "$recipe" --pid "$STANDIN_PID" "$@" >"$OUT" 2>"$ERR" &
    p=$!
    go_when_tracing "$p"
    wait "$p"; RUN_STATUS=$?
}

# compile_and_run RECIPE ARGS...: the documented pipe, `ovstrace compile | bpftrace -p PID -`.
compile_and_run() {
    local recipe=$1; shift
    "$OVSTRACE" compile "$recipe" "$@" > "$WORK/script.bt" || { fail "compile $recipe"; RUN_STATUS=1; return; }
    local p
    timeout 60 "$BPFTRACE" -p "$STANDIN_PID" - "$STANDIN_PID" < "$WORK/script.bt" >"$OUT" 2>"$ERR" &
    p=$!
    go_when_tracing "$p"
    wait "$p"; RUN_STATUS=$?
}

fail() { echo "not ok - $*"; FAILS=$((FAILS + 1)); CHECKS=$((CHECKS + 1)); }
pass() { echo "ok - $*"; CHECKS=$((CHECKS + 1)); }
# check WHAT CMD...: ok or not ok by CMD's status; returns 1 when not ok (for a caller that shows more).
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; return 1; fi; }

# truth PROBE FIELD: the FIELD values of every PROBE line of the truth log, one per line.
truth() {
    awk -F'\t' -v p="$1" -v f="$2" '$1 == p { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$TRUTH"
}

# is_subsequence A B: the lines of file A appear contiguously, in order, in file B.
is_subsequence() {
    awk 'NR == FNR { a[n++] = $0; next } { b[m++] = $0 }
         END { if (n == 0) exit 1
               for (s = 0; s + n <= m; s++) { ok = 1; for (i = 0; i < n; i++) if (a[i] != b[s + i]) { ok = 0; break }
                                              if (ok) exit 0 }
               exit 1 }' "$1" "$2"
}

# reval_waits_fit ROWS: reval_monitor's rows (START COMPLETE ... ACTUAL_WAIT_MS): each wait
# ends and the next START is read in one probe block, START later (by microseconds, more if
# the machine preempts the block), so the wait is at most next START - COMPLETE (+1 us, it
# is printed in us), and more than half of it (not in another unit).
reval_waits_fit() {
    awk 'NR > 1 { gap = ($1 - complete) * 1000; if (wait > gap + 0.001 || wait <= gap / 2) bad = 1 }
         { complete = $2; wait = $10 } END { exit bad || NR < 2 }' "$1"
}
# reval_period ROWS: the mean time from one START to the next, in ms. A round starts at least
# its period after the previous one started unless that one started late, which the mean
# over all rounds forgives.
reval_period() { awk 'NR == 1 { f = $1 } { l = $1 } END { if (NR > 1) printf "%.1f\n", (l - f) * 1000 / (NR - 1); else print 0 }' "$1"; }

finish() {
    if [ "$FAILS" -gt 0 ]; then
        echo "--- bpftrace stdout"; head -40 "$OUT"; echo "--- stderr"; head -20 "$ERR"
    fi
    echo "$((CHECKS - FAILS)) passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}

# check_example_header RECIPE: the column line of the recipe's `example:` (the line after
# "Tracing ...") is exactly the header this run printed, so examples cannot rot.
check_example_header() {
    local want got
    want=$("$OVSTRACE" help "$1" | awk '/^example:/ { on = 1; next } on && prev ~ /Tracing / { sub(/^  /, ""); print; exit } on { prev = $0 }')
    got=$(awk 'prev ~ /^Tracing / { print; exit } { prev = $0 }' "$OUT")
    check "example header of $1 matches the output" test -n "$want" -a "$want" = "$got"
    [ "$want" = "$got" ] || printf '#   example: %s\n#   printed: %s\n' "$want" "$got"
}
