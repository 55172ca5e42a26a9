#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bundled recipes with parameters that change their code (the "any" and "kernel" lines of tests/load/combos.txt),
# loaded by the guest's bpftrace on its stock kernel (Debian 12: 0.17 on 6.1; Debian 13 with
# OVSTRACE_KT_RELEASE=trixie: 0.23 on 6.12) in the kernel-tier guest, into the real
# kernel-datapath ovs-vswitchd (tests/kernel/README.md). This host's newer kernel accepts
# programs 6.1's verifier refuses (a length read from memory and clamped, in
# dpif_op_nl_monitor, was one), so loading there is what an operator on that release gets.
# OVSTRACE_SKIP_KERNEL=1 skips it (status 77).
. "$(dirname "$0")/lib.sh"
here=$KT_HERE

lm=$(kt_payload load_matrix "$here/../../recipes/"*.recipe "$here/../load/combos.txt")
kt_boot "$lm"
ko=$lm/output.txt
want=$(grep -cE '^(any|kernel) ' "$here/../load/combos.txt")
check "every combination ran ($(grep -c '^--- combo ' "$ko") of $want)" [ "$(grep -c '^--- combo ' "$ko")" -eq "$want" ]
while read -r _ _ n status attached _ recipe args; do
    errors=$(awk -v n="--- combo $n " 'index($0, n) == 1 { on = 1; next } /^--- / { on = 0 } on' "$ko")
    check "$recipe ${args:0:100}: attached ($attached), exits 0 ($status), no errors" \
        bash -c "[ '$attached' = yes ] && [ '$status' = 0 ] && [ -z \"\$1\" ]" _ "$errors"
    [ -z "$errors" ] || printf '%s\n' "$errors" | sed 's/^/#   /'
done < <(grep '^--- combo ' "$ko")
finish
