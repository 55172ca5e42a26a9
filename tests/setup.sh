#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Set up a Debian 12 machine for ovstrace and build it: install what is missing
# (apt-get), mount tracefs, configure and build into build/. Safe to run again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${OVSTRACE_BUILD:-$top/build}

packages=(cmake make gcc flex bison libyaml-dev bpftrace systemtap-sdt-dev binutils procps libdw-dev
          clang valgrind    # the hardening tests: libFuzzer (tests/fuzz) and valgrind (tests/sanitize)
          python3)          # e2e.run_interrupt's stand-ins for bpftrace, which wait in epoll_wait
. "$top/tests/lib/apt.sh"
apt_ensure setup "${packages[@]}"

# bpftrace needs tracefs for tracepoints and to detach uprobes cleanly.
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
mountpoint -q /sys/kernel/debug 2>/dev/null || mount -t debugfs nodev /sys/kernel/debug 2>/dev/null || true

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE="${OVSTRACE_BUILD_TYPE:-RelWithDebInfo}" ${OVSTRACE_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
echo "setup: built $build/ovstrace"
