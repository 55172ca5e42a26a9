// SPDX-License-Identifier: Apache-2.0
// Builtin functions: the table (functions.h) and each function's hooks. A check hook types a
// call whose arguments check_expr.c has checked; a lower hook makes its bpftrace expression.
// match(), watched() and fingerprint() add statements before theirs, with the lower pass's
// own helpers: their lower hooks are in lower_expr.c.
#include "functions.h"
#include "check_internal.h"
#include "lower_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- check hooks ---- */

static void fn_str(struct scope *S, struct expr *e)
{
    struct expr *a = e->args[0];
    if (!type_is_string(&a->type)) {
        char t[64];
        diag_error(S->C->d, a->loc, "str() takes a string field, not %s", type_a(&a->type, t, sizeof t));
        return;
    }
    set_type(e, type_simple(T_STR));
}

static void fn_stack(struct scope *S, struct expr *e)
{
    if (e->nargs && !(e->args[0]->is_const && e->args[0]->cval >= 1 && e->args[0]->cval <= 127)) {
        diag_error(S->C->d, e->args[0]->loc, "%s() takes a depth from 1 to 127", e->name);
        return;
    }
    set_type(e, type_simple(T_STACK));
}

static void fn_agg_value(struct scope *S, struct expr *e)
{
    if (e->nargs == 0) {
        set_type(e, type_int(8, 0));
        return;
    }
    struct expr *a = e->args[0];
    if (!type_is_integer(&a->type)) {
        char t[64];
        diag_error(S->C->d, a->loc, "%s() needs a number, not %s", e->name, type_a(&a->type, t, sizeof t));
        return;
    }
    for (int i = 1; i < e->nargs; i++) {
        if (!e->args[i]->is_const || !type_is_integer(&e->args[i]->type)) {
            diag_error(S->C->d, e->args[i]->loc, "lhist() bounds must be constant numbers");
            return;
        }
    }
    if (e->nargs == 4) {
        int64_t lo = e->args[1]->cval, hi = e->args[2]->cval, step = e->args[3]->cval;
        if (lo < 0 || hi <= lo || step <= 0 || (hi - lo) / step > 1000) {
            diag_error(S->C->d, e->loc, "lhist(value, min, max, step) needs 0 <= min < max, step > 0 and at most "
                       "1000 buckets");
            return;
        }
    }
    set_type(e, type_int(8, 0));
}

/* match(KEY, $flow): does the netlink-encoded flow key match an odp_flow parameter? */
static void fn_match(struct scope *S, struct expr *e)
{
    struct expr *key = e->args[0], *flow = e->args[1];
    const struct param *p = flow->kind == E_PARAM ? flow->data : NULL;
    if (key->type.kind != T_ODP_KEY) {
        char t[64];
        diag_error(S->C->d, key->loc, "match() takes a flow key first (like ukey.key or key), not %s",
                   type_a(&key->type, t, sizeof t));
        return;
    }
    if (!p || p->type != P_ODP_FLOW) {
        diag_error(S->C->d, flow->loc, "match() takes an odp_flow parameter second, like $filter");
        return;
    }
    set_type(e, type_simple(T_BOOL));
    e->data = p;
    /* An empty filter, or one whose masks are all zero, matches every flow: no walk at all. */
    if (!p->flow || p->flow->n == 0) {
        e->is_const = 1;
        e->ref = REF_CONST;
        e->cval = 1;
    }
}

/* `follow:` of a watch list, bound to the struct HOLDER: each bare name is one of its fields. */
static void bind_to_holder(struct expr *e, const struct expr *holder)
{
    if (!e)
        return;
    if (e->kind == E_NAME) {
        e->kind = E_MEMBER;
        e->lhs = expr_clone(holder);
        return;
    }
    if (e->kind == E_MEMBER) {
        bind_to_holder(e->lhs, holder);
        return;
    }
    bind_to_holder(e->lhs, holder);
    bind_to_holder(e->rhs, holder);
    for (int i = 0; i < e->nargs; i++)
        bind_to_holder(e->args[i], holder);
}

static void hint_watch_use(struct scope *S, const struct watch *w, const struct expr *use)
{
    int line = 0, col = 0;
    if (use->loc.src)
        source_linecol(use->loc.src, use->loc.off, &line, &col);
    diag_hint(S->C->d, "in watch list '%s', followed through '%s' at line %d", w->name,
              use->args[1]->name ? use->args[1]->name : "a struct", line);
}

/* watched(LIST, S): is S (a flow, ...) one the watch list follows? LIST's `id` and `follow`
 * are read as fields of S; the decision is made the first time S's id is seen. */
static void fn_watched(struct scope *S, struct expr *e)
{
    struct expr *name = e->args[0], *holder = e->args[1];
    struct watch *w = name->kind == E_NAME ? recipe_watch(S->C->r, name->name) : NULL;
    if (!w) {
        if (name->kind == E_NAME)
            diag_error(S->C->d, name->loc, "watched() takes a watch list first; '%s' is not one", name->name);
        else
            diag_error(S->C->d, name->loc, "watched() takes the name of a watch list first");
        const char **names = xcalloc((size_t)S->C->r->nwatches + 1, sizeof *names);
        for (int i = 0; i < S->C->r->nwatches; i++)
            names[i] = S->C->r->watches[i].name;
        const char *near = name->kind == E_NAME ? closest_name(name->name, names, S->C->r->nwatches) : NULL;
        if (near)
            diag_hint(S->C->d, "did you mean '%s'?", near);
        else if (!S->C->r->nwatches)
            diag_hint(S->C->d, "declare watch lists under watch:, each with id: and follow:");
        free(names);
        return;
    }
    w->used = 1;
    if (holder->type.kind != T_STRUCT && holder->type.kind != T_STRUCT_PTR) {
        char t[64];
        diag_error(S->C->d, holder->loc, "watched() follows a struct (like ukey or put), not %s",
                   type_a(&holder->type, t, sizeof t));
        return;
    }
    if (!w->id || !w->follow)
        return;
    int errors = S->C->d->errors;
    struct expr *id = expr_new(E_MEMBER, w->id_loc);
    id->name = xstrdup(w->id);
    id->lhs = expr_clone(holder);
    check_expr(S, id);
    e->lhs = id;
    const struct type *it = &id->type;
    if (S->C->d->errors == errors && it->kind != T_UFID && it->kind != T_UFID_PTR && !type_is_integer(it)) {
        char t[64];
        diag_error(S->C->d, w->id_loc, "a watch list's id is a UFID or a number, not %s", type_a(it, t, sizeof t));
    }
    if (S->C->d->errors != errors) {
        hint_watch_use(S, w, e);
        return;
    }
    struct expr *follow = expr_clone(w->follow);
    bind_to_holder(follow, holder);
    check_condition(S, follow);
    e->rhs = follow;
    if (S->C->d->errors != errors) {
        hint_watch_use(S, w, e);
        return;
    }
    e->data = w;
    set_type(e, type_simple(T_BOOL));
    /* An empty filter follows everything: nothing to remember. */
    if (follow->is_const) {
        e->is_const = 1;
        e->ref = REF_CONST;
        e->cval = !!follow->cval;
    }
}

/* thread(X): is thread id X one of the traced process's threads? For kernel probes that
 * name another task than the one running (sched_switch's next_pid, sched_wakeup's pid). */
static void fn_thread(struct scope *S, struct expr *e)
{
    struct expr *a = e->args[0];
    if (!type_is_integer(&a->type) || a->type.kind != T_INT) {
        char t[64];
        diag_error(S->C->d, a->loc, "thread() takes a thread id (like next_pid), not %s", type_a(&a->type, t, sizeof t));
        return;
    }
    S->C->r->uses_threads = 1;
    set_type(e, type_simple(T_BOOL));
}

/* fingerprint(BYTES[, N]): a 64-bit hash of a packet's length and its first N bytes (a
 * multiple of 8, at most 64; 40 by default: Ethernet, an IPv4 header and the L4 ports, but
 * not the TCP/UDP checksums the kernel may fill in after its upcall tracepoint), so the same
 * packet seen by the kernel and by ovs-vswitchd gives the same number. */
static void fn_fingerprint(struct scope *S, struct expr *e)
{
    struct expr *b = e->args[0];
    if (b->type.kind != T_BYTES || !b->rhs) {
        char t[64];
        diag_error(S->C->d, b->loc, "fingerprint() takes packet bytes (like packet), not %s",
                   type_a(&b->type, t, sizeof t));
        return;
    }
    if (e->nargs == 2) {
        struct expr *n = e->args[1];
        if (!n->is_const || n->type.kind != T_INT || n->cval < 8 || n->cval > FINGERPRINT_MAX || n->cval % 8) {
            diag_error(S->C->d, n->loc, "fingerprint()'s byte count is a multiple of 8, from 8 to %d", FINGERPRINT_MAX);
            return;
        }
    }
    set_type(e, type_int(8, 0));
}

/* ---- lower hooks ---- */

/* str(S): S is read as a string where it is read (lower_value). */
static struct bt_expr *lower_str(struct lctx *X, const struct expr *e)
{
    return lower_value(X, e->args[0]);
}

/* thread(X): the thread set's entry for X (lower_window.c, lower_threads). */
static struct bt_expr *lower_thread(struct lctx *X, const struct expr *e)
{
    return bx_map("@_threads", bx_cast("uint64", lower_value(X, e->args[0]), 0));
}

/* ustack, or ustack(DEPTH): bpftrace's builtin, or its call. */
static struct bt_expr *lower_stack(struct lctx *X, const struct expr *e)
{
    return e->nargs ? lower_call(X, e) : bx_builtin(e->name);
}

/* count(): a call without arguments (ustack without one is a builtin, not a call). */
static struct bt_expr *lower_count(struct lctx *X, const struct expr *e)
{
    (void)X;
    return bx_call(e->name, NULL);
}

/* ---- the table ----
 *
 * A new builtin is an entry here, its check hook, and its lower hook: lower_call when
 * bpftrace has a function of that name taking the same arguments. */

#define AGGREGATE(fn) .aggregate = 1, .agg = (fn)

const struct function functions[] = {
    { "thread", 1, 1, .check = fn_thread, .lower = lower_thread },
    { "fingerprint", 1, 2, .u64 = 1, .check = fn_fingerprint, .lower = lower_fingerprint },
    { "match", 2, 2, .takes_flow = 1, .check = fn_match, .lower = lower_match },
    { "watched", 2, 2, .names_watch_list = 1, .check = fn_watched, .lower = lower_watched },
    { "str", 1, 1, .check = fn_str, .lower = lower_str },
    { "ustack", 0, 1, .check = fn_stack, .lower = lower_stack },
    { "kstack", 0, 1, .check = fn_stack, .lower = lower_stack },
    { "count", 0, 0, AGGREGATE(AGG_COUNT), .one_number = 1, .check = fn_agg_value, .lower = lower_count },
    { "sum", 1, 1, AGGREGATE(AGG_SUM), .one_number = 1, .check = fn_agg_value, .lower = lower_call },
    { "min", 1, 1, AGGREGATE(AGG_MIN), .one_number = 1, .check = fn_agg_value, .lower = lower_call },
    { "max", 1, 1, AGGREGATE(AGG_MAX), .one_number = 1, .check = fn_agg_value, .lower = lower_call },
    { "avg", 1, 1, AGGREGATE(AGG_AVG), .one_number = 1, .check = fn_agg_value, .lower = lower_call },
    { "stats", 1, 1, AGGREGATE(AGG_STATS), .check = fn_agg_value, .lower = lower_call },
    { "hist", 1, 1, AGGREGATE(AGG_HIST), .check = fn_agg_value, .lower = lower_call },
    { "lhist", 4, 4, AGGREGATE(AGG_LHIST), .check = fn_agg_value, .lower = lower_call },
};

const int function_count = (int)(sizeof functions / sizeof functions[0]);

const struct function *function_lookup(const char *name)
{
    for (int i = 0; i < function_count; i++)
        if (strcmp(functions[i].name, name) == 0)
            return &functions[i];
    return NULL;
}
