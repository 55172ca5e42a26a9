#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ops-repo example's CI job (examples/ops-repo/ci/check.sh) passes as a user who is not
# root (nobody, through setpriv, when the test runs as root) with no bpftrace in PATH: a
# site's CI needs neither. And it fails when it should: on a copy with a misspelt field and
# a parameter set naming a recipe the copy lacks.
# The job and ovstrace run from copies in a world-readable scratch directory, as a CI runner
# has them: a checkout under /root (the README's commands, as root) is not nobody's to read.
set -u
: "${OVSTRACE:?}"
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/ovstrace-ops-repo.XXXXXX)
trap 'rm -rf "$work"' EXIT
as_user=()
if [ "$(id -u)" -eq 0 ]; then
    command -v setpriv >/dev/null || { echo "FAIL: running as root and no setpriv to drop it"; exit 1; }
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env)
fi
# Only ovstrace and the tools the job uses are in PATH: no bpftrace, whatever this host has.
mkdir "$work/bin"
cp "$OVSTRACE" "$work/bin/ovstrace"
for tool in sh id cat grep rm mktemp basename dirname; do
    ln -s "$(command -v "$tool")" "$work/bin/$tool"
done
cp -r "$top/examples/ops-repo" "$work/good"
cp -r "$top/examples/ops-repo" "$work/broken"
sed -i 's/value: run.duration, format: ms/value: run.duraton, format: ms/' "$work/broken/recipes/slow_iterations.recipe"
echo "gone_recipe -p x=1" >> "$work/broken/ci/params.txt"
chmod -R a+rX "$work"

ci() {    # ci OPS_REPO: its ci/check.sh, not as root; the output in $work/out
    # shellcheck disable=SC2016  # $1 is the inner shell's
    "${as_user[@]}" env OVSTRACE="$work/bin/ovstrace" PATH="$work/bin" \
        sh -c 'echo "uid $(id -u)"; exec "$1/ci/check.sh"' sh "$1" > "$work/out" 2>&1
}
ci "$work/good"
status=$?
cat "$work/out"
[ "$status" -eq 0 ] || { echo "FAIL: ci/check.sh exited $status"; exit 1; }
grep -q '^uid 0$' "$work/out" && { echo "FAIL: ci/check.sh ran as root"; exit 1; }

ci "$work/broken"
status=$?
if [ "$status" -eq 0 ] || ! grep -q "FAIL: ovstrace check slow_iterations" "$work/out" \
        || ! grep -q "FAIL: ci/params.txt: no recipes/gone_recipe.recipe" "$work/out"; then
    cat "$work/out"; echo "FAIL: ci/check.sh did not fail on a broken recipe and a stale parameter set"; exit 1
fi
echo "ok: ci/check.sh passes without root ($(head -1 "$work/out")), and fails on a broken copy ($(tail -1 "$work/out"))"
