#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The bundled struct layouts (templates/layouts/ovs-X.Y.yaml) are what `ovstrace layouts
# --binary BUILD --yaml` writes from each release's real build today: regenerated from the
# cached builds (tests/ovs/build_ovs.sh; tests/run.sh makes them) and compared byte for byte.
# A catalog field added without regenerating the bundles, or a hand edit, fails here.
# Skipped (77), saying which, only when a build is not in the cache.
. "$(dirname "$0")/../e2e/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/ovs/cached_releases.sh"
for r in $RELEASES; do
    series=${r%%:*}
    bin=$(ovs_install "$r")/bin/ovs-vswitchd
    bundle=$top/templates/layouts/ovs-$series.yaml
    "$OVSTRACE" layouts --binary "$bin" --yaml > "$WORK/$series.yaml" 2> "$ERR"
    status=$?
    check "layouts --yaml of the $series build: exit 0 ($status), nothing on stderr" bash -c "[ $status -eq 0 ] && [ ! -s '$ERR' ]"
    if ! check "templates/layouts/ovs-$series.yaml is what the $series build's DWARF says" cmp -s "$bundle" "$WORK/$series.yaml"; then
        diff -u "$bundle" "$WORK/$series.yaml" | head -30 | sed 's/^/#   /'
        echo "#   rewrite it: $OVSTRACE layouts --binary $bin --yaml > $bundle"
    fi
done
# Every bundle comes from a release the tests build (no bundle without its check).
for f in "$top"/templates/layouts/ovs-*.yaml; do
    s=$(basename "$f" .yaml); s=${s#ovs-}
    check "templates/layouts/ovs-$s.yaml is a release tests/ovs/releases.txt builds" grep -q "^$s " "$top/tests/ovs/releases.txt"
done
finish
