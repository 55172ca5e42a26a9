#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Syscall names, read from the build machine's <asm/unistd.h> at build time: the stand-in's
# main thread sleeps in poll(), so its printed calls are named poll, with the number the
# headers give that name; the per-thread table counts the same calls and names only real
# system calls.
. "$(dirname "$0")/lib.sh"
mount_tracefs
standin_start -g -n 30 -r 100 -m 50
main=$STANDIN_PID    # the process id is its main thread's id
run_recipe "$(dirname "$0")/syscall_names.recipe" -p main_tid="$main"
standin_wait
check "ovstrace run exits 0 (status $RUN_STATUS)" [ "$RUN_STATUS" -eq 0 ]
echo '#include <asm/unistd.h>' | cc -E -dM -x c - | awk '$2 ~ /^__NR_/ { sub(/^__NR_/, "", $2); print $2, $3 }' > "$WORK/nr"
awk -v t="$main" '$1 == t && NF == 3' "$OUT" > "$WORK/rows"
rows=$(wc -l < "$WORK/rows")
check "the main thread's sleeps are printed ($rows)" [ "$rows" -ge 10 ]
check "each is named poll (or ppoll), with the number the headers give that name" \
    awk 'NR == FNR { nr[$1] = $2; next } { if (($3 != "poll" && $3 != "ppoll") || nr[$3] != $2) bad = 1 } END { exit bad }' \
    "$WORK/nr" "$WORK/rows"
name=$(awk 'NR == 1 { print $3 }' "$WORK/rows")
counted=$(awk -v t="$main" -v n="$name" '$1 ~ "^" t && $0 ~ ", " n " " { gsub(/,/, "", $NF); print $NF }' "$OUT")
check "the table counts the same $name calls ($counted vs $rows printed)" [ "${counted:-0}" -eq "$rows" -a "$rows" -gt 0 ]
awk '/^system calls by thread and name:$/ { on = 1; next } on && /^  [0-9]/ { print $(NF-1) }' "$OUT" > "$WORK/names"
check "the table names only real system calls ($(sort -u "$WORK/names" | paste -sd' '))" \
    awk 'NR == FNR { ok[$1] = 1; next } { if (!ok[$1]) { print "unknown: " $1; bad = 1 } } END { exit bad || FNR == 0 }' \
    "$WORK/nr" "$WORK/names"
finish
