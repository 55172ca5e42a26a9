// SPDX-License-Identifier: Apache-2.0
// Lower pass, spans: a span in, the statements that start it, count on it and end it (its
// maps, keyed by the span's key) in the blocks of its probes out.
#include "lower_internal.h"
#include "gen_names.h"
#include "stack_budget.h"

#include <stdlib.h>
#include <string.h>

/* Span S's map TAG, at KEY (NULL: the whole map); KEY is taken over. */
struct bt_expr *span_at(const struct span *s, const char *tag, struct bt_expr *key)
{
    return bx_map(span_map(s, tag).s, key);
}

static struct bt_expr *span_value_at(const struct span *s, const char *name, struct bt_expr *key)
{
    return bx_map(span_value_map(s, name).s, key);
}

/* $S_I + 1: the place after counter I of a queue span. */
static struct bt_expr *next_place(const struct span *s)
{
    return bx_binary(bx_var(span_var(s, "I").s), "+", bx_int(1));
}

/* Where span S's state for key K lives: its maps' index, after the statements (in B) that
 * compute it. A map span, and one in slots: [K]. A queue: [K, $S_i % N], the oldest open
 * span at an end, the next place at a start (@_S_head and @_S_tail count them per key). */
static struct bt_expr *span_index(struct bt_block *b, const struct span *s, struct bt_expr *k, int at_start)
{
    if (!s->queue)
        return bx_ref(k);
    bt_assign(b, bx_var(span_var(s, "I").s), span_at(s, at_start ? "TAIL" : "HEAD", bx_ref(k)));
    return bx_list(2, bx_ref(k), bx_counter_mod(bx_var(span_var(s, "I").s), s->queue));
}

/* Delete span S's state at map index IX. */
static void span_forget(struct bt_block *b, const struct span *s, struct bt_expr *ix)
{
    bt_delete(b, span_at(s, "START", bx_ref(ix)));
    for (int i = 0; i < s->ncaptures; i++)
        bt_delete(b, span_value_at(s, s->captures[i].name, bx_ref(ix)));
    for (int i = 0; i < s->ncounts; i++)
        bt_delete(b, span_value_at(s, s->counts[i].name, bx_ref(ix)));
}

/* A span value is one bpftrace type on every version: a string, or a 64-bit integer whose
 * sign its cast at the capture's store says. */
static int value_is_string(const struct type *t) { return type_is_string(t) || t->kind == T_CHARS; }
static struct bt_expr *value_zero(const struct type *t)
{
    return value_is_string(t) ? bx_str("") : bx_cast(t->is_signed ? "int64" : "uint64", bx_int(0), 0);
}

static struct bt_expr *u64_zero(void) { return bx_cast("uint64", bx_int(0), 0); }

/* Declare variable NAME first thing in block B, with ZERO (taken over), a value of its type.
 * A span's values are set where it ends (inside its guards) and read by outputs after those:
 * bpftrace from 0.21 on scopes a variable to the block that first sets it, so each is
 * declared at the top, where every version sees it. */
static void declare(struct lower *L, struct bt_block *b, const char *name, struct bt_expr *zero)
{
    if (!L->dl->scoped_vars || vec_has_string(&b->declared, name)) {
        bx_free(zero);
        return;
    }
    vec_push(&b->declared, xstrdup(name));
    vec_push(&b->declared_zero, zero);
}

void span_end(struct lower *L, const struct span *s, int to, struct probe_block *pb)
{
    const struct span_end *e = &s->tos[to];
    struct bt_block *b = pb->block;
    struct lctx X = { L, probe_attach(&e->on), b };
    struct bt_expr *guard = task_guard(L, pb, e->any_task);
    if (guard)
        bt_if(b, guard);
    if (e->where)
        bt_if(b, lower_value(&X, e->where));
    /* Typed first: bpftrace 0.23 cannot cast a value read from a map it has not typed yet. */
    declare(L, b, span_var(s, "START").s, u64_zero());
    declare(L, b, span_var(s, "DURATION").s, u64_zero());
    for (int i = 0; i < s->ncaptures; i++)
        declare(L, b, span_value_var(s, s->captures[i].name).s, value_zero(&s->captures[i].values[0]->type));
    for (int i = 0; i < s->ncounts; i++)
        declare(L, b, span_value_var(s, s->counts[i].name).s, u64_zero());
    struct bt_expr *k = lower_keys(&X, e->keys, s->nkeys);
    struct bt_expr *ix = span_index(b, s, k, 0);
    struct bt_expr *start = bx_var(span_var(s, "START").s);
    /* A queue's oldest place reads 0 when the queue is empty (ended places are deleted). */
    bt_assign(b, bx_ref(start), span_at(s, "START", bx_ref(ix)));
    bt_if(b, bx_ref(start));
    if (s->queue)
        bt_assign(b, span_at(s, "HEAD", bx_ref(k)), next_place(s));
    bt_assign(b, bx_var(span_var(s, "DURATION").s), bx_usub(bx_builtin("nsecs"), start));
    for (int i = 0; i < s->ncaptures; i++) {
        const char *name = s->captures[i].name;
        bt_assign(b, bx_var(span_value_var(s, name).s), span_value_at(s, name, bx_ref(ix)));
        /* A string in a variable keeps its bytes on the stack through the whole block. */
        if (s->captures[i].values && s->captures[i].values[0])
            stack_budget_var(&b->stack, stack_map_var(s->captures[i].values[0]), s->captures[i].loc,
                             "the span's string captures, held in variables");
    }
    for (int i = 0; i < s->ncounts; i++)
        bt_assign(b, bx_var(span_value_var(s, s->counts[i].name).s), span_value_at(s, s->counts[i].name, bx_ref(ix)));
    span_forget(b, s, ix);
    bx_free(ix);
    bt_end(b);
    if (e->where)
        bt_end(b);
    if (guard)
        bt_end(b);
    bx_free(k);
    vec_add_unique(&pb->ended, s);
}

/* The outputs on span S, after every span ending at this probe has read its values (so
 * they may read each other's: $S_start is 0 when S did not end here). */
void span_outputs(struct lower *L, const struct span *s, struct probe_block *pb)
{
    struct bt_block *b = pb->block;
    /* `spans: inside`: only a span started in this window (bpftrace's clear() of a map the
     * kernel deletes from at the same time can abort bpftrace 0.17, so old spans are not
     * cleared at a window's close but told apart by their start). */
    int inside = L->r->window.present && L->r->window.spans_inside;
    int any = 0;
    for (int i = 0; i < L->r->noutputs; i++)
        any |= L->r->outputs[i].on.span == s && output_live(&L->r->outputs[i]);
    if (!any)
        return;
    struct bt_expr *started = bx_var(span_var(s, "START").s);
    if (inside)
        started = bx_binary(started, "&&",
                            bx_binary(bx_var(span_var(s, "START").s), ">=", bx_map("@_win_start", NULL)));
    bt_if(b, started);
    for (int i = 0; i < L->r->noutputs; i++)
        if (L->r->outputs[i].on.span == s)
            lower_output(L, &L->r->outputs[i], pb->probe, b);
    bt_end(b);
}

void span_count(struct lower *L, const struct span *s, const struct span_count *c, struct probe_block *pb)
{
    /* The key's statements (a fingerprint()'s reads) go in the counted probe's block. */
    struct lctx X = { L, probe_attach(&c->on), pb->block };
    struct bt_expr *guard = task_guard(L, pb, 0);
    struct bt_expr *k = lower_keys(&X, c->keys, s->nkeys);
    if (guard)
        bt_if(pb->block, guard);
    struct bt_expr *ix = span_index(pb->block, s, k, 0);
    bt_if(pb->block, span_at(s, "START", bx_ref(ix)));
    bt_assign(pb->block, span_value_at(s, c->name, bx_ref(ix)),
              bx_binary(span_value_at(s, c->name, bx_ref(ix)), "+", bx_int(1)));
    bt_end(pb->block);
    if (guard)
        bt_end(pb->block);
    bx_free(ix);
    bx_free(k);
}

/* Keep the last N spans started (`slots: N`): the one at key K takes the place of the N-th
 * before it, whose state is forgotten. */
static void span_ring(struct lower *L, struct bt_block *b, const struct span *s, const struct span_end *e,
                      struct bt_expr *k)
{
    /* OLD is typed first (as in span_end): where this start comes before any store to the
     * ring in the script, bpftrace 0.23 reads it as untyped and then takes the START map it
     * deletes from for a map without keys (upcall_cost with kernel=true). */
    declare(L, b, span_var(s, "OLD").s, u64_zero());
    struct bt_expr *n = bx_var(span_var(s, "N").s), *old = bx_var(span_var(s, "OLD").s);
    bt_assign(b, bx_ref(n), span_at(s, "N", NULL));
    struct bt_expr *slot = bx_counter_mod(bx_ref(n), s->slots);
    bt_assign(b, bx_ref(old), bx_map(span_map(s, "RING").s, bx_ref(slot)));
    bt_if(b, bx_ref(old));
    span_forget(b, s, old);
    bt_end(b);
    struct bt_expr *stored = bx_cast("uint64", bx_paren(bx_ref(k)), s->nkeys == 1 && value_u64(e->keys[0]));
    bt_assign(b, bx_map(span_map(s, "RING").s, slot), stored);
    bt_assign(b, span_at(s, "N", NULL), bx_binary(n, "+", bx_int(1)));
    bx_free(old);
}

/* The value capture I stores at a start: one type at every start where variables are
 * declared (0.21 and later), as declared. */
static struct bt_expr *capture_stored(struct lower *L, const struct span *s, int i, int from, struct bt_expr *v)
{
    if (!L->dl->scoped_vars)
        return v;
    if (value_is_string(&s->captures[i].values[0]->type))
        return bx_paren(v);
    const struct type *t = &s->captures[i].values[0]->type;
    int same = !t->is_signed && value_u64(s->captures[i].values[from]);
    return bx_cast(t->is_signed ? "int64" : "uint64", bx_paren(v), same);
}

/* Start span S at its FROM-th start. With `spans: inside`, only while a window is open. */
void span_start(struct lower *L, const struct span *s, int from, struct probe_block *pb)
{
    const struct span_end *e = &s->froms[from];
    struct bt_block *b = pb->block;
    struct lctx X = { L, probe_attach(&e->on), b };
    struct bt_expr *cond = task_guard(L, pb, e->any_task);
    if (L->r->window.present && L->r->window.spans_inside)
        cond = bx_join(cond, "&&", window_is("==", 1));
    if (e->where)
        cond = bx_join(cond, "&&", lower_value(&X, e->where));
    if (cond)
        bt_if(b, cond);
    struct bt_expr *k = lower_keys(&X, e->keys, s->nkeys);
    struct bt_expr *ix = span_index(b, s, k, 1);
    if (s->keep_first)
        bt_if(b, bx_unary("!", span_at(s, "START", bx_ref(ix))));
    if (s->slots)
        span_ring(L, b, s, e, k);
    bt_assign(b, span_at(s, "START", bx_ref(ix)), bx_builtin("nsecs"));
    struct stack_use key_stack = { 0 };
    for (int i = 0; i < s->nkeys; i++)
        stack_add(&key_stack, stack_value(e->keys[i]));
    for (int i = 0; i < s->ncaptures; i++) {
        struct bt_expr *v = lower_value(&X, s->captures[i].values[from]);
        bt_assign(b, span_value_at(s, s->captures[i].name, bx_ref(ix)), capture_stored(L, s, i, from, v));
        struct stack_use store = key_stack;
        stack_add(&store, stack_value(s->captures[i].values[from]));
        stack_budget_statement(&b->stack, stack_use_total(&store), s->captures[i].loc, "a capture's store");
    }
    for (int i = 0; i < s->ncounts; i++)
        bt_assign(b, span_value_at(s, s->counts[i].name, bx_ref(ix)), L->dl->scoped_vars ? u64_zero() : bx_int(0));
    if (s->queue) {
        /* A full queue forgets its oldest span. */
        bt_assign(b, span_at(s, "TAIL", bx_ref(k)), next_place(s));
        /* Counters: a difference of two is one type on every version (bx_counter_mod). */
        struct bt_expr *queued = bx_binary(next_place(s), "-", span_at(s, "HEAD", bx_ref(k)));
        bt_if(b, bx_binary(queued, ">", bx_int(s->queue)));
        bt_assign(b, span_at(s, "HEAD", bx_ref(k)), bx_binary(next_place(s), "-", bx_int(s->queue)));
        bt_end(b);
    }
    if (s->keep_first)
        bt_end(b);
    bx_free(ix);
    if (cond)
        bt_end(b);
    bx_free(k);
}

