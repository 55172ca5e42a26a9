# SPDX-License-Identifier: Apache-2.0
# Installing the Debian packages a test script needs, on a fresh machine that may be busy:
# sourced by tests/setup.sh, tests/ovs/build_ovs.sh, tests/kernel/build_tier.sh,
# tests/tiers/bpftrace_tier.sh and tests/soak/churn.sh.
#
# Why not a bare `apt-get install`: on a fresh machine another apt-get (unattended-upgrades,
# cloud-init, or a second set-up script started in parallel) may hold dpkg's lock, and apt-get
# then fails at once ("Could not get lock /var/lib/dpkg/lock-frontend"); and a machine that
# never ran `apt-get update` has no package lists. Here apt waits for the lock (up to
# 10 minutes) and updates the lists once when an install fails.

# apt_missing PKG...: the ones not installed, on stdout.
apt_missing() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
    done
}

# apt_ensure WHO [--apt-get-option...] PKG...: install the missing ones (WHO names the caller
# in the progress line, on stderr). Fails with apt's own message when they cannot be installed.
apt_ensure() {
    local who=$1; shift
    local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -qq) missing
    while [ "${1:-}" != "${1#--}" ]; do apt+=("$1"); shift; done
    mapfile -t missing < <(apt_missing "$@")
    [ ${#missing[@]} -gt 0 ] || return 0
    echo "$who: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >/dev/null 2>&1 && return 0
    "${apt[@]}" update >/dev/null &&
        DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >/dev/null
}
