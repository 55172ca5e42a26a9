// SPDX-License-Identifier: Apache-2.0
// The recipe language's builtin functions: one table, one entry per function (its name,
// arity and kind, its check hook and its lower hook), read by load, check and lower.
#ifndef OVSTRACE_FUNCTIONS_H
#define OVSTRACE_FUNCTIONS_H

#include "recipe.h"

struct scope;      /* check_internal.h */
struct lctx;       /* lower_internal.h */
struct bt_expr;

struct function {
    const char *name;
    int min_args, max_args;
    int aggregate;             /* an aggregate's value only (count(), sum(x), ...) */
    enum agg_fn agg;           /* which, when aggregate */
    int one_number;            /* an aggregate of one number: a table's value column may be one */
    int names_watch_list;      /* the first argument names a watch list; it is not a value */
    int takes_flow;            /* the one place an odp_flow parameter may appear: match(KEY, $flow) */
    int u64;                   /* bpftrace sees the value as a uint64 (lower_expr.c, value_u64) */
    /* Check E, a call whose arguments are checked and typed already: type E, or say why not. */
    void (*check)(struct scope *S, struct expr *e);
    /* Lower E, checked: the bpftrace expression (statements it needs first go into X->pre). */
    struct bt_expr *(*lower)(struct lctx *X, const struct expr *e);
};

/* Every builtin, in the order "did you mean" hints consider them. */
extern const struct function functions[];
extern const int function_count;

/* The builtin called NAME, or NULL. */
const struct function *function_lookup(const char *name);

#endif
