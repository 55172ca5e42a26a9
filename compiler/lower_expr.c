// SPDX-License-Identifier: Apache-2.0
// Lower pass, expressions: a checked expression in, a bpftrace expression (btexpr.h) out,
// and before it, in its block, the statements it needs (match()'s key walk, watched()'s
// lookup, fingerprint()'s reads).
#include "lower_internal.h"
#include "functions.h"
#include "gen_names.h"
#include "odp/odp_lower.h"
#include "probespec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct walk_memo {
    const struct bt_block *block;
    struct bt_expr *key;
    const void *param;
    struct bt_expr *result;  /* the expression that holds the decision */
};

/* Argument N of block B's probe: "$argN", read once at the block's start (emit.c, emit_prologue). */
struct bt_expr *arg_ref(struct bt_block *b, int n)
{
    b->args_read |= 1u << n;
    return bx_varf("$arg%d", n);
}

/* A tracepoint's integer field NAME: "$tp_NAME", likewise read once at the start. */
static struct bt_expr *field_ref(struct bt_block *b, const char *name)
{
    if (!vec_has_string(&b->fields_read, name))
        vec_push(&b->fields_read, xstrdup(name));
    return bx_varf("$tp_%s", name);
}

/* Where tracepoint P's __data_loc string NAME starts, for a bpftrace that reads args->F as
 * R + 4 * OFF_F (R the record, OFF_F the string's offset in it) instead of R + OFF_F
 * (bt_dialect.misreads_data_loc). The record itself is out of reach (no ctx in a tracepoint, no
 * casting args), but the first dynamic field's string starts where the record's fixed part
 * ends, at offsetof(struct trace_event_raw_EVENT, __data) = D (kernel BTF), so
 * R = args->FIRST - 4 * D, and NAME's string is at R + (args->NAME - R) / 4. FIRST is the
 * catalog's first __data_loc field, in the kernel's declaration order. The fields are read
 * into variables first (field_ref): 0.23 reads two __data_loc fields in one expression as
 * the same value. Unsigned throughout: a signed '/' draws a warning. */
static struct bt_expr *data_loc_ref(struct bt_block *b, const struct cat_probe *p, const char *name)
{
    const char *first = name;
    for (int i = 0; i < p->nargs; i++)
        if (p->args[i].type.kind == T_DLSTR) {
            first = p->args[i].name;
            break;
        }
    char raw[160];
    snprintf(raw, sizeof raw, "trace_event_raw_%s", p->name);
    struct bt_expr *record = bx_binary(bx_cast("uint64", field_ref(b, first), 0), "-",
                                       bx_binary(bx_int(3), "*", bx_offsetof(raw, "__data")));
    if (strcmp(first, name) != 0) {
        struct bt_expr *at = field_ref(b, name);
        struct bt_expr *offset = bx_paren(bx_binary(at, "-", field_ref(b, first)));
        record = bx_binary(record, "+", bx_binary(bx_cast("uint64", offset, 0), "/", bx_int(4)));
    }
    return bx_paren(record);
}

/* "(TYPE *)ARG": a probe argument read as a pointer. */
struct bt_expr *pointer_arg(struct bt_block *b, const char *struct_name, int index)
{
    char type[128];
    snprintf(type, sizeof type, "struct %s *", struct_name);
    return bx_paren(bx_cast(type, arg_ref(b, index), 0));
}

struct bt_expr *lower_ref(struct lctx *X, const struct expr *e)
{
    const struct type *t = &e->type;
    enum probe_args reads = probe_kind_info(X->probe->kind)->args;
    switch (e->ref) {
    case REF_ARG:
        if (X->probe->probe && cat_probe_arg(X->probe->probe, e->name) &&
            cat_probe_arg(X->probe->probe, e->name)->bpftrace) {
            /* A derived argument (catalog text, never a recipe's). */
            return bx_paren(bx_catalog(cat_probe_arg(X->probe->probe, e->name)->bpftrace));
        } else if (reads == ARGS_FIELDS && type_is_integer(t)) {
            return field_ref(X->pre, e->name);
        } else if (reads == ARGS_FIELDS && t->kind == T_DLSTR && X->probe->probe &&
                   X->L->dl->misreads_data_loc) {
            return data_loc_ref(X->pre, X->probe->probe, e->name);
        } else if (reads == ARGS_FIELDS) {
            return bx_tp_field(e->name);
        } else if (reads == ARGS_RETVAL) {
            return bx_builtin("retval");
        } else if (t->kind == T_STRUCT_PTR) {
            return pointer_arg(X->pre, t->ref, e->index);
        } else if (t->kind == T_UFID_PTR) {
            return pointer_arg(X->pre, "ovs_u128", e->index);
        } else if ((type_is_integer(t) || t->kind == T_IPV4) && t->size && t->size < 8) {
            /* USDT arguments narrower than a register carry garbage above them. */
            char type[16];
            snprintf(type, sizeof type, "%sint%d", t->is_signed ? "" : "u", t->size * 8);
            return bx_cast(type, arg_ref(X->pre, e->index), 0);
        }
        return arg_ref(X->pre, e->index);
    case REF_FIELD: {
        const struct expr *l = e->lhs;
        return bx_member(lower_ref(X, l), l->type.kind == T_STRUCT_PTR ? "->" : ".", e->name);
    }
    case REF_BUILTIN:
        return bx_builtin(e->builtin);
    case REF_SPAN:
        if (!span_live(e->span))
            return type_is_string(t) ? bx_str("") : bx_int(0);    /* never starts or ends with these parameters */
        if (e->index == SPAN_DURATION)
            return bx_var(span_var(e->span, "DURATION").s);
        if (e->index == SPAN_START)
            return bx_var(span_var(e->span, "START").s);
        if (e->index < e->span->ncaptures)
            return bx_var(span_value_var(e->span, e->span->captures[e->index].name).s);
        return bx_var(span_value_var(e->span, e->span->counts[e->index - e->span->ncaptures].name).s);
    default:
        return lower_value(X, e);
    }
}

static struct bt_expr *lower_const(const struct expr *e)
{
    if (e->type.kind == T_STR)
        return bx_str(e->cstr ? e->cstr : "");
    if (e->type.kind == T_IPV4)
        return bx_hex((uint32_t)e->cval, 8);
    return bx_int((long long)e->cval);
}

/* Whether bpftrace sees E's value as a uint64, where this can tell (what a cast to uint64
 * would not change, and 0.27 warns about): nsecs, a span's start and duration (uint64 on
 * every version), an unsigned capture (declared uint64), an 8-byte unsigned struct field,
 * a fingerprint, and such a value times a constant. Probe arguments are int64 to bpftrace, whatever the
 * catalog says they hold. */
int value_u64(const struct expr *e)
{
    const struct type *t = &e->type;
    if (e->is_const)
        return 0;
    if (e->kind == E_CALL && function_lookup(e->name)->u64)
        return 1;
    /* A duration in another unit is read times the unit (lower_value): a narrow unsigned argument
     * (cast to its width) times a constant is a uint64. */
    if (t->kind == T_DURATION && t->unit_ns > 1 && e->ref == REF_ARG)
        return t->size && t->size < 8 && !t->is_signed;
    switch (e->ref) {
    case REF_FIELD:
        return t->size == 8 && !t->is_signed && (t->kind == T_INT || t->kind == T_DURATION || t->kind == T_TIMESTAMP);
    case REF_BUILTIN:
        return e->builtin && !strcmp(e->builtin, "nsecs");
    case REF_SPAN:
        return e->index == SPAN_DURATION || e->index == SPAN_START || !t->is_signed;
    default:
        break;
    }
    if (e->kind == E_BINARY && e->op == OP_MUL && (e->lhs->is_const || e->rhs->is_const)) {
        const struct expr *v = e->lhs->is_const ? e->rhs : e->lhs, *c = v == e->lhs ? e->rhs : e->lhs;
        return c->cval >= 0 && (value_u64(v) || (type_is_integer(&v->type) && !v->type.is_signed));
    }
    return 0;
}

/* Whether bpftrace sees E's value as signed: a negative constant, or a signed integer. */
static int value_signed(const struct expr *e)
{
    if (e->is_const)
        return e->cval < 0;
    return e->type.kind == T_INT ? e->type.is_signed : e->type.kind != T_TIMESTAMP && e->type.kind != T_DURATION;
}

/* F == MAC (EQ) or F != MAC, byte by byte. */
static struct bt_expr *mac_compare(struct lctx *X, const struct expr *f, const struct expr *lit, int eq)
{
    struct bt_expr *bytes = f ? lower_ref(X, f) : NULL, *all = NULL;
    for (int i = 0; i < 6; i++) {
        struct bt_expr *byte = bx_index(bx_ref(bytes), bx_int(i));
        all = bx_join(all, "&&", bx_binary(byte, "==", bx_hex(lit->addr[i], 2)));
    }
    bx_free(bytes);
    all = bx_paren(all);
    return eq ? all : bx_unary("!", all);
}

static struct bt_expr *lower_binary(struct lctx *X, const struct expr *e)
{
    const struct expr *l = e->lhs, *r = e->rhs;
    /* true && x and false || x are x: parameters often make one side constant. */
    int neutral = e->op == OP_AND ? 1 : 0;
    if ((e->op == OP_AND || e->op == OP_OR) && (l->is_const || r->is_const)) {
        const struct expr *c = l->is_const ? l : r, *other = c == l ? r : l;
        if (!!c->cval == neutral)
            return lower_value(X, other);
    }
    if (l->type.kind == T_MAC || r->type.kind == T_MAC) {
        const struct expr *lit = l->kind == E_MAC ? l : r, *f = lit == l ? r : l;
        return mac_compare(X, f, lit, e->op == OP_EQ);
    }
    const struct expr *lit = l->is_const && l->type.kind == T_STR ? l : r->is_const && r->type.kind == T_STR ? r : NULL;
    struct bt_expr *a = lower_value(X, l);
    struct bt_expr *b = lower_value(X, r);
    if ((e->op == OP_EQ || e->op == OP_NE) && lit && lit->cstr)
        return bx_str_compare(e->op == OP_EQ, a, b, lit == l, strlen(lit->cstr));
    if (e->op == OP_SUB && !value_signed(l) && !value_signed(r))
        return bx_paren(bx_usub(a, b));
    return bx_paren(bx_binary(a, expr_op_text(e->op), b));
}

/* NAME(ARGS...), each argument lowered in turn. */
struct bt_expr *lower_call(struct lctx *X, const struct expr *e)
{
    struct bt_expr *args = bx_list(0);
    for (int i = 0; i < e->nargs; i++)
        bx_list_add(args, lower_value(X, e->args[i]));
    return bx_call(e->name, args);
}

struct bt_expr *lower_value(struct lctx *X, const struct expr *e)
{
    if (e->is_const)
        return lower_const(e);
    const struct type *t = &e->type;
    switch (e->kind) {
    case E_UNARY:
        return bx_unary(expr_op_text(e->op), lower_value(X, e->lhs));
    case E_BINARY:
        return lower_binary(X, e);
    case E_CALL:
        return function_lookup(e->name)->lower(X, e);    /* check knows every name */
    default:
        break;
    }
    if (t->be && t->size > 1)
        return bx_call("bswap", lower_ref(X, e));
    if ((t->kind == T_CSTR || t->kind == T_DLSTR) && e->ref != REF_SPAN)
        return bx_call("str", lower_ref(X, e));
    if (e->ref == REF_ARG && (t->kind == T_STRUCT_PTR || t->kind == T_UFID_PTR) &&
        probe_kind_info(X->probe->kind)->args != ARGS_FIELDS)
        return arg_ref(X->pre, e->index);    /* as a value (a key, a number), a pointer is just its address */
    if (t->kind == T_DURATION && t->unit_ns > 1 && e->ref != REF_SPAN)
        return bx_paren(bx_binary(lower_ref(X, e), "*", bx_int(t->unit_ns)));
    return lower_ref(X, e);
}

/* The statement-level result a block already computed for (KEY, WHAT), or NULL. */
static struct bt_expr *memo_find(struct lctx *X, const struct bt_expr *key, const void *what)
{
    for (int i = 0; i < X->L->walks.n; i++) {
        const struct walk_memo *w = X->L->walks.v[i];
        if (w->block == X->pre && w->param == what && bx_equal(w->key, key))
            return bx_ref(w->result);
    }
    return NULL;
}

/* Remember RESULT (returned) as the block's result for (KEY, WHAT); KEY is taken over. */
static struct bt_expr *memo_keep(struct lctx *X, struct bt_expr *key, const void *what, struct bt_expr *result)
{
    struct walk_memo *w = xcalloc(1, sizeof *w);
    *w = (struct walk_memo){ X->pre, key, what, bx_ref(result) };
    vec_push(&X->L->walks, w);
    return result;
}

/* Forget the memos made after the first N: they were computed inside a branch. */
void memo_truncate(struct lower *L, int n)
{
    while (L->walks.n > n) {
        struct walk_memo *w = L->walks.v[--L->walks.n];
        bx_free(w->key);
        bx_free(w->result);
        free(w);
    }
}

/* A variable of its own for the next walk or lookup: "$m1", "$w2"... */
static struct bt_expr *fresh_var(struct lctx *X, const char *prefix, char *name, size_t n)
{
    snprintf(name, n, "%s%d", prefix, ++X->L->nvars);
    return bx_varf("$%s", name);
}

/* match(KEY, $flow): walk the key once, before the statement that uses the result. */
struct bt_expr *lower_match(struct lctx *X, const struct expr *e)
{
    const struct param *p = e->data;
    struct bt_expr *key = lower_value(X, e->args[0]);
    /* Two outputs on one probe filtering the same key share one walk. */
    struct bt_expr *done = memo_find(X, key, p);
    if (done) {
        bx_free(key);
        return done;
    }
    char var[16];
    struct bt_expr *result = fresh_var(X, "m", var, sizeof var);
    struct bt_expr *len = bx_cast("uint64", lower_value(X, e->args[0]->rhs), value_u64(e->args[0]->rhs));
    bt_comment(X->pre, "match(%s, $%s): %s", e->args[0]->name ? e->args[0]->name : "key", p->name, p->sval);
    odp_lower_walk(X->pre, bx_ref(key), len, p->flow, var);
    return memo_keep(X, key, p, result);
}

/* VAR = (VAR ^ VALUE) * FNV prime. */
static void fnv_step(struct bt_block *b, const char *var, struct bt_expr *value)
{
    struct bt_expr *mixed = bx_paren(bx_binary(bx_varf("$%s", var), "^", value));
    bt_assign(b, bx_varf("$%s", var), bx_binary(mixed, "*", bx_int(1099511628211LL)));
}

/* fingerprint(): 64-bit words of the packet folded into its length, FNV-1a style (a multiply
 * by the FNV prime, which bpftrace's signed literals hold), then mixed. Words past the length
 * are not read. */
struct bt_expr *lower_fingerprint(struct lctx *X, const struct expr *e)
{
    const struct expr *b = e->args[0];
    int bytes = e->nargs == 2 ? (int)e->args[1]->cval : FINGERPRINT_DEFAULT;
    char var[16];
    struct bt_expr *result = fresh_var(X, "fp", var, sizeof var);
    struct bt_expr *p = lower_value(X, b);
    struct bt_expr *len = lower_value(X, b->rhs);
    bt_assign(X->pre, bx_varf("$%s_p", var), bx_cast("uint64", p, 0));
    bt_assign(X->pre, bx_varf("$%s", var), bx_cast("uint64", len, 0));
    bt_assign(X->pre, bx_varf("$%s_n", var), bx_varf("$%s", var));
    for (int off = 0; off < bytes; off += 8) {
        bt_if(X->pre, bx_binary(bx_varf("$%s_n", var), ">=", bx_int(off + 8)));
        struct bt_expr *at = bx_paren(bx_binary(bx_varf("$%s_p", var), "+", bx_int(off)));
        fnv_step(X->pre, var, bx_unary("*", bx_cast("uint64 *", at, 0)));
        bt_end(X->pre);
    }
    /* A product's low bits come from its factors' low bits only: fold the high bits down, so
     * that `slots:` (fingerprint % N) spreads packets over every slot. */
    fnv_step(X->pre, var, bx_paren(bx_binary(bx_varf("$%s", var), ">>", bx_int(32))));
    bt_assign(X->pre, bx_varf("$%s", var),
              bx_binary(bx_varf("$%s", var), "^", bx_paren(bx_binary(bx_varf("$%s", var), ">>", bx_int(29)))));
    return result;
}

int is_ufid(const struct type *t)
{
    return t->kind == T_UFID || t->kind == T_UFID_PTR;
}

/* Word I of a UFID: REF->u32[I] (REF a pointer to an ovs_u128) or REF.u32[I]. */
struct bt_expr *ufid_word(struct bt_expr *ref, int is_ptr, int i)
{
    return bx_index(bx_member(bx_ref(ref), is_ptr ? "->" : ".", "u32"), bx_int(i));
}

/* "REF->u32[0], ..., REF->u32[3]": a UFID's four words, as a map key. REF is taken over. */
struct bt_expr *ufid_words(struct bt_expr *ref, int is_ptr)
{
    struct bt_expr *words = bx_list(0);
    for (int i = 0; i < 4; i++)
        bx_list_add(words, ufid_word(ref, is_ptr, i));
    bx_free(ref);
    return words;
}

/* A watch list's map key: a UFID's four words, or the number itself. */
static struct bt_expr *watch_key(struct lctx *X, const struct expr *id)
{
    if (!is_ufid(&id->type))
        return lower_value(X, id);
    return ufid_words(lower_ref(X, id), id->type.kind == T_UFID_PTR);
}

/* MAP = MAP + 1 (MAP - 1 when DOWN), MAP a map without key. */
void map_step(struct bt_block *b, const char *map, int down)
{
    bt_assign(b, bx_map(map, NULL), bx_binary(bx_map(map, NULL), down ? "-" : "+", bx_int(1)));
}

/* watched(LIST, S): @_watch_LIST remembers, per id, whether to follow S (1) or not (2). The
 * first probe to see an id evaluates `follow:` and, below the capacity, remembers it; the
 * entry leaves when the flow ends (forget_ended_flows). Beyond capacity the decision is
 * simply made again each time: slower, never wrong. */
struct bt_expr *lower_watched(struct lctx *X, const struct expr *e)
{
    const struct watch *w = e->data;
    /* The id is read where it is used, not kept in variables: a key walk may follow, and
     * each variable takes 8 bytes of the 512-byte stack. */
    struct bt_expr *key = watch_key(X, e->lhs);
    struct bt_expr *done = memo_find(X, key, w);
    if (done) {
        bx_free(key);
        return done;
    }
    char var[16];
    struct bt_expr *decision = fresh_var(X, "w", var, sizeof var);
    vec_add_unique(&X->L->watches, w);
    struct bt_block *b = X->pre;
    const char *holder = e->args[1]->name ? e->args[1]->name : "it";
    bt_comment(b, "watched(%s, %s): decided once per %s, remembered until the flow ends", w->name, holder, w->id);
    bt_assign(b, bx_ref(decision), bx_map(watch_map(w, "WATCH").s, bx_ref(key)));
    bt_if(b, bx_binary(bx_ref(decision), "==", bx_int(0)));
    int memos = X->L->walks.n;
    struct bt_expr *follow = lower_value(X, e->rhs);
    memo_truncate(X->L, memos);
    bt_assign(b, bx_ref(decision), bx_ternary(follow, bx_int(1), bx_int(2)));
    int guarded = e->lhs->type.kind == T_UFID_PTR;
    if (guarded)    /* a put may carry no UFID: nothing to remember it by */
        bt_if(b, bx_binary(lower_ref(X, e->lhs), "!=", bx_int(0)));
    bt_if(b, bx_binary(bx_map(watch_map(w, "WATCH_N").s, NULL), "<", bx_int(w->cap)));
    bt_assign(b, bx_map(watch_map(w, "WATCH").s, bx_ref(key)), bx_ref(decision));
    map_step(b, watch_map(w, "WATCH_N").s, 0);
    bt_else(b);
    map_step(b, watch_map(w, "WATCH_FULL").s, 0);
    bt_end(b);
    if (guarded)
        bt_end(b);
    bt_end(b);
    return memo_keep(X, key, w, bx_paren(bx_binary(decision, "==", bx_int(1))));
}

/* A span's key: its parts, as a map key. */
struct bt_expr *lower_keys(struct lctx *X, struct expr **keys, int n)
{
    struct bt_expr *list = bx_list(0);
    for (int i = 0; i < n; i++)
        bx_list_add(list, lower_value(X, keys[i]));
    return list;
}

