#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A newer bpftrace for the tests, from another Debian release: Debian 13's (trixie, 0.23)
# or unstable's (sid, 0.27 today). Prints the path of a `bpftrace` that runs it.
#   tests/tiers/bpftrace_tier.sh SUITE      e.g. trixie, sid
# The first call makes a minimal tree of SUITE with its bpftrace (debootstrap, about a
# minute and 600 MB, cached in ~/.cache/ovstrace/bpftrace-SUITE); later calls print the
# path at once. The program runs on this host through the tree's own dynamic loader and
# libraries, not in a chroot: it sees this host's /proc, /sys, files and processes as the
# host's bpftrace does, so `-p PID`, a script in /tmp and the traced binary's path just work.
set -euo pipefail
. "$(dirname "$0")/../lib/apt.sh"
suite=${1:?usage: bpftrace_tier.sh SUITE}
case $suite in *[!a-z]*) echo "bpftrace_tier: bad suite '$suite'" >&2; exit 2 ;; esac
cache=${OVSTRACE_CACHE:-$HOME/.cache/ovstrace}
root=$cache/bpftrace-$suite
wrapper=$root.bpftrace
# The loader runs bpftrace under a link named bpftrace: the process's name (comm) is the
# executed file's, and tests, pgrep and bpftrace's own `comm` look for "bpftrace", not
# "ld-linux-x86-64".
loader=$root.bin/bpftrace
mkdir -p "$cache"

current() { [ -x "$wrapper" ] && grep -qF "$loader" "$wrapper"; }
if ! current; then
    exec 9>"$root.lock"
    flock 9
fi
if ! current && [ ! -x "$root/usr/bin/bpftrace" ]; then
    apt_ensure bpftrace_tier debootstrap
    # The mirror the host's own sources name (Debian 12's deb822 file, or sources.list).
    mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /debian$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    echo "bpftrace_tier: debootstrap $suite with bpftrace from $mirror (about a minute)" >&2
    rm -rf "$root.tmp"
    if ! debootstrap --variant=minbase --include=bpftrace "$suite" "$root.tmp" "$mirror" >"$root.log" 2>&1; then
        echo "bpftrace_tier: debootstrap $suite failed; see $root.log" >&2
        tail -5 "$root.log" >&2
        exit 1
    fi
    rm -rf "$root"
    mv "$root.tmp" "$root"
fi
if ! current; then
    mkdir -p "$root.bin"
    ln -sfn "$root/lib64/ld-linux-x86-64.so.2" "$loader"
    libs=$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu
    cat >"$wrapper.tmp" <<WRAP
#!/bin/sh
# bpftrace from Debian $suite ($root), run with that tree's loader (as $loader) and libraries.
exec "$loader" --library-path "$libs" "$root/usr/bin/bpftrace" "\$@"
WRAP
    chmod +x "$wrapper.tmp"
    mv "$wrapper.tmp" "$wrapper"
fi
"$wrapper" --version >/dev/null || { echo "bpftrace_tier: $wrapper does not run" >&2; exit 1; }
echo "$wrapper"
