#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's two commands on a fresh Debian tree: debootstrap SUITE (trixie: Debian 13),
# clone this checkout (its commits, not uncommitted changes) into it, and run tests/demo.sh, then tests/run.sh, inside it (a chroot
# with the host's /proc, /sys and /dev: its own packages, compiler and bpftrace, the host's
# kernel). Not part of the test command: issue #16's check that Debian 13 works as Debian 12.
#   tests/tiers/fresh_debian.sh [--smoke] [SUITE]
# --smoke: tests/run.sh without the real OVS builds, the bpftrace tiers and the kernel guests
# (minutes instead of an hour). The tree is kept in /var/tmp/ovstrace-SUITE (made once, about
# two minutes); the clone in it is made anew each time. Output: the demo's last lines, then
# the test command's.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/apt.sh"
smoke=
[ "${1:-}" = --smoke ] && { smoke=1; shift; }
suite=${1:-trixie}
case $suite in *[!a-z]*) echo "fresh_debian: bad suite '$suite'" >&2; exit 2 ;; esac
root=/var/tmp/ovstrace-$suite

if [ ! -x "$root/usr/bin/apt-get" ]; then
    apt_ensure fresh_debian debootstrap
    echo "fresh_debian: debootstrap $suite into $root (about two minutes)" >&2
    rm -rf "$root.tmp"
    debootstrap --variant=minbase --include=git,ca-certificates "$suite" "$root.tmp" http://deb.debian.org/debian >/dev/null
    mv "$root.tmp" "$root"
fi
unmount() { for m in dev/pts dev sys proc; do umount -R "$root/$m" 2>/dev/null || true; done; }
trap unmount EXIT
for m in proc sys dev dev/pts; do mountpoint -q "$root/$m" || mount --rbind "/$m" "$root/$m"; done
cp /etc/resolv.conf "$root/etc/resolv.conf"
rm -rf "$root/root/ovstrace"
git clone -q "$top" "$root/root/ovstrace"

status=0
echo "== $suite: tests/demo.sh"
chroot "$root" bash -c 'cd /root/ovstrace && tests/demo.sh' > "$root/demo.log" 2>&1 || status=1
tail -15 "$root/demo.log"
if [ -n "$smoke" ]; then
    echo "== $suite: tests/run.sh -LE 'integration|kernel|tiers' (smoke)"
    chroot "$root" env OVSTRACE_SKIP_OVS=1 OVSTRACE_SKIP_TIERS=1 \
        bash -c "cd /root/ovstrace && tests/run.sh -LE 'integration|kernel|tiers'" > "$root/tests.log" 2>&1 || status=1
else
    echo "== $suite: tests/run.sh"
    chroot "$root" bash -c 'cd /root/ovstrace && tests/run.sh' > "$root/tests.log" 2>&1 || status=1
fi
tail -40 "$root/tests.log"
echo "fresh_debian: $suite: $([ $status -eq 0 ] && echo passed || echo FAILED) (logs: $root/demo.log, $root/tests.log)"
exit $status
