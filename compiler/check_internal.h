// SPDX-License-Identifier: Apache-2.0
// The check pass's own declarations, for check*.c only: its state, the scope an expression
// is checked in, and what one part of the pass calls in another.
#ifndef OVSTRACE_CHECK_INTERNAL_H
#define OVSTRACE_CHECK_INTERNAL_H

#include "check.h"
#include "util.h"

struct checker {
    struct recipe *r;
    const struct catalog *cat;
    struct diag *d;
    struct check_result *res;
    const struct check_options *opt;    /* NULL: none */
};

/* What an expression may refer to. */
struct scope {
    struct checker *C;
    const struct probe_use *probe;
    const struct span *spans[16];   /* spans whose values are known here */
    int nspans;
    const struct span *ends;        /* outputs of a span with several ends: no probe arguments */
    int allow_agg;
};

/* E's type is T from now on (taken over). */
static inline void set_type(struct expr *e, struct type t)
{
    type_release(&e->type);
    e->type = t;
}

/* check_expr.c: resolve, type and fold E in scope S; a condition must also be true or false. */
void check_expr(struct scope *S, struct expr *e);
void check_condition(struct scope *S, struct expr *e);
/* Is E an odp_flow parameter ($filter)? */
int is_flow_param(const struct expr *e);

/* check_script.c: the rules that hold for what reaches the script, once the rest is checked. */
void check_script(struct checker *C);

/* check.c: the recipe needs OVS SINCE or later, for WHAT (kept when it is the latest yet). */
void need_version(struct checker *C, const char *since, const char *what);

#endif
