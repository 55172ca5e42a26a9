#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kernel_delay on the kernel (system) datapath, in the kernel-tier guest (tests/kernel/README.md):
# `ovstrace run kernel_delay` itself runs there, with windows opened and closed by kernel
# triggers around the upcalls of one ping:
#   kprobe     start k:ovs_dp_upcall (the kernel queues an upcall, in whatever task sent the
#              packet), stop u:dpif_recv:recv_upcall (a handler thread has read it)
#   kretprobe  start t:openvswitch:ovs_dp_upcall, stop kr:ovs_packet_cmd_execute (the
#              handler's execute returned), with syscall events
# Each must report one triggered window whose delta is the difference of its trigger
# times, with a handler thread that was woken (THREAD READY) and read the upcall (recvmsg)
# inside it. OVSTRACE_SKIP_KERNEL=1 skips it (status 77).
. "$(dirname "$0")/lib.sh"
here=$KT_HERE

kd=$(kt_payload kernel_delay "$here/../../recipes/kernel_delay.recipe" "$here/../golden/kernel_datapath.recipe")
# The language guide's packet-following example, as printed there.
awk '/^# upcall_path.recipe/,/^```$/' "$here/../../docs/language.md" | grep -v '^```$' > "$kd/upcall_path.recipe"
check "docs/language.md's upcall_path example compiles" "$OVSTRACE" compile "$kd/upcall_path.recipe" -o /dev/null

kt_boot "$kd"
ko=$kd/output.txt
section() { awk -v s="--- $1" 'index($0, s) == 1 { on = 1; next } on && /^--- / { exit } on' "$ko"; }
value() { sed -n "s/^--- $1 //p" "$ko" | head -1; }
check "kernel_delay payload exits 0 ($(cat "$kd/rc"))" [ "$(cat "$kd/rc")" = 0 ]
check "ovstrace check: the guest has every kernel probe of kernel_datapath (status $(value "check status"))" \
    [ "$(value "check status")" = 0 ]
handlers=$(section threads | grep -cE ' handler[0-9]+$')
check "ovs-vswitchd has handler threads ($handlers)" [ "$handlers" -ge 1 ]

# handler_counts FILE: "THREAD READY RECVMSG" for each handler thread of the report: its
# THREAD READY count and its recvmsg count, 0 where it has none. The upcall goes to one
# handler's socket; another handler may be listed first, so every handler is read.
handler_counts() {
    awk '
        /^ +[0-9]+ [^ ]+ +\[/ { thread = ($2 ~ /^handler[0-9]+$/) ? $2 : ""; if (thread != "") { order[++n] = thread } }
        /\[[A-Z ]+STATISTICS\]/ { cur = substr($0, index($0, "[")); hdr = 1; next }
        /^$/ { cur = "" }
        thread == "" || cur == "" { next }
        hdr { hdr = 0; next }
        cur == "[THREAD READY STATISTICS]" { gsub(/,/, ""); ready[thread] = $1 }
        cur == "[SYSCALL STATISTICS]" && $1 == "recvmsg" { gsub(/,/, ""); recv[thread] = $3 }
        END { for (i = 1; i <= n; i++) print order[i], ready[order[i]] + 0, recv[order[i]] + 0 }' "$1"
}

for name in kprobe kretprobe; do
    out=$WORK/$name.out
    section "$name stdout" > "$out"
    section "$name stderr" | grep -v RLIMIT_MEMLOCK > "$WORK/$name.err"
    sed -n '/^# Start sampling/,/^TID/p' "$out" | sed 's/^/#   /'
    attached=$(value "$name attached") status=$(value "$name status") answered=$(value "$name ping status")
    check "$name: attached ($attached), ping answered (status $answered), run ended by itself after its window (status $status)" \
        [ "$attached" = yes -a "$answered" = 0 -a "$status" = 0 ]
    s=$(sed -n 's/^# Start sampling (trigger@\([0-9]*\)) @.* ([0-9:]* UTC)$/\1/p' "$out")
    e=$(sed -n 's/^# Stop sampling (trigger@\([0-9]*\)) @.* ([0-9:]* UTC)$/\1/p' "$out")
    d=$(sed -n 's/^# Triggered sample dump, stop-start delta \([0-9,]*\) ns @.* ([0-9:]* UTC)$/\1/p' "$out" | tr -d ,)
    check "$name: opened and closed by its triggers (start ${s:-none}, stop ${e:-none})" [ "${e:-0}" -gt "${s:-0}" -a "${s:-0}" -gt 0 ]
    check "$name: triggered dump, delta = stop - start (${d:-none})" [ "${d:-none}" = "$((${e:-0} - ${s:-0}))" ]
    check "$name: one window" [ "$(grep -c '^# Start sampling' "$out")" -eq 1 ]
    counts=$(handler_counts "$out")
    check "$name: a handler thread was woken inside the window and read the upcall with recvmsg (READY, recvmsg per handler: $(echo ${counts:-none} | tr '\n' ' '))" \
        bash -c "awk '\$2 >= 1 && \$3 >= 1 { ok = 1 } END { exit !ok }' <<< '$counts'"
    check "$name: run printed no errors" bash -c "! grep -qi error '$WORK/$name.err'"
done
out=$WORK/kretprobe.out
check "kretprobe: syscall events after the statistics, under # SYSCALL EVENTS:" \
    awk '/STATISTICS\]$/ { s = NR } /^# SYSCALL EVENTS:$/ { t = NR } END { exit !(s && t > s) }' "$out"
check "kretprobe: a handler's recvmsg among the events, with its kernel stack" \
    bash -c "grep -A6 -E '^[0-9]+ +[0-9]+ +[0-9]+ +handler[0-9]+ +[0-9.,]+ recvmsg' '$out' | grep -q 'do_syscall_64'"

# upcall_path: the kernel's upcalls found again in the handler by packet fingerprint, and the
# handler's executes paired in order with the kernel's.
path=$WORK/path.out
section "path stdout" > "$path"
# hist_total NAME: the counts of run's histogram NAME added up ("  [4, 8)    2 |@@@   |").
hist_total() {
    awk -v t="$1:" '$0 == t { on = 1; next } on && !/^  / { on = 0 }
        on && match($0, /[0-9,]+ \|/) { v = substr($0, RSTART, RLENGTH - 2); gsub(/,/, "", v); n += v }
        END { print n + 0 }' "$path"
}
sed -n '/^upcall_us:/,$p' "$path" | head -20 | sed 's/^/#   /'
up=$(hist_total upcall_us) ex=$(hist_total execute_us)
check "upcall_path: the ping answered, run exits 0 ($(value "path ping status"), $(value "path status"))" \
    [ "$(value "path ping status")" = 0 -a "$(value "path status")" = 0 ]
check "upcall_path: the ping's upcalls (request and reply at least) matched by packet in the handler ($up)" [ "$up" -ge 2 ]
check "upcall_path: as many executes matched in order ($ex)" [ "$ex" = "$up" ]
finish
