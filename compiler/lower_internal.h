// SPDX-License-Identifier: Apache-2.0
// The lower pass's own declarations, for lower*.c only: its state, the context an
// expression is lowered in, a probe's block, and what one part of the pass calls in another.
#ifndef OVSTRACE_LOWER_INTERNAL_H
#define OVSTRACE_LOWER_INTERNAL_H

#include "lower.h"
#include "util.h"

/* The pass's state, one per lower_recipe(). */
struct lower {
    const struct recipe *r;
    const struct catalog *cat;
    const struct lower_options *opt;
    struct diag *d;
    struct bt_program *P;
    const struct bt_dialect *dl;   /* P's: the bpftrace the script is for */
    struct vec structs;      /* const struct cat_struct * referenced */
    struct vec fields;       /* const struct cat_field * read */
    struct vec enums;        /* const struct cat_enum * printed by text */
    int need_u128;
    int nvars;               /* match() walks and watched() lookups so far: each gets its own variables */
    struct vec watches;      /* const struct watch *: the watch lists some block consults */
    struct vec walks;        /* struct walk_memo *: one walk or lookup per key and filter in a block */
    int pid_arg;             /* the script reads $1: run it as bpftrace -p PID - PID */
    int other_tasks;         /* a kernel probe sees other tasks than the traced process's */
};

/* Add P to V unless it is there already. */
static inline void vec_add_unique(struct vec *v, const void *p)
{
    for (int i = 0; i < v->n; i++)
        if (v->v[i] == p)
            return;
    vec_push(v, (void *)p);
}

/* Where an expression is lowered: the pass, the probe whose block it is in, and that block. */
struct lctx {
    struct lower *L;
    const struct probe_use *probe;    /* the attach probe */
    struct bt_block *pre;             /* where statements an expression needs go (match() walks); every
                                       * expression is lowered in a block, so never NULL */
};

/* A probe's block, while it is being built. */
struct probe_block {
    const struct probe_use *probe;
    struct bt_block *block;
    struct vec ended;      /* spans ending here: their outputs follow every end */
    int nguards;           /* outputs with their own condition */
    int mixed;             /* a kernel probe some use wants for every task: no block predicate, uses guarded */
};

/* lower_expr.c: expressions. Each returns a new expression (btexpr.h); statements it needs first
 * go into X->pre. Where one is built of several that name probe arguments or add statements (a
 * walk), they are lowered one after another, in the order the script has them: arguments of
 * one call would be lowered in no set order. */
struct bt_expr *lower_value(struct lctx *X, const struct expr *e);
struct bt_expr *lower_ref(struct lctx *X, const struct expr *e);
struct bt_expr *lower_keys(struct lctx *X, struct expr **keys, int n);
/* The lower hooks of builtins (functions.c): NAME(ARGS...), match(), fingerprint(), watched(). */
struct bt_expr *lower_call(struct lctx *X, const struct expr *e);
struct bt_expr *lower_match(struct lctx *X, const struct expr *e);
struct bt_expr *lower_fingerprint(struct lctx *X, const struct expr *e);
struct bt_expr *lower_watched(struct lctx *X, const struct expr *e);
int value_u64(const struct expr *e);
struct bt_expr *arg_ref(struct bt_block *b, int n);
struct bt_expr *pointer_arg(struct bt_block *b, const char *struct_name, int index);
int is_ufid(const struct type *t);
struct bt_expr *ufid_word(struct bt_expr *ref, int is_ptr, int i);
struct bt_expr *ufid_words(struct bt_expr *ref, int is_ptr);
void map_step(struct bt_block *b, const char *map, int down);
void memo_truncate(struct lower *L, int n);

/* lower_output.c: events, aggregates and the report. */
void event_header(struct lower *L, const struct output *o);
void lower_output(struct lower *L, const struct output *o, const struct probe_use *at, struct bt_block *b);
void report_lines(struct lower *L, struct bt_block *b, int reset);

/* lower_span.c: spans (what the parameters leave out of them: check.h). */
struct bt_expr *span_at(const struct span *s, const char *tag, struct bt_expr *key);
void span_end(struct lower *L, const struct span *s, int to, struct probe_block *pb);
void span_outputs(struct lower *L, const struct span *s, struct probe_block *pb);
void span_count(struct lower *L, const struct span *s, const struct span_count *c, struct probe_block *pb);
void span_start(struct lower *L, const struct span *s, int from, struct probe_block *pb);

/* lower_window.c: the window, the thread set and the report timer. */
struct bt_expr *window_is(const char *op, int state);
void stamp(struct bt_block *b, const char *what, const char *extra_fmt, struct bt_expr *extra);
void clear_map(struct bt_block *b, const char *map);
void clear_spans(struct lower *L, struct bt_block *b);
void clear_aggregates(struct lower *L, struct bt_block *b);
void lower_window(struct lower *L, struct vec *blocks);
void lower_threads(struct lower *L);
void lower_report_timer(struct lower *L);

/* lower_structs.c: struct definitions. */
void use_type(struct lower *L, const struct type *t);
void collect_all(struct lower *L);
void emit_structs(struct lower *L);

/* lower.c: blocks. */
int any_task_use(const struct lower *L, const struct probe_use *u);
struct probe_block *block_for(struct lower *L, struct vec *blocks, const struct probe_use *u);
struct bt_expr *pid_test(struct lower *L);
struct bt_expr *task_guard(struct lower *L, const struct probe_block *pb, int any_task);

#endif
