#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test command: set up, build, run every test (unit, golden, errors, and the
# end-to-end tests where real bpftrace traces the stand-in ovs-vswitchd).
# Extra arguments go to ctest, e.g. tests/run.sh -L e2e
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/setup.sh"
# The integration tests trace a real ovs-vswitchd 3.5 built with USDT probes; build it
# once (about 4 minutes on 2 cores, then cached in ~/.cache/ovstrace).
if [ -z "${OVSTRACE_SKIP_OVS:-}" ]; then
    echo "run: real ovs-vswitchd with USDT probes: $("$top/tests/ovs/build_ovs.sh")"
fi
cd "${OVSTRACE_BUILD:-$top/build}"
ctest --output-on-failure "$@"
