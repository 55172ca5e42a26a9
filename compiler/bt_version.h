// SPDX-License-Identifier: Apache-2.0
// The bpftrace a script is for: a version given (--bpftrace-version) or asked of the
// bpftrace that will run it, and what the language of each version offers.
#ifndef OVSTRACE_BT_VERSION_H
#define OVSTRACE_BT_VERSION_H

struct bt_version {
    int major, minor, patch;
};

/* The oldest bpftrace ovstrace supports (Debian 12's), and the default when none is known. */
#define BT_VERSION_OLDEST ((struct bt_version){ 0, 17, 0 })
/* The first release after the newest the tests run (Debian unstable's 0.27): a script for it
 * or later is 0.27's form, said to be untested (docs/support.md). */
#define BT_VERSION_UNTESTED ((struct bt_version){ 0, 28, 0 })

/* "0.23", "0.23.2", "v0.23.2" or bpftrace's own "bpftrace v0.23.2": 0, else -1. */
int bt_version_parse(const char *text, struct bt_version *out);
/* Ask BPFTRACE (a path or a name in PATH) its version: 0, else -1 (not installed, or its
 * answer not understood). */
int bt_version_of(const char *bpftrace, struct bt_version *out);
int bt_version_cmp(struct bt_version a, struct bt_version b);
/* "0.23.2" */
const char *bt_version_text(struct bt_version v, char *buf, unsigned n);

/* bpftrace 0.21 scopes a variable to the block that first sets it (0.17 to 0.20: to the
 * probe), and from then on a variable set inside an if and read after it must be declared
 * before the if; its settings go in the script's config block. The dialect's scoped_vars
 * (bt_dialect.h, which has every other version choice). */
int bt_scopes_variables(struct bt_version v);

#endif
