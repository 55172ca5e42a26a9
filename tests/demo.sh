#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo: set up, start the stand-in ovs-vswitchd (it fires the real Open vSwitch
# USDT probes with real layouts), and run a recipe against it with `ovstrace run`.
#   tests/demo.sh                  reval_monitor for about 5 seconds
#   tests/demo.sh flow_results 10  another recipe, another duration (seconds)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
recipe=${1:-reval_monitor}
seconds=${2:-5}
"$top/tests/setup.sh"
build=${OVSTRACE_BUILD:-$top/build}
standin="$build/tests/target/ovs-vswitchd"
# 100 ms revalidator rounds: the stand-in runs seconds*10 rounds, then exits, and so does bpftrace.
"$standin" -q -w 1000 -n $((seconds * 10)) -r 100 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
echo "demo: stand-in ovs-vswitchd running as pid $pid; tracing it for ${seconds}s with: ovstrace run $recipe --pid $pid"
"$build/ovstrace" run "$recipe" --pid "$pid"
