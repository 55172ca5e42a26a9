# SPDX-License-Identifier: Apache-2.0
# Helpers for kernel-tier tests (tests/kernel/README.md), on top of tests/e2e/lib.sh: the
# skip switch, the tier's image, and one boot that runs payload directories.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
KT_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${OVSTRACE_SKIP_KERNEL:-}" ]; then echo "skipped: OVSTRACE_SKIP_KERNEL is set"; exit 77; fi
# The guest's Debian release: bookworm (12, the default) or trixie (13); ctest's kernel.* and
# kernel13.* tests set it.
KT_RELEASE=${OVSTRACE_KT_RELEASE:-bookworm}
KT_TIER=$("$KT_HERE/build_tier.sh" "$KT_RELEASE") ||
    { fail "build the kernel tier of $KT_RELEASE (tests/kernel/build_tier.sh $KT_RELEASE)"; finish; exit 1; }
# kt_manifest FIELD: the tier's manifest line "FIELD: VALUE" (build_tier.sh writes it).
kt_manifest() { sed -n "s/^$1: //p" "$KT_TIER/manifest" | head -1; }
# Scripts compiled here for the guest are for the guest's bpftrace, not this host's.
KT_BPFTRACE_VERSION=$(kt_manifest bpftrace)
echo "# kernel tier: Debian $KT_RELEASE, kernel $(kt_manifest kernel_release), bpftrace ${KT_BPFTRACE_VERSION:-?} ($KT_TIER)"

# kt_boot PAYLOAD_DIR...: one boot running each payload; each gets output.txt and rc. A
# guest that died or never ran them ends the test; one whose kernel died of TCG's code
# patching race (run_tier.sh status 4) is booted once more.
kt_boot() {
    local start=$SECONDS rc=0
    OVSTRACE_KT_TIER=$KT_TIER "$KT_HERE/run_tier.sh" "$@" || rc=$?
    if [ "$rc" -eq 4 ]; then
        echo "# the guest's kernel died of the emulator's code-patching race: booting once more"
        rc=0
        OVSTRACE_KT_TIER=$KT_TIER "$KT_HERE/run_tier.sh" "$@" || rc=$?
    fi
    echo "# one boot, $# payload(s): $((SECONDS - start)) s"
    if [ "$rc" -ge 2 ]; then
        fail "the guest booted, ran the payloads and powered off (run_tier.sh status $rc)"
        finish; exit 1
    fi
}

# kt_payload NAME FILE...: $WORK/NAME, a copy of payloads/NAME with this ovstrace and FILEs
# (recipes, lists) next to its run.sh; prints the directory.
kt_payload() {
    local name=$1 dir=$WORK/$1; shift
    cp -r "$KT_HERE/payloads/$name" "$dir" && cp "$OVSTRACE" "$dir/ovstrace" && cp "$@" "$dir/" && echo "$dir"
}
