#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# build_tier.sh [RELEASE]: build the kernel test tier of a Debian release once: its stock
# kernel and an initramfs that holds a whole minimal Debian of that release (its bpftrace,
# iproute2, ...), openvswitch.ko and its dependencies, the USDT ovs-vswitchd from
# tests/ovs/build_ovs.sh and an /init that runs test payloads (tests/kernel/guest/).
# RELEASE: bookworm (Debian 12: kernel 6.1, bpftrace 0.17; the default) or trixie (Debian 13:
# kernel 6.12, bpftrace 0.23); OVSTRACE_KT_RELEASE sets it too. run_tier.sh boots it under
# QEMU. Prints the tier directory:
#   ${OVSTRACE_CACHE:-~/.cache/ovstrace}/kernel-tier-<key>/{vmlinuz,initramfs.cpio,manifest}
# key = release + kernel package version + OVS version and a hash of the OVS binary and of
# the guest files; a second run finds the directory and only prints it. Pieces that do not
# depend on the key are kept in kernel-tier-parts/ (the kernel .deb, the debootstrapped
# rootfs). The kernel package is pinned the first time (kernel-tier-parts/kernel-RELEASE.pin);
# remove that file, or set KERNEL_PKG=linux-image-6.1.0-NN-amd64, to move to another.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/apt.sh"
cache=${OVSTRACE_CACHE:-$HOME/.cache/ovstrace}
suite=${1:-${OVSTRACE_KT_RELEASE:-bookworm}}
case $suite in
    bookworm|trixie) ;;
    *) echo "kernel tier: release '$suite' is not bookworm or trixie" >&2; exit 2 ;;
esac
mkdir -p "$cache"
exec 9>"$cache/kernel-tier.lock"
flock 9
t_all=$(date +%s)    # (another release's rootfs may be built before the key is known)

log() { echo "kernel tier: $*" >&2; }
die() { log "error: $*"; exit 1; }
secs() { echo $(($(date +%s) - $1)); }

# Host tools (kmod for depmod/modprobe on the kernel's modules, binutils for strip, xz-utils
# for Debian 13's compressed modules).
need=(qemu-system-x86 debootstrap cpio kmod binutils xz-utils)
apt_ensure kernel_tier --no-install-recommends "${need[@]}" || die "cannot install ${need[*]}"

ovs=${OVS_PREFIX:-$("$here/../ovs/build_ovs.sh")}
[ -x "$ovs/bin/ovs-vswitchd" ] && [ -f "$ovs/share/vswitch.ovsschema" ] || die "no OVS build in $ovs"
ovs_version=$(cat "$ovs/.complete" 2>/dev/null || echo unknown)

parts=$cache/kernel-tier-parts
mkdir -p "$parts"
# The Debian archive this machine uses (never a host name written here).
mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /^http/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
host_suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")

# The rootfs's packages: debootstrap minbase with bpftrace and what the tests and OVS need.
# libyaml and libdw are ovstrace's own libraries: payloads run `ovstrace run` in the guest.
# The OVS binaries (built on this host) run in the guest as they are: they need libc, libm
# and libcap-ng.so.0 (libssl.so.3 if built with SSL), sonames that Debian 12 and 13 share
# (13's glibc is newer, which old binaries accept). On this host's own release their
# packages are found with ldd and dpkg -S; another release names them its way (Debian 13
# renamed libssl3 and libdw1 to *t64), so it has its own list. Either way the assembled
# image is checked with ldd for every OVS binary, below.
if [ "$suite" = "$host_suite" ]; then
    libpkgs=$(ldd "$ovs"/bin/* 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
              while read -r lib; do
                  dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
                      dpkg -S "/usr$lib" 2>/dev/null || echo "unowned: $lib" >&2
              done | cut -d: -f1 | sort -u | paste -sd, -)
fi
case $suite in
    bookworm) libs=libyaml-0-2,libdw1
              [ "$suite" = "$host_suite" ] || libs=$libs,libcap-ng0,libssl3 ;;
    trixie) libs=libyaml-0-2,libdw1t64,libcap-ng0,libssl3t64 ;;
esac
pkgs="bpftrace,iproute2,kmod,iputils-ping,procps,$libs${libpkgs:+,$libpkgs}"
rootfs_key=$(echo "$suite $pkgs" | sha256sum | cut -c1-8)
rootfs=$parts/rootfs-$suite-$rootfs_key

# ensure_rootfs: debootstrap the rootfs once (cached in parts/). Its apt package lists stay
# (the image drops them): another release's kernel is looked up with them.
ensure_rootfs() {
    [ ! -f "$rootfs/.complete" ] || return 0
    [ -n "$mirror" ] || die "cannot find the Debian mirror in /etc/apt"
    rm -rf "$rootfs"
    local t=$(date +%s)
    log "debootstrap --variant=minbase $suite with $pkgs (1-3 min)..."
    debootstrap --variant=minbase --include="$pkgs" "$suite" "$rootfs" "$mirror" >"$parts/debootstrap-$suite.log" 2>&1 ||
        { tail -20 "$parts/debootstrap-$suite.log" >&2; die "debootstrap failed (log: $parts/debootstrap-$suite.log)"; }
    # What the guest never uses: about 140 MB of the 540.
    rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/{doc,man,locale,info,lintian,linda}
    echo "$pkgs" > "$rootfs/.complete"
    log "debootstrap done in $(secs "$t") s, $(du -sm "$rootfs" | cut -f1) MB after trimming"
}

# release_apt CMD...: apt for the release's packages: this machine's own apt for its own
# release (security updates included), else the rootfs's, in a chroot (its sources name the
# release; debootstrap left the package lists, refreshed when missing or stale).
release_apt() {
    if [ "$suite" = "$host_suite" ]; then "$@"; else chroot "$rootfs" "$@"; fi
}
apt_update() { release_apt apt-get update -qq >/dev/null 2>&1 || true; }

# The kernel package: KERNEL_PKG, else the pin, else what linux-image-amd64 depends on now.
pin=$parts/kernel-$suite.pin
# (Debian 12's pin had this name before there were two releases.)
if [ ! -s "$pin" ] && [ "$suite" = bookworm ] && [ -s "$parts/kernel.pin" ]; then cp "$parts/kernel.pin" "$pin"; fi
if [ "$suite" != "$host_suite" ] && { [ -n "${KERNEL_PKG:-}" ] || [ ! -s "$pin" ]; }; then ensure_rootfs; fi
if [ -n "${KERNEL_PKG:-}" ]; then
    kpkg=$KERNEL_PKG kver_pkg=
elif [ -s "$pin" ]; then
    read -r kpkg kver_pkg < "$pin"
else
    depends() { release_apt apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'; }
    kpkg=$(depends)
    if [ -z "$kpkg" ]; then
        log "apt-get update (no package lists for linux-image-amd64 of $suite)..."
        apt_update
        kpkg=$(depends)
    fi
    [ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 of $suite"
    kver_pkg=
fi
if [ -z "$kver_pkg" ]; then
    kver_pkg=$(release_apt apt-cache show --no-all-versions "$kpkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
    [ -n "$kver_pkg" ] || die "apt knows no package $kpkg in $suite"
    [ -n "${KERNEL_PKG:-}" ] || echo "$kpkg $kver_pkg" > "$pin"
fi
kver=${kpkg#linux-image-}    # the kernel release, e.g. 6.1.0-56-amd64

# The key. The OVS path is in it (the guest has OVS at the same path); the guest files are in it so that an edit to /init or kt-ovs-up rebuilds the image.
guest_hash=$(cat "$0" "$here"/guest/* | sha256sum | cut -c1-8)
ovs_hash=$( (echo "$ovs"; sha256sum "$ovs/bin/ovs-vswitchd") | sha256sum | cut -c1-8)
key="$suite-$kver-${kver_pkg}-ovs-$ovs_version-$ovs_hash-$guest_hash"
dir=$cache/kernel-tier-$key
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi

log "building $dir"
log "Debian $suite, kernel $kpkg $kver_pkg, Open vSwitch $ovs_version from $ovs"
ensure_rootfs

# 1. The kernel package: vmlinuz and, from all its modules, the closure of the ones used.
deb=$(ls "$parts/${kpkg}_${kver_pkg//:/%3a}"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
    t=$(date +%s)
    log "downloading $kpkg $kver_pkg (70-110 MB, about 5 s)..."
    # Into the rootfs's /tmp when apt runs there, then here.
    dl=$parts
    [ "$suite" = "$host_suite" ] || dl=/tmp
    fetch() {
        release_apt sh -c 'cd "$1" && apt-get -o APT::Sandbox::User=root download -qq "$2" >/dev/null' _ "$dl" "$kpkg=$kver_pkg" 2>"$parts/download.err" || return 1
        [ "$dl" = "$parts" ] || mv "$rootfs/tmp/${kpkg}_"*.deb "$parts/"
    }
    if ! fetch; then
        # Stale package lists name a version the archive has dropped: refresh once.
        log "download failed; apt-get update and retrying..."
        apt_update
        fetch || { cat "$parts/download.err" >&2
                   die "apt-get download $kpkg=$kver_pkg failed (gone from the archive? remove $pin or set KERNEL_PKG)"; }
    fi
    deb=$(ls "$parts/${kpkg}_"*.deb | head -1)
    log "downloaded $(basename "$deb") in $(secs "$t") s"
fi

tmp=$dir.tmp
rm -rf "$tmp" && mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
t=$(date +%s)
log "unpacking the kernel and resolving modules (about 10 s)..."
dpkg-deb -x "$deb" "$tmp/kernel"
# Debian 13's package has its modules in /usr/lib/modules (merged /usr); depmod -b and
# modprobe -d look in DIR/lib/modules.
[ -e "$tmp/kernel/lib" ] || [ ! -d "$tmp/kernel/usr/lib/modules" ] || ln -s usr/lib "$tmp/kernel/lib"
mods=$tmp/kernel/lib/modules/$kver
[ -d "$mods" ] && [ -f "$tmp/kernel/boot/vmlinuz-$kver" ] || die "$deb holds no kernel $kver"
# The package ships no modules.dep: make one here, only to ask modprobe for the closure.
depmod -b "$tmp/kernel" "$kver"
modules=(openvswitch veth ${KT_EXTRA_MODULES:-})
modprobe -d "$tmp/kernel" -S "$kver" --show-depends -a "${modules[@]}" |
    awk '$1 == "insmod" { print $2 }' | sort -u > "$tmp/module-files"
[ -s "$tmp/module-files" ] || die "no modules found for ${modules[*]}"
log "$(wc -l < "$tmp/module-files") modules for ${modules[*]} in $(secs "$t") s"

# 2. Assemble the image: a copy of the rootfs, plus modules, OVS and the guest files.
t=$(date +%s)
log "assembling the initramfs (about 10 s)..."
img=$tmp/root
cp -a "$rootfs" "$img"
rm -rf "$img/.complete" "$img"/var/lib/apt/lists/*
kdir=$img/lib/modules/$kver
mkdir -p "$kdir"
cp "$mods"/modules.order "$mods"/modules.builtin* "$kdir/"
# Debian 13 ships its modules xz-compressed; the guest gets them plain, so that neither its
# kmod nor its kernel has to decompress them (slow under TCG).
while read -r f; do
    rel=${f#"$mods"/}
    mkdir -p "$kdir/$(dirname "$rel")"
    case $rel in
        *.ko.xz) xz -dc "$f" > "$kdir/${rel%.xz}" ;;
        *.ko.zst) zstd -qdc "$f" > "$kdir/${rel%.zst}" ;;
        *) cp "$f" "$kdir/$rel" ;;
    esac
done < "$tmp/module-files"
chroot "$img" depmod "$kver"
chroot "$img" modprobe -S "$kver" --show-depends -a "${modules[@]}" >/dev/null || die "modules do not resolve in the guest"
# OVS goes to the same absolute path as on this host, because a script compiled here with
# `ovstrace compile --target $ovs/bin/ovs-vswitchd` names the binary by that path
# (usdt:PATH:provider:name) and the compiler reads the probes and struct layouts from it.
# Debug info goes in the guest's copy (the code and its USDT notes stay): 48 -> 13 MB.
mkdir -p "$img$ovs/bin" "$img$ovs/share"
for f in "$ovs"/bin/*; do strip --strip-debug -o "$img$f" "$f"; done
cp "$ovs/share/vswitch.ovsschema" "$img$ovs/share/"
cat > "$img/etc/kt.env" <<EOF
KT_OVS_DIR=$ovs
KT_VSWITCHD=$ovs/bin/ovs-vswitchd
EOF
notes=$(readelf -n "$img$ovs/bin/ovs-vswitchd" | grep -c stapsdt || true)
[ "$notes" -ge 13 ] || die "the guest's ovs-vswitchd has only $notes USDT notes"
if chroot "$img" ldd "$ovs"/bin/* | grep 'not found' >&2; then
    die "libraries missing in the guest for the OVS binaries"
fi
# Scripts compiled on the host for this guest name its bpftrace (--bpftrace-version).
bt_version=$(chroot "$img" bpftrace --version 2>/dev/null | sed -n 's/^bpftrace v\{0,1\}\([0-9][0-9.]*\).*/\1/p')
[ -n "$bt_version" ] || die "the guest's bpftrace does not say its version"
install -m 755 "$here/guest/init" "$img/init"
install -m 755 "$here/guest/kt-ovs-up" "$here/guest/kt-ovs-down" "$img/usr/local/sbin/"
install -m 644 "$here/guest/kt.sh" "$img/usr/local/lib/kt.sh"
mkdir -p "$img/payloads"
[ -e "$img/dev/console" ] || mknod -m 600 "$img/dev/console" c 5 1
[ -e "$img/dev/null" ] || mknod -m 666 "$img/dev/null" c 1 3
(cd "$img" && find . -xdev | cpio -o -H newc -R 0:0 --quiet) > "$tmp/initramfs.cpio"
cp "$tmp/kernel/boot/vmlinuz-$kver" "$tmp/vmlinuz"
log "initramfs $(du -m "$tmp/initramfs.cpio" | cut -f1) MB assembled in $(secs "$t") s"

cat > "$tmp/manifest" <<EOF
release: $suite
kernel: $kpkg $kver_pkg
kernel_release: $kver
ovs: $ovs_version (hash of path and ovs-vswitchd $ovs_hash..., $notes USDT notes)
vswitchd: $ovs/bin/ovs-vswitchd
bpftrace: $bt_version
guest files: sha256 $guest_hash...
rootfs: debootstrap --variant=minbase $suite --include=$pkgs
modules: $(sed "s|^$mods/||" "$tmp/module-files" | paste -sd' ' -)
vmlinuz: $(du -k "$tmp/vmlinuz" | cut -f1) KB
initramfs: $(du -m "$tmp/initramfs.cpio" | cut -f1) MB (uncompressed newc cpio)
built: $(date -u +%FT%TZ) in $(secs "$t_all") s
EOF

# Publish: the tier directory appears whole or not at all.
rm -rf "$dir" && mkdir -p "$dir"
mv "$tmp/vmlinuz" "$tmp/initramfs.cpio" "$tmp/manifest" "$dir/"
rm -rf "$tmp"
trap - EXIT
touch "$dir/.complete"
# Older tiers of this release (another kernel, OVS build or guest files) are 400 MB each:
# drop them; the other release's stays. A *.tmp is a build that died (builds hold the lock).
for old in "$cache"/kernel-tier-*/; do
    old=${old%/}
    case $old in "$dir"|"$parts"|*/kernel-tier-logs) continue ;; esac
    if [ -f "$old/.complete" ] && grep -q "^rootfs: debootstrap --variant=minbase $suite " "$old/manifest" 2>/dev/null ||
       [ "${old%.tmp}" != "$old" ]; then
        log "removing the older tier $old"; rm -rf "$old"
    fi
done
log "ready in $(secs "$t_all") s: $dir"
echo "$dir"
