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
 * before the if. */
int bt_scopes_variables(struct bt_version v);

/* bpftrace 0.23 reads a tracepoint's __data_loc field F at the record + 4 * offset instead of
 * record + offset (its codegen indexes i32s; fixed in 0.24 by bpftrace PR #4238), so
 * str(args->F) prints an empty or wrong string. Seen on Debian 13's 0.23.2 (kernel tier);
 * 0.17 and 0.27 read it right; 0.21 and 0.22 could not be tried here. */
int bt_misreads_data_loc(struct bt_version v);

#endif
