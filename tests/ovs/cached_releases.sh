# SPDX-License-Identifier: Apache-2.0
# Sourced by tests that read every real Open vSwitch build (tests/ovs/releases.txt):
# RELEASES, one SERIES:SUITE a release; the script ends with 77 (skipped), saying which, when a
# build is not in the cache (tests/run.sh builds them all).
# ovs_install SERIES:SUITE: that release's install directory.
ovs_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ovs_install() { OVS_SUITE=${1#*:} "$ovs_dir/build_ovs.sh" --cached; }
RELEASES=$(awk '!/^#/ { print $1 ":" $2 }' "$ovs_dir/releases.txt")
missing=
for r in $RELEASES; do
    ovs_install "$r" >/dev/null 2>&1 || missing="$missing ${r%%:*}"
done
if [ -n "$missing" ]; then
    echo "# SKIP: no cached build of Open vSwitch$missing: OVS_SUITE=SUITE tests/ovs/build_ovs.sh builds one (tests/run.sh builds them all)"
    exit 77
fi
