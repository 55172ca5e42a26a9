#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run_tier.sh PAYLOAD_DIR [PAYLOAD_DIR...]: one QEMU boot of the kernel tier for a batch of
# payloads. Each PAYLOAD_DIR holds a run.sh (and any files it uses, e.g. a compiled
# bpftrace script, and optionally a `timeout` file with seconds, default 240). They are
# packed into a small cpio archive appended to the tier's initramfs (the kernel unpacks
# concatenated archives in order), so the guest sees /payloads/NAME/ (NAME = the
# directory's base name). The guest's /init runs each run.sh in order, in its own
# directory, with output captured, and frames it on the serial console; this script
# splits the serial log back into PAYLOAD_DIR/output.txt and PAYLOAD_DIR/rc.
# Exit status: 0 all payloads ran and returned 0; 1 all ran, some returned non-zero;
# 2 usage; 3 the boot failed (timeout, crash, no pass marker): the serial log's tail is
# printed; 4 as 3, but the guest's kernel died of an int3 trap under TCG (below): a boot
# worth trying once more. Environment:
#   OVSTRACE_KT_TIER     a tier directory (default: whatever build_tier.sh prints)
#   OVSTRACE_KT_LOG      where the serial log goes (default: kernel-tier-logs/ in the cache)
#   OVSTRACE_KT_TIMEOUT  seconds for the whole boot (default: 120 for booting and shutting down,
#                        plus each payload's timeout; at least 600)
#   OVSTRACE_KT_ACCEL    kvm or tcg (default: kvm only with a usable /dev/kvm and vmx/svm)
#   OVSTRACE_KT_SMP, OVSTRACE_KT_MEM   guest CPUs (2) and MB of RAM (3072)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${OVSTRACE_CACHE:-$HOME/.cache/ovstrace}
log() { echo "kernel tier: $*" >&2; }
[ $# -ge 1 ] || { echo "usage: run_tier.sh PAYLOAD_DIR [PAYLOAD_DIR...]" >&2; exit 2; }

names=()
for p in "$@"; do
    [ -f "$p/run.sh" ] || { echo "run_tier.sh: $p has no run.sh" >&2; exit 2; }
    n=$(basename "$(cd "$p" && pwd)")
    [[ $n =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "run_tier.sh: payload name '$n' must be [A-Za-z0-9_.-]+" >&2; exit 2; }
    for m in "${names[@]}"; do [ "$m" != "$n" ] || { echo "run_tier.sh: two payloads named $n" >&2; exit 2; }; done
    names+=("$n")
done

tier=${OVSTRACE_KT_TIER:-$("$here/build_tier.sh")}
[ -f "$tier/vmlinuz" ] && [ -f "$tier/initramfs.cpio" ] || { log "no tier in '$tier'"; exit 3; }

if [ -n "${OVSTRACE_KT_LOG:-}" ]; then
    serial=$OVSTRACE_KT_LOG
else
    mkdir -p "$cache/kernel-tier-logs"
    serial=$cache/kernel-tier-logs/serial-$(date +%Y%m%d-%H%M%S)-$$.log
    # Keep the 20 newest boots (two logs each).
    ls -t "$cache"/kernel-tier-logs/serial-*.log 2>/dev/null | tail -n +41 | xargs -r rm -f || true
fi
mkdir -p "$(dirname "$serial")"
live=${serial%.log}.live.log    # the guest's second serial port: payload output as it is written
: > "$serial"

work=$(mktemp -d /tmp/ovstrace-kt.XXXXXX)
qpid=
cleanup() {
    if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill -TERM "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# The payload archive: /payloads/NAME/... and /payloads/.order (the run order).
mkdir -p "$work/root/payloads"
i=0
payload_time=0
for p in "$@"; do
    n=${names[$i]}; i=$((i + 1))
    payload_time=$((payload_time + $(cat "$p/timeout" 2>/dev/null || echo 240)))
    rm -f "$p/output.txt" "$p/rc"
    cp -rL "$p" "$work/root/payloads/$n"
    rm -f "$work/root/payloads/$n/output.txt" "$work/root/payloads/$n/rc"
    echo "$n" >> "$work/root/payloads/.order"
done
(cd "$work/root" && find . | cpio -o -H newc -R 0:0 --quiet) > "$work/payloads.cpio"
cat "$tier/initramfs.cpio" "$work/payloads.cpio" > "$work/run.cpio"
log "payload archive $(( $(stat -c %s "$work/payloads.cpio") / 1024 )) KB appended to the $(( $(stat -c %s "$tier/initramfs.cpio") >> 20 )) MB base"

accel=${OVSTRACE_KT_ACCEL:-}
if [ -z "$accel" ]; then
    accel=tcg
    # /dev/kvm alone is not enough: a paravirtual one (PVM) hangs a stock kernel.
    if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel=kvm; fi
fi
# QEMU's limit covers every payload's own (guest/init ends a payload at its timeout): a
# payload given 900 s must not be cut at a fixed 600 by the boot's.
limit=$((payload_time + 120 > 600 ? payload_time + 120 : 600))
limit=${OVSTRACE_KT_TIMEOUT:-$limit}

# boot ACCEL: QEMU in the background, watched; returns QEMU's status (124 on timeout,
# 125 when KVM showed no sign of life for 60 s: a paravirtual /dev/kvm hangs silently).
boot() {
    local accel=$1 start=$SECONDS
    : > "$serial"; : > "$live"
    timeout -k 10 "$limit" qemu-system-x86_64 -accel "$accel" -smp "${OVSTRACE_KT_SMP:-2}" -m "${OVSTRACE_KT_MEM:-3072}" \
        -display none -monitor none -serial "file:$serial" -serial "file:$live" -no-reboot -nic none \
        -kernel "$tier/vmlinuz" -initrd "$work/run.cpio" \
        -append "console=ttyS0 loglevel=4 panic=-1" </dev/null >"$work/qemu.out" 2>&1 &
    qpid=$!
    while kill -0 "$qpid" 2>/dev/null; do
        if [ "$accel" = kvm ] && [ $((SECONDS - start)) -ge 60 ] && ! grep -q '=== KERNEL TIER INIT ===' "$serial"; then
            log "no sign of life under KVM after 60 s: retrying with TCG"
            kill -TERM "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true; qpid=
            return 125
        fi
        sleep 1
    done
    local rc=0
    wait "$qpid" || rc=$?
    qpid=
    return "$rc"
}

log "booting ${#names[@]} payload(s) (${names[*]}) under $accel, serial log $serial"
t0=$SECONDS
qrc=0
boot "$accel" || qrc=$?
if [ "$accel" = kvm ] && ! grep -q '=== KERNEL TIER INIT ===' "$serial"; then
    [ "$qrc" -eq 125 ] || log "QEMU under KVM ended (status $qrc) before /init ran: retrying with TCG"
    accel=tcg qrc=0
    boot tcg || qrc=$?
fi
took=$((SECONDS - t0))

# The serial logs have \r\n line ends and SeaBIOS's escape sequences.
clean() { tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g'; }
clean "$serial" > "$work/serial.txt"
clean "$live" > "$work/live.txt"
booted=yes
grep -q '^=== KERNEL TIER DONE payloads=' "$work/serial.txt" || booted=no

# Each payload's framed output; a payload without a frame (the guest died while it ran,
# or before) gets what the live port got, if anything, and status 255.
status=0
i=0
for p in "$@"; do
    n=${names[$i]}; i=$((i + 1))
    awk -v b="=== PAYLOAD $n BEGIN ===" -v e="^=== PAYLOAD $n END rc=[0-9]+ ===\$" -v out="$p/output.txt" -v rcf="$p/rc" '
        $0 == b { on = 1; printf "" > out; next }
        on && $0 ~ e { on = 0; sub(/.* rc=/, ""); sub(/ .*/, ""); print > rcf; next }
        on { print > out }' "$work/serial.txt"
    if [ ! -f "$p/rc" ]; then
        awk -v b="=== PAYLOAD $n BEGIN ===" '$0 == b { on = 1; next } on && /^=== PAYLOAD .* BEGIN ===$/ { exit } on' \
            "$work/live.txt" > "$p/output.txt"
        if grep -qxF "=== PAYLOAD $n BEGIN ===" "$work/live.txt"; then
            log "payload $n: did not finish; its output up to then is in $p/output.txt"
        else
            log "payload $n: did not run"
        fi
        echo 255 > "$p/rc"
    fi
    rc=$(cat "$p/rc")
    [ "$booted" = no ] || log "payload $n: status $rc, $(wc -l < "$p/output.txt") lines in $p/output.txt"
    [ "$rc" -eq 0 ] || status=1
done

if [ "$booted" = no ]; then
    case $qrc in
        124|137) why="timed out after $limit s" ;;
        0) why="QEMU exited without the pass marker (guest crashed or init died)" ;;
        *) why="QEMU exited with status $qrc" ;;
    esac
    log "boot failed after $took s under $accel: $why"
    [ -s "$work/qemu.out" ] && { echo "--- QEMU said:" >&2; tail -5 "$work/qemu.out" >&2; }
    echo "--- the guest's progress:" >&2
    grep -E '^(kt: |=== )' "$work/serial.txt" >&2 || echo "(none: /init never ran)" >&2
    echo "--- the last 40 lines of the serial log ($serial):" >&2
    tail -40 "$work/serial.txt" >&2
    # An "Oops: int3" in the guest's kernel is a race of x86 code patching under TCG, not of
    # the test: enabling a tracepoint rewrites its static branch through a temporary int3,
    # and a second emulated CPU can still meet that int3 after the patch is done (seen once in
    # the Debian 13 guest: handle_softirqs, as bpftrace attached kernel_delay's softirq probes).
    if [ "$accel" = tcg ] && grep -q 'Oops: int3' "$work/serial.txt"; then
        log "the guest's kernel died of an int3 trap while tracepoints were being patched (a TCG race)"
        exit 4
    fi
    exit 3
fi
log "boot took $took s under $accel"
exit "$status"
