#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build a real ovs-vswitchd with USDT probes for the integration tests, once per release.
# Debian's own packages are built without probes, so: fetch a Debian suite's
# openvswitch-source through a private apt configuration (the system's sources stay
# untouched; packages are verified with the installed debian-archive-keyring), configure
# with --enable-usdt-probes, build only the programs the tests use, and install them under
# the cache directory:
#   ${OVSTRACE_CACHE:-~/.cache/ovstrace}/ovs-<version>/{bin,share}
# OVS_SUITE picks the release (default trixie), as tests/ovs/releases.txt lists them:
#   bookworm  Debian 12        3.1   (7 of the 13 probes; the source is a tarball in the package;
#                                     it configures and builds with Debian 12's toolchain and the
#                                     same build dependencies as 3.5, no patches)
#   trixie    Debian 13        3.5
#   sid       Debian unstable  4.0
# The cache is per release series: a 3.5 install never answers a request for 4.0. A second
# run finds the install and does nothing. Prints the install directory.
# --cached: print it only if it is there already (exit 3 if not), never build (tests that
# compare against the builds but should not spend minutes making one).
# The suites move on (sid will ship 4.1 one day): the build then stops with a message rather
# than hand the tests a release whose layouts are not bundled; pin the series below anew then.
set -euo pipefail
. "$(dirname "$0")/../lib/apt.sh"
cache=${OVSTRACE_CACHE:-$HOME/.cache/ovstrace}
suite=${OVS_SUITE:-trixie}
log() { echo "build_ovs: $*" >&2; }
# series: the release the suite ships, and how many of the 13 probes it has (releases.txt).
read -r series probes < <(awk -v s="$suite" '!/^#/ && $2 == s { print $1, $3 }' "$(dirname "$0")/releases.txt") ||
    { log "unknown OVS_SUITE '$suite' (see $(dirname "$0")/releases.txt)"; exit 2; }
mkdir -p "$cache"
exec 9>"$cache/build_ovs.lock"
flock 9

# Only an install of this suite's series counts (ovs-3.5.0 for trixie, not ovs-4.0.0).
done_marker() { ls -d "$cache/ovs-$series".*/.complete 2>/dev/null | head -1; }
if m=$(done_marker) && [ -n "$m" ]; then dirname "$m"; exit 0; fi
if [ "${1:-}" = --cached ]; then log "no build of Open vSwitch $series ($suite) in $cache"; exit 3; fi

need=(build-essential autoconf automake libtool python3 libssl-dev libcap-ng-dev systemtap-sdt-dev pkg-config)
apt_ensure build_ovs "${need[@]}" || { log "cannot install the build dependencies"; exit 1; }

# The mirror this machine already uses, with the newer suite.
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /^http/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { log "cannot find the Debian mirror in /etc/apt"; exit 1; }
apt_dir="$cache/apt-$suite"
download="$cache/src/$suite"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$download"
printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$mirror" "$suite" > "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives"
          -o "Dir::State::Status=/var/lib/dpkg/status" -o "APT::Get::List-Cleanup=0"
          -o "APT::Sandbox::User=root")
log "fetching openvswitch-source from $suite (private apt lists in $apt_dir)"
apt-get "${apt_opts[@]}" update -qq >/dev/null
(cd "$download" && apt-get "${apt_opts[@]}" download openvswitch-source >/dev/null)
deb=$(ls -t "$download"/openvswitch-source_*.deb | head -1)
version=$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//; s/^[0-9]*://')
log "openvswitch-source $version"
case $version in
"$series".*) ;;
*) log "$suite ships openvswitch $version, not $series: the tests and bundled layouts pin $series (see the top of $0)"; exit 1 ;;
esac
work="$cache/src/ovs-$version"
rm -rf "$work" && mkdir -p "$work/deb"
dpkg-deb -x "$deb" "$work/deb"
# The package holds the source tree under /usr/src (3.5, 4.0), or a tarball of it at
# /usr/src/openvswitch/openvswitch.tar.gz (3.1).
tarball=$(find "$work/deb/usr/src" -maxdepth 2 -name '*.tar.*' | head -1)
if [ -n "$tarball" ]; then
    mkdir -p "$work/tree" && tar -xf "$tarball" -C "$work/tree"
else
    mv "$work/deb/usr/src" "$work/tree"
fi
conf=$(find "$work/tree" -maxdepth 3 -name configure.ac | head -1)
[ -n "$conf" ] || { log "no source tree in $deb"; exit 1; }
src=$(dirname "$conf")
cd "$src"
[ -x configure ] || { log "boot.sh"; ./boot.sh >/dev/null; }
log "configure --enable-usdt-probes"
./configure --enable-usdt-probes --disable-ssl --prefix=/usr --localstatedir=/var --sysconfdir=/etc \
    CFLAGS="-g -O2 -fno-omit-frame-pointer" >/dev/null
grep -q 'HAVE_USDT_PROBES\|USDT' config.h || log "warning: USDT not visible in config.h"
log "make (a few minutes on 2 cores)"
# Naming targets skips automake's BUILT_SOURCES (generated headers such as odp-netlink.h): build them first.
built=$(printf 'print-built-sources:\n\t@echo $(BUILT_SOURCES)\n' | make -s -f Makefile -f - print-built-sources)
make -j"$(nproc)" $built >/dev/null 2>"$work/make.err" || { tail -20 "$work/make.err" >&2; exit 1; }
make -j"$(nproc)" vswitchd/ovs-vswitchd ovsdb/ovsdb-server ovsdb/ovsdb-tool utilities/ovs-vsctl \
    utilities/ovs-appctl utilities/ovs-ofctl utilities/ovs-dpctl vswitchd/vswitch.ovsschema >/dev/null 2>"$work/make.err" ||
    { tail -20 "$work/make.err" >&2; exit 1; }
dest="$cache/ovs-$version"
rm -rf "$dest" && mkdir -p "$dest/bin" "$dest/share"
for b in vswitchd/ovs-vswitchd ovsdb/ovsdb-server ovsdb/ovsdb-tool utilities/ovs-vsctl utilities/ovs-appctl \
         utilities/ovs-ofctl utilities/ovs-dpctl; do
    cp "$b" "$dest/bin/"
done
cp vswitchd/vswitch.ovsschema "$dest/share/"
# Distinct provider:name pairs (a probe may have several sites, each its own note).
n=$(readelf -n "$dest/bin/ovs-vswitchd" | awk '/Provider:/ { p = $2 } /Name:/ && p { print p ":" $2; p = "" }' | sort -u | wc -l)
[ "$n" -ge "$probes" ] || { log "ovs-vswitchd has only $n USDT probes ($series has $probes)"; exit 1; }
echo "$version" > "$dest/.complete"
rm -rf "$work"
log "installed $dest ($n USDT probes)"
echo "$dest"
