// SPDX-License-Identifier: Apache-2.0
// What the language of one bpftrace version is, as the renderer and the lowering need it:
// every version-dependent choice of the generated script is a field here, set in one
// function (bt_dialect.c) from the bpftrace changelog and checked on the tiers (tests/tiers).
// The forms of expressions these choose between are written by the renderer (emit_expr.c).
#ifndef OVSTRACE_BT_DIALECT_H
#define OVSTRACE_BT_DIALECT_H

#include "bt_version.h"

#include <stdbool.h>
#include <stddef.h>

struct bt_dialect {
    struct bt_version version;
    /* 0.21: variables are declared at the top of their probe with typed zeros (0.22 scopes a
     * $variable to its block; 0.21's declarations are harmless) and span values keep one
     * type; settings go in a `config = { ... }` block, not in bpftrace's environment. */
    bool scoped_vars;
    bool config_block;
    /* 0.21 to 0.24.0: a large map key shared by several aggregations needs short strings
     * and keys kept on the stack (max_strlen, on_stack_limit in the config block). */
    bool small_strings;
    /* Bytes up to which bpftrace keeps a value (a printf's arguments, a map key) on the BPF
     * stack rather than in a scratch map: what the script sets for small_strings, else
     * bpftrace's default (stack_budget.c counts with it). */
    int on_stack_limit;
    /* 0.24: delete() returns whether it deleted, and a discarded result is warned about. */
    bool delete_returns;
    /* 0.26: `a - b` is an int64 even for unsigned operands (with a warning on the implicit
     * casts): an unsigned difference is written with explicit casts. */
    bool signed_sub;
    /* 0.27 warns about a cast to the type the value already has. */
    bool same_cast_warns;
    /* 0.23 warns "Addrspace mismatch" at an && or || with a string compared to a literal
     * (seen on 0.23, gone in 0.27, whose changelog fixes address spaces; 0.17 is fine):
     * strncmp says the same without it. */
    bool strncmp_literals;
    /* 0.23 reads a tracepoint's __data_loc field F at the record + 4 * offset instead of
     * record + offset (its codegen indexes i32s; fixed in 0.24 by bpftrace PR #4238), so
     * str(args->F) prints an empty or wrong string: the lowering finds the string another
     * way (lower_expr.c, data_loc_ref). Seen on Debian 13's 0.23.2 (kernel tier); 0.17 and 0.27
     * read it right; 0.21 and 0.22 could not be tried here. */
    bool misreads_data_loc;
    /* 0.24 (bpftrace PR #3800; measured on 0.27.1) applies -p PID to every probe, kernel
     * ones too: a kernel probe meant to see other tasks (a wake-up by another task, an upcall
     * in softirq) sees only the traced process's own events (lower.c warns, block_for). */
    bool pid_filters_all;
    /* Tracepoint fields: `args->f` is taken by 0.17, 0.23 and 0.27 (checked on the tiers);
     * `args.f` by 0.23 and 0.27, not 0.17 ("Try dereferencing it first, or using '->'").
     * 0.25 prefers `.` but warns about neither. The script writes `args->f`. */
    const char *tp_field;
};

/* The dialect of bpftrace V. */
struct bt_dialect bt_dialect_of(struct bt_version v);
/* "0.17 to 0.20", "0.21 to 0.22", ... : the versions that take the same script as V's. */
const char *bt_dialect_range(struct bt_version v);

#endif
