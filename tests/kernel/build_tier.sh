#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build the kernel test tier once: Debian 12's stock kernel and an initramfs that holds a
# whole minimal Debian 12 (bpftrace, iproute2, ...), openvswitch.ko and its dependencies,
# the USDT ovs-vswitchd from tests/ovs/build_ovs.sh and an /init that runs test payloads
# (tests/kernel/guest/). run_tier.sh boots it under QEMU. Prints the tier directory:
#   ${OVSTRACE_CACHE:-~/.cache/ovstrace}/kernel-tier-<key>/{vmlinuz,initramfs.cpio,manifest}
# key = kernel package version + OVS version and a hash of the OVS binary and of the
# guest files; a second run finds the directory and only prints it. Pieces that do not
# depend on the key are kept in kernel-tier-parts/ (the kernel .deb, the debootstrapped
# rootfs). The kernel package is pinned the first time (kernel-tier-parts/kernel.pin);
# remove that file, or set KERNEL_PKG=linux-image-6.1.0-NN-amd64, to move to another.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${OVSTRACE_CACHE:-$HOME/.cache/ovstrace}
suite=bookworm
mkdir -p "$cache"
exec 9>"$cache/kernel-tier.lock"
flock 9

log() { echo "kernel tier: $*" >&2; }
die() { log "error: $*"; exit 1; }
secs() { echo $(($(date +%s) - $1)); }

# Host tools (kmod for depmod/modprobe on the kernel's modules, binutils for strip).
need=(qemu-system-x86 debootstrap cpio kmod binutils)
missing=()
for p in "${need[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing host tools: ${missing[*]} (about 15 s)..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

ovs=${OVS_PREFIX:-$("$here/../ovs/build_ovs.sh")}
[ -x "$ovs/bin/ovs-vswitchd" ] && [ -f "$ovs/share/vswitch.ovsschema" ] || die "no OVS build in $ovs"
ovs_version=$(cat "$ovs/.complete" 2>/dev/null || echo unknown)

parts=$cache/kernel-tier-parts
mkdir -p "$parts"

# The kernel package: KERNEL_PKG, else the pin, else what linux-image-amd64 depends on now.
pin=$parts/kernel.pin
if [ -n "${KERNEL_PKG:-}" ]; then
    kpkg=$KERNEL_PKG kver_pkg=
elif [ -s "$pin" ]; then
    read -r kpkg kver_pkg < "$pin"
else
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    if [ -z "$kpkg" ]; then
        log "apt-get update (no package lists for linux-image-amd64)..."
        apt-get update -qq >/dev/null
        kpkg=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    fi
    [ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 with this machine's apt"
    kver_pkg=
fi
if [ -z "$kver_pkg" ]; then
    kver_pkg=$(apt-cache show --no-all-versions "$kpkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
    [ -n "$kver_pkg" ] || die "apt knows no package $kpkg"
    [ -n "${KERNEL_PKG:-}" ] || echo "$kpkg $kver_pkg" > "$pin"
fi
kver=${kpkg#linux-image-}    # the kernel release, e.g. 6.1.0-56-amd64

# The key. The OVS path is in it (the guest has OVS at the same path); the guest files are in it so that an edit to /init or kt-ovs-up rebuilds the image.
guest_hash=$(cat "$0" "$here"/guest/* | sha256sum | cut -c1-8)
ovs_hash=$( (echo "$ovs"; sha256sum "$ovs/bin/ovs-vswitchd") | sha256sum | cut -c1-8)
key="$kver-${kver_pkg}-ovs-$ovs_version-$ovs_hash-$guest_hash"
dir=$cache/kernel-tier-$key
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi

t_all=$(date +%s)
log "building $dir"
log "kernel $kpkg $kver_pkg, Open vSwitch $ovs_version from $ovs"

# The Debian archive this machine uses (never a host name written here).
mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /^http/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)

# 1. The kernel package: vmlinuz and, from all its modules, the closure of the ones used.
deb=$(ls "$parts/${kpkg}_${kver_pkg//:/%3a}"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
    t=$(date +%s)
    log "downloading $kpkg $kver_pkg (70 MB, about 5 s)..."
    fetch() { (cd "$parts" && apt-get -o APT::Sandbox::User=root download -qq "$kpkg=$kver_pkg" >/dev/null 2>"$parts/download.err"); }
    if ! fetch; then
        # Stale package lists name a version the archive has dropped: refresh once.
        log "download failed; apt-get update and retrying..."
        apt-get update -qq >/dev/null 2>&1 || true
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
mods=$tmp/kernel/lib/modules/$kver
[ -d "$mods" ] && [ -f "$tmp/kernel/boot/vmlinuz-$kver" ] || die "$deb holds no kernel $kver"
# The package ships no modules.dep: make one here, only to ask modprobe for the closure.
depmod -b "$tmp/kernel" "$kver"
modules=(openvswitch veth ${KT_EXTRA_MODULES:-})
modprobe -d "$tmp/kernel" -S "$kver" --show-depends -a "${modules[@]}" |
    awk '$1 == "insmod" { print $2 }' | sort -u > "$tmp/module-files"
[ -s "$tmp/module-files" ] || die "no modules found for ${modules[*]}"
log "$(wc -l < "$tmp/module-files") modules for ${modules[*]} in $(secs "$t") s"

# 2. The rootfs: debootstrap minbase with bpftrace and what the tests and OVS need.
# The OVS binaries' libraries come from the packages that provide them on this host
# (this host is Debian 12 too), found with ldd.
libpkgs=$(ldd "$ovs"/bin/* 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
          while read -r lib; do
              dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
                  dpkg -S "/usr$lib" 2>/dev/null || echo "unowned: $lib" >&2
          done | cut -d: -f1 | sort -u | paste -sd, -)
# libyaml-0-2 and libdw1 are ovstrace's own libraries: payloads run `ovstrace run` in the guest.
pkgs="bpftrace,iproute2,kmod,iputils-ping,procps,libyaml-0-2,libdw1${libpkgs:+,$libpkgs}"
rootfs_key=$(echo "$suite $pkgs" | sha256sum | cut -c1-8)
rootfs=$parts/rootfs-$suite-$rootfs_key
if [ ! -f "$rootfs/.complete" ]; then
    [ -n "$mirror" ] || die "cannot find the Debian mirror in /etc/apt"
    rm -rf "$rootfs"
    t=$(date +%s)
    log "debootstrap --variant=minbase $suite with $pkgs (about 1 min)..."
    debootstrap --variant=minbase --include="$pkgs" "$suite" "$rootfs" "$mirror" >"$parts/debootstrap.log" 2>&1 ||
        { tail -20 "$parts/debootstrap.log" >&2; die "debootstrap failed (log: $parts/debootstrap.log)"; }
    # What the guest never uses: about 140 MB of the 540.
    rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
           "$rootfs"/usr/share/{doc,man,locale,info,lintian,linda}
    echo "$pkgs" > "$rootfs/.complete"
    log "debootstrap done in $(secs "$t") s, $(du -sm "$rootfs" | cut -f1) MB after trimming"
fi

# 3. Assemble the image: a copy of the rootfs, plus modules, OVS and the guest files.
t=$(date +%s)
log "assembling the initramfs (about 10 s)..."
img=$tmp/root
cp -a "$rootfs" "$img"
rm -f "$img/.complete"
kdir=$img/lib/modules/$kver
mkdir -p "$kdir"
cp "$mods"/modules.order "$mods"/modules.builtin* "$kdir/"
while read -r f; do
    rel=${f#"$mods"/}
    mkdir -p "$kdir/$(dirname "$rel")"
    cp "$f" "$kdir/$rel"
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
kernel: $kpkg $kver_pkg
kernel_release: $kver
ovs: $ovs_version (hash of path and ovs-vswitchd $ovs_hash..., $notes USDT notes)
vswitchd: $ovs/bin/ovs-vswitchd
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
# Older tiers (another kernel, OVS build or guest files) are 400 MB each: drop them.
for old in "$cache"/kernel-tier-*/; do
    old=${old%/}
    case $old in "$dir"|"$parts"|*/kernel-tier-logs) continue ;; esac
    if [ -f "$old/.complete" ] || [ -d "$old/root" ]; then log "removing the older tier $old"; rm -rf "$old"; fi
done
log "ready in $(secs "$t_all") s: $dir"
echo "$dir"
