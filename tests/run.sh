#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test command: set up, build, run every test (unit, golden, errors, and the
# end-to-end tests where real bpftrace traces the stand-in ovs-vswitchd).
# Extra arguments go to ctest, e.g. tests/run.sh -L e2e
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/setup.sh"
# The integration tests trace real ovs-vswitchd builds with USDT probes, one per release of
# tests/ovs/releases.txt (3.1, 3.5, 4.0); each is built once (about 4 minutes on 2 cores,
# then cached in ~/.cache/ovstrace).
if [ -z "${OVSTRACE_SKIP_OVS:-}" ]; then
    for suite in $(awk '!/^#/ { print $2 }' "$top/tests/ovs/releases.txt"); do
        # (a failed build stops here: the tests would otherwise fail or skip for an unrelated reason)
        ovs=$(OVS_SUITE=$suite "$top/tests/ovs/build_ovs.sh")
        echo "run: real ovs-vswitchd with USDT probes ($suite): $ovs"
    done
fi
# Newer bpftrace releases load every script too (ctest label tiers): Debian 13's and unstable's,
# each in a minimal tree of its release (about a minute each, then cached).
if [ -z "${OVSTRACE_SKIP_TIERS:-}" ]; then
    for suite in trixie sid; do
        bpftrace=$("$top/tests/tiers/bpftrace_tier.sh" "$suite")
        echo "run: bpftrace from Debian $suite: $bpftrace"
    done
fi
cd "${OVSTRACE_BUILD:-$top/build}"
ctest --output-on-failure "$@"
