// SPDX-License-Identifier: Apache-2.0
// Lower pass: a checked recipe in, a bpftrace program out. One block per probe:
// first the spans that end there (their values become $NAME_* variables), then
// the outputs on that probe, then span counters, then the spans that start there.
#include "lower.h"
#include "gen_names.h"
#include "host/layouts.h"
#include "odp/odp_lower.h"
#include "output_protocol.h"    /* the tags run reads back, and the held-event bound */
#include "params.h"
#include "stack_budget.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct walk_memo {
    const struct bt_block *block;
    struct bt_expr *key;
    const void *param;
    struct bt_expr *result;  /* the expression that holds the decision */
};

static void vec_add_unique(struct vec *v, const void *p)
{
    for (int i = 0; i < v->n; i++)
        if (v->v[i] == p)
            return;
    vec_push(v, (void *)p);
}

/* ---------------------------------------------------- struct definitions */

static void use_type(struct lower *L, const struct type *t)
{
    if (t->kind == T_UFID || t->kind == T_UFID_PTR)
        L->need_u128 = 1;
    if ((t->kind == T_STRUCT || t->kind == T_STRUCT_PTR) && t->ref) {
        const struct cat_struct *s = catalog_struct(L->cat, t->ref);
        if (s)
            vec_add_unique(&L->structs, s);
    }
}


static void collect(struct lower *L, const struct expr *e)
{
    if (!e)
        return;
    use_type(L, &e->type);
    if (e->ref == REF_FIELD)
        vec_add_unique(&L->fields, e->field);
    collect(L, e->lhs);
    collect(L, e->rhs);
    for (int i = 0; i < e->nargs; i++)
        collect(L, e->args[i]);
}

static const char *c_int(int size, int is_signed)
{
    switch (size) {
    case 1: return is_signed ? "signed char" : "unsigned char";
    case 2: return is_signed ? "short" : "unsigned short";
    case 4: return is_signed ? "int" : "unsigned int";
    default: return is_signed ? "long" : "unsigned long";
    }
}

static void c_decl(struct strbuf *b, const struct cat_field *f)
{
    const struct type *t = &f->type;
    switch (t->kind) {
    case T_INT: case T_ENUM: case T_DURATION: case T_BOOL:
        sb_printf(b, "%s %s;", c_int(t->size ? t->size : 1, t->is_signed), f->name); break;
    case T_CSTR: sb_printf(b, "char *%s;", f->name); break;
    case T_IPV4: sb_printf(b, "unsigned int %s;", f->name); break;
    case T_IPV6: sb_printf(b, "unsigned char %s[16];", f->name); break;
    case T_MAC: sb_printf(b, "unsigned char %s[6];", f->name); break;
    case T_UFID: sb_printf(b, "struct ovs_u128 %s;", f->name); break;
    case T_UFID_PTR: sb_printf(b, "struct ovs_u128 *%s;", f->name); break;
    case T_STRUCT: sb_printf(b, "struct %s %s;", t->ref, f->name); break;
    case T_STRUCT_PTR: sb_printf(b, "struct %s *%s;", t->ref, f->name); break;
    case T_CHARS: sb_printf(b, "char %s[%d];", f->name, t->array_len); break;
    case T_ODP_KEY: case T_BYTES: sb_printf(b, "unsigned char *%s;", f->name); break;
    default: sb_printf(b, "unsigned long %s;", f->name); break;
    }
}

static int field_size(const struct lower *L, const struct cat_field *f)
{
    if (f->type.kind == T_STRUCT) {
        const struct cat_struct *s = catalog_struct(L->cat, f->type.ref);
        return s ? s->size : 0;
    }
    return f->type.size ? f->type.size : 8;
}

static int field_cmp(const void *a, const void *b)
{
    const struct cat_field *x = *(const struct cat_field *const *)a, *y = *(const struct cat_field *const *)b;
    return x->offset - y->offset;
}

/* Only the fields the recipe reads, at their catalog offsets, with explicit padding between. */
static char *struct_def(struct lower *L, const struct cat_struct *s)
{
    const struct cat_field *used[64];
    int n = 0;
    for (int i = 0; i < L->fields.n && n < 64; i++)
        for (int j = 0; j < s->nfields; j++)
            if (L->fields.v[i] == &s->fields[j])
                used[n++] = &s->fields[j];
    /* No layouts for a stripped binary of an unknown release: refused once, with the ways out. */
    if (s->source == LAYOUT_UNKNOWN && n && !L->d->errors)
        layouts_refuse(L->cat, s, used[0]->name, L->d);
    for (int i = 0; i < n && s->source != LAYOUT_UNKNOWN; i++)
        if (used[i]->offset == LAYOUT_MISSING && s->source == LAYOUT_BUNDLED)
            diag_error(L->d, loc_make(NULL, 0, 0), "Open vSwitch %s has no member %s in struct %s (the recipe reads "
                       "it as %s.%s)%s%s", L->cat->layouts_release, used[i]->c_name, s->name, s->name, used[i]->name,
                       used[i]->since ? ": it was added in " : "", used[i]->since ? used[i]->since : "");
        else if (used[i]->offset == LAYOUT_MISSING)
            diag_error(L->d, loc_make(NULL, 0, 0), "the debug info of %s has no member %s in struct %s (the recipe "
                       "reads it as %s.%s): this Open vSwitch differs from the catalog", L->opt->layout_binary,
                       used[i]->c_name, s->name, s->name, used[i]->name);
    if (s->source == LAYOUT_NOT_IN_DWARF && n)
        diag_warn(L->d, loc_make(NULL, 0, 0), "the debug info of %s does not describe struct %s; using its bundled "
                  "layout", L->opt->layout_binary, s->name);
    qsort(used, (size_t)n, sizeof used[0], field_cmp);
    struct strbuf b = { 0 };
    sb_printf(&b, "struct %s {", s->name);
    int at = 0;
    for (int i = 0; i < n; i++) {
        if (used[i]->offset > at)
            sb_printf(&b, "\n    char _pad_%d[%d];", at, used[i]->offset - at);
        sb_add(&b, "\n    ");
        c_decl(&b, used[i]);
        at = used[i]->offset + field_size(L, used[i]);
    }
    if (s->size > at)
        sb_printf(&b, "\n    char _pad_%d[%d];", at, s->size - at);
    sb_add(&b, "\n};");
    return sb_steal(&b);
}

static void emit_structs(struct lower *L)
{
    /* A struct used inline by another must come first; pointers may refer ahead. */
    for (int i = 0; i < L->structs.n; i++) {
        const struct cat_struct *s = L->structs.v[i];
        for (int j = 0; j < s->nfields; j++)
            if (s->fields[j].type.kind == T_STRUCT)
                for (int k = 0; k < L->fields.n; k++)
                    if (L->fields.v[k] == &s->fields[j])
                        use_type(L, &s->fields[j].type);
    }
    if (L->need_u128)
        vec_push(&L->P->structs, xstrdup("struct ovs_u128 {\n    unsigned int u32[4];\n};"));
    int *done = xcalloc((size_t)L->structs.n + 1, sizeof *done);
    for (int pass = 0; pass < L->structs.n; pass++) {
        for (int i = 0; i < L->structs.n; i++) {
            if (done[i])
                continue;
            const struct cat_struct *s = L->structs.v[i];
            int ready = 1;
            for (int j = 0; j < s->nfields && ready; j++) {
                if (s->fields[j].type.kind != T_STRUCT)
                    continue;
                for (int k = 0; k < L->structs.n; k++)
                    if (!done[k] && k != i && strcmp(((const struct cat_struct *)L->structs.v[k])->name,
                                                     s->fields[j].type.ref) == 0)
                        ready = 0;
            }
            if (ready) {
                done[i] = 1;
                vec_push(&L->P->structs, struct_def(L, s));
            }
        }
    }
    free(done);
}

/* ------------------------------------------------------------ expressions */

struct lctx {
    struct lower *L;
    const struct probe_use *probe;    /* the attach probe */
    struct bt_block *pre;             /* where statements an expression needs go (match() walks) */
};

/* Each returns a new expression (btexpr.h). Where one is built of several that name probe
 * arguments or add statements (a walk), they are lowered one after another, in the order
 * the script has them: arguments of one call would be lowered in no set order. */
static struct bt_expr *lv(struct lctx *X, const struct expr *e);
static struct bt_expr *lmatch(struct lctx *X, const struct expr *e);
static struct bt_expr *lwatched(struct lctx *X, const struct expr *e);
static struct bt_expr *lfingerprint(struct lctx *X, const struct expr *e);

static int span_live(const struct span *s);

/* Argument N of block B's probe: "$argN", read once at the block's start (emit.c, emit_prologue). */
static struct bt_expr *arg_ref(struct bt_block *b, int n)
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
static struct bt_expr *pointer_arg(struct bt_block *b, const char *struct_name, int index)
{
    char type[128];
    snprintf(type, sizeof type, "struct %s *", struct_name);
    return bx_paren(bx_cast(type, arg_ref(b, index), 0));
}

static struct bt_expr *lref(struct lctx *X, const struct expr *e)
{
    const struct type *t = &e->type;
    switch (e->ref) {
    case REF_ARG:
        if (X->probe->probe && cat_probe_arg(X->probe->probe, e->name) &&
            cat_probe_arg(X->probe->probe, e->name)->bpftrace) {
            /* A derived argument (catalog text, never a recipe's). */
            return bx_paren(bx_catalog(cat_probe_arg(X->probe->probe, e->name)->bpftrace));
        } else if (X->probe->kind == PK_TRACEPOINT && type_is_integer(t)) {
            return field_ref(X->pre, e->name);
        } else if (X->probe->kind == PK_TRACEPOINT && t->kind == T_DLSTR && X->probe->probe &&
                   X->L->dl->misreads_data_loc) {
            return data_loc_ref(X->pre, X->probe->probe, e->name);
        } else if (X->probe->kind == PK_TRACEPOINT) {
            return bx_tp_field(e->name);
        } else if (X->probe->kind == PK_KRETPROBE || X->probe->kind == PK_URETPROBE) {
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
        return bx_member(lref(X, l), l->type.kind == T_STRUCT_PTR ? "->" : ".", e->name);
    }
    case REF_BUILTIN:
        return bx_builtin(e->builtin);
    case REF_SPAN:
        if (!span_live(e->span))
            return type_is_string(t) ? bx_str("") : bx_int(0);    /* never starts or ends with these parameters */
        if (e->index == -1)
            return bx_var(span_var(e->span, "DURATION").s);
        if (e->index == -2)
            return bx_var(span_var(e->span, "START").s);
        if (e->index < e->span->ncaptures)
            return bx_var(span_value_var(e->span, e->span->captures[e->index].name).s);
        return bx_var(span_value_var(e->span, e->span->counts[e->index - e->span->ncaptures].name).s);
    default:
        return lv(X, e);
    }
}

static struct bt_expr *lconst(struct lctx *X, const struct expr *e)
{
    if (e->type.kind == T_STR && e->cstr && strlen(e->cstr) > BT_STRING_MAX)
        diag_error(X->L->d, e->loc, "a string of %zu bytes: bpftrace 0.17 takes string literals of at most %d",
                   strlen(e->cstr), BT_STRING_MAX);
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
static int value_u64(const struct expr *e)
{
    const struct type *t = &e->type;
    if (e->is_const)
        return 0;
    if (e->kind == E_CALL && !strcmp(e->name, "fingerprint"))
        return 1;
    /* A duration in another unit is read times the unit (lv): a narrow unsigned argument
     * (cast to its width) times a constant is a uint64. */
    if (t->kind == T_DURATION && t->unit_ns > 1 && e->ref == REF_ARG)
        return t->size && t->size < 8 && !t->is_signed;
    switch (e->ref) {
    case REF_FIELD:
        return t->size == 8 && !t->is_signed && (t->kind == T_INT || t->kind == T_DURATION || t->kind == T_TIMESTAMP);
    case REF_BUILTIN:
        return e->builtin && !strcmp(e->builtin, "nsecs");
    case REF_SPAN:
        return e->index < 0 || !t->is_signed;
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
    struct bt_expr *bytes = f ? lref(X, f) : NULL, *all = NULL;
    for (int i = 0; i < 6; i++) {
        struct bt_expr *byte = bx_index(bx_ref(bytes), bx_int(i));
        all = bx_join(all, "&&", bx_binary(byte, "==", bx_hex(lit->addr[i], 2)));
    }
    bx_free(bytes);
    all = bx_paren(all);
    return eq ? all : bx_unary("!", all);
}

static struct bt_expr *lbinary(struct lctx *X, const struct expr *e)
{
    const struct expr *l = e->lhs, *r = e->rhs;
    /* true && x and false || x are x: parameters often make one side constant. */
    int neutral = e->op == OP_AND ? 1 : 0;
    if ((e->op == OP_AND || e->op == OP_OR) && (l->is_const || r->is_const)) {
        const struct expr *c = l->is_const ? l : r, *other = c == l ? r : l;
        if (!!c->cval == neutral)
            return lv(X, other);
    }
    if (l->type.kind == T_MAC || r->type.kind == T_MAC) {
        const struct expr *lit = l->kind == E_MAC ? l : r, *f = lit == l ? r : l;
        return mac_compare(X, f, lit, e->op == OP_EQ);
    }
    const struct expr *lit = l->is_const && l->type.kind == T_STR ? l : r->is_const && r->type.kind == T_STR ? r : NULL;
    struct bt_expr *a = lv(X, l);
    struct bt_expr *b = lv(X, r);
    if ((e->op == OP_EQ || e->op == OP_NE) && lit && lit->cstr)
        return bx_str_compare(e->op == OP_EQ, a, b, lit == l, strlen(lit->cstr));
    if (e->op == OP_SUB && !value_signed(l) && !value_signed(r))
        return bx_paren(bx_usub(a, b));
    return bx_paren(bx_binary(a, expr_op_text(e->op), b));
}

/* NAME(ARGS...), each argument lowered in turn. */
static struct bt_expr *lcall(struct lctx *X, const struct expr *e)
{
    struct bt_expr *args = bx_list(0);
    for (int i = 0; i < e->nargs; i++)
        bx_list_add(args, lv(X, e->args[i]));
    return bx_call(e->name, args);
}

static struct bt_expr *lv(struct lctx *X, const struct expr *e)
{
    if (e->is_const)
        return lconst(X, e);
    const struct type *t = &e->type;
    switch (e->kind) {
    case E_UNARY:
        return bx_unary(expr_op_text(e->op), lv(X, e->lhs));
    case E_BINARY:
        return lbinary(X, e);
    case E_CALL:
        if (strcmp(e->name, "str") == 0)
            return lv(X, e->args[0]);
        if (strcmp(e->name, "match") == 0)
            return lmatch(X, e);
        if (strcmp(e->name, "watched") == 0)
            return lwatched(X, e);
        if (strcmp(e->name, "fingerprint") == 0)
            return lfingerprint(X, e);
        if (strcmp(e->name, "thread") == 0)
            return bx_map("@_threads", bx_cast("uint64", lv(X, e->args[0]), 0));
        if (e->nargs)
            return lcall(X, e);
        return strcmp(e->name, "count") == 0 ? bx_call(e->name, NULL) : bx_builtin(e->name);
    default:
        break;
    }
    if (t->be && t->size > 1)
        return bx_call("bswap", lref(X, e));
    if ((t->kind == T_CSTR || t->kind == T_DLSTR) && e->ref != REF_SPAN)
        return bx_call("str", lref(X, e));
    if (e->ref == REF_ARG && (t->kind == T_STRUCT_PTR || t->kind == T_UFID_PTR) && X->probe->kind != PK_TRACEPOINT)
        return arg_ref(X->pre, e->index);    /* as a value (a key, a number), a pointer is just its address */
    if (t->kind == T_DURATION && t->unit_ns > 1 && e->ref != REF_SPAN)
        return bx_paren(bx_binary(lref(X, e), "*", bx_int(t->unit_ns)));
    return lref(X, e);
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
static void memo_truncate(struct lower *L, int n)
{
    while (L->walks.n > n) {
        struct walk_memo *w = L->walks.v[--L->walks.n];
        bx_free(w->key);
        bx_free(w->result);
        free(w);
    }
}

static int need_pre(struct lctx *X, const struct expr *e)
{
    if (!X->pre)
        diag_error(X->L->d, e->loc, "%s() can be used in an output's where: and columns, not here", e->name);
    return X->pre != NULL;
}

/* A variable of its own for the next walk or lookup: "$m1", "$w2"... */
static struct bt_expr *fresh_var(struct lctx *X, const char *prefix, char *name, size_t n)
{
    snprintf(name, n, "%s%d", prefix, ++X->L->nvars);
    return bx_varf("$%s", name);
}

/* match(KEY, $flow): walk the key once, before the statement that uses the result. */
static struct bt_expr *lmatch(struct lctx *X, const struct expr *e)
{
    const struct param *p = e->data;
    if (!need_pre(X, e))
        return bx_int(0);
    struct bt_expr *key = lv(X, e->args[0]);
    /* Two outputs on one probe filtering the same key share one walk. */
    struct bt_expr *done = memo_find(X, key, p);
    if (done) {
        bx_free(key);
        return done;
    }
    char var[16];
    struct bt_expr *result = fresh_var(X, "m", var, sizeof var);
    struct bt_expr *len = bx_cast("uint64", lv(X, e->args[0]->rhs), value_u64(e->args[0]->rhs));
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
static struct bt_expr *lfingerprint(struct lctx *X, const struct expr *e)
{
    const struct expr *b = e->args[0];
    if (!need_pre(X, e))
        return bx_int(0);
    int bytes = e->nargs == 2 ? (int)e->args[1]->cval : FINGERPRINT_DEFAULT;
    char var[16];
    struct bt_expr *result = fresh_var(X, "fp", var, sizeof var);
    struct bt_expr *p = lv(X, b);
    struct bt_expr *len = lv(X, b->rhs);
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

static int is_ufid(const struct type *t)
{
    return t->kind == T_UFID || t->kind == T_UFID_PTR;
}

/* Word I of a UFID: REF->u32[I] (REF a pointer to an ovs_u128) or REF.u32[I]. */
static struct bt_expr *ufid_word(struct bt_expr *ref, int is_ptr, int i)
{
    return bx_index(bx_member(bx_ref(ref), is_ptr ? "->" : ".", "u32"), bx_int(i));
}

/* "REF->u32[0], ..., REF->u32[3]": a UFID's four words, as a map key. REF is taken over. */
static struct bt_expr *ufid_words(struct bt_expr *ref, int is_ptr)
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
        return lv(X, id);
    return ufid_words(lref(X, id), id->type.kind == T_UFID_PTR);
}

/* MAP = MAP + 1 (MAP - 1 when DOWN), MAP a map without key. */
static void map_step(struct bt_block *b, const char *map, int down)
{
    bt_assign(b, bx_map(map, NULL), bx_binary(bx_map(map, NULL), down ? "-" : "+", bx_int(1)));
}

/* watched(LIST, S): @_watch_LIST remembers, per id, whether to follow S (1) or not (2). The
 * first probe to see an id evaluates `follow:` and, below the capacity, remembers it; the
 * entry leaves when the flow ends (forget_ended_flows). Beyond capacity the decision is
 * simply made again each time: slower, never wrong. */
static struct bt_expr *lwatched(struct lctx *X, const struct expr *e)
{
    const struct watch *w = e->data;
    if (!need_pre(X, e))
        return bx_int(0);
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
    struct bt_expr *follow = lv(X, e->rhs);
    memo_truncate(X->L, memos);
    bt_assign(b, bx_ref(decision), bx_ternary(follow, bx_int(1), bx_int(2)));
    int guarded = e->lhs->type.kind == T_UFID_PTR;
    if (guarded)    /* a put may carry no UFID: nothing to remember it by */
        bt_if(b, bx_binary(lref(X, e->lhs), "!=", bx_int(0)));
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
static struct bt_expr *lkeys(struct lctx *X, struct expr **keys, int n)
{
    struct bt_expr *list = bx_list(0);
    for (int i = 0; i < n; i++)
        bx_list_add(list, lv(X, keys[i]));
    return list;
}

/* ------------------------------------------------------------------ columns */

/* A printf being built: bpftrace 0.17 lays its arguments out on the BPF stack
 * (stack_budget.h says how much each takes). */
struct printf_line {
    struct strbuf fmt;
    struct bt_expr *args;    /* a BX_LIST, NULL: none yet */
    struct stack_use stack;
};

/* One more argument ARG (taken over), printed by FMT_PIECE. */
static void pf_arg(struct printf_line *p, const char *fmt_piece, struct bt_expr *arg, struct stack_cost cost)
{
    sb_add(&p->fmt, fmt_piece);
    if (!p->args)
        p->args = bx_list(0);
    bx_list_add(p->args, arg);
    stack_add(&p->stack, cost);
}

static int default_width(const struct column *c)
{
    const struct type *t = &c->value->type;
    const char *f = c->format ? c->format : "";
    int w;
    if (!strcmp(f, "ufid") || t->kind == T_UFID || t->kind == T_UFID_PTR) w = 36;
    else if (!strcmp(f, "time") || t->kind == T_TIMESTAMP) w = 18;
    else if (t->kind == T_IPV6) w = 39;
    else if (t->kind == T_MAC) w = 17;
    else if (t->kind == T_IPV4) w = 15;
    else if (t->kind == T_ENUM || type_is_string(t)) w = 16;
    else if (t->kind == T_DURATION) w = 14;
    else w = 8;
    int n = (int)strlen(c->name);
    return c->width ? c->width : (n > w ? n : w);
}

/* Formats printed in pieces after the other columns: a flow key, a netlink message. */
static int in_pieces(const char *f)
{
    return f && (!strcmp(f, "odp") || !strcmp(f, "nl_flow") || !strcmp(f, "nl_packet"));
}

static const char *column_format(const struct lower *L, const struct column *c)
{
    if (c->format)
        return c->format;
    const struct type *t = &c->value->type;
    switch (t->kind) {
    case T_ENUM: return enum_prints_text(L->cat, t) ? "enum" : "hex";
    case T_UFID: case T_UFID_PTR: return "ufid";
    case T_IPV4: return "ipv4";
    case T_IPV6: return "ipv6";
    case T_MAC: return "mac";
    case T_TIMESTAMP: return "time";
    case T_DURATION: return "duration";
    case T_STACK: return "stack";
    case T_STR: case T_CSTR: case T_CHARS: case T_DLSTR: return "str";
    case T_ODP_KEY: return "odp";
    case T_PTR: case T_STRUCT_PTR: case T_BYTES: return "hex";
    default: return "int";
    }
}

static void column_ufid(struct lctx *X, const struct column *c, struct printf_line *p)
{
    struct bt_expr *r = lref(X, c->value);
    int is_ptr = c->value->type.kind == T_UFID_PTR;
    sb_add(&p->fmt, "%08x-%04x-%04x-%04x-%04x%08x");
    struct bt_expr *words = bx_list(0);
    bx_list_add(words, ufid_word(r, is_ptr, 0));
    for (int i = 1; i <= 2; i++) {
        bx_list_add(words, bx_binary(ufid_word(r, is_ptr, i), ">>", bx_int(16)));
        bx_list_add(words, bx_binary(ufid_word(r, is_ptr, i), "&", bx_hex(0xffff, 4)));
    }
    bx_list_add(words, ufid_word(r, is_ptr, 3));
    bx_free(r);
    if (!p->args)
        p->args = bx_list(0);
    bx_list_add(p->args, words);
    for (int i = 0; i < 6; i++)
        stack_add(&p->stack, stack_number());
}

static void column_mac(struct lctx *X, const struct column *c, struct printf_line *p)
{
    struct bt_expr *r = lref(X, c->value);
    sb_add(&p->fmt, "%02x:%02x:%02x:%02x:%02x:%02x");
    for (int i = 0; i < 6; i++)
        pf_arg(p, "", bx_index(bx_ref(r), bx_int(i)), stack_number());
    bx_free(r);
}

/* "%-16s", or "%s" for width 0 (the last column is not padded). */
static void left(char *piece, size_t n, int width, const char *conv)
{
    if (width)
        snprintf(piece, n, "%%-%d%s", width, conv);
    else
        snprintf(piece, n, "%%%s", conv);
}

/* @_enum_E[V]: the name of enum value V, from the table BEGIN fills (lower_enums). */
static struct bt_expr *enum_name(struct lower *L, const struct cat_enum *en, struct bt_expr *v)
{
    vec_add_unique(&L->enums, en);
    return bx_mapf(v, "@_enum_%s", en->name);
}

/* V / PER and V % PER (V taken over): whole units and the rest, for two printf arguments. */
static struct bt_expr *units_and_rest(struct bt_expr *whole, long long unit, struct bt_expr *part, long long per)
{
    return bx_list(2, bx_binary(whole, "/", bx_int(unit)), bx_binary(part, "%", bx_int(per)));
}

static void add_column(struct lctx *X, const struct column *c, int last, struct printf_line *p)
{
    const char *f = column_format(X->L, c);
    int w = last ? 0 : default_width(c);
    const struct type *t = &c->value->type;
    char piece[32];
    if (!strcmp(f, "ufid")) {
        column_ufid(X, c, p);
    } else if (!strcmp(f, "mac")) {
        column_mac(X, c, p);
    } else if (!strcmp(f, "ipv4") || !strcmp(f, "ipv6")) {
        left(piece, sizeof piece, w, "s");
        pf_arg(p, piece, bx_call("ntop", lref(X, c->value)), stack_ntop());
    } else if (!strcmp(f, "enum")) {
        const struct cat_enum *en = catalog_enum(X->L->cat, t->ref);
        struct bt_expr *name = enum_name(X->L, en, lv(X, c->value));
        left(piece, sizeof piece, w, "s");
        pf_arg(p, piece, name, stack_enum_name(en));
    } else if (!strcmp(f, "time") || !strcmp(f, "duration")) {
        struct bt_expr *v = lv(X, c->value);
        snprintf(piece, sizeof piece, "%%%dlu.%%09lu", w > 10 ? w - 10 : 1);
        pf_arg(p, piece, units_and_rest(bx_ref(v), 1000000000, v, 1000000000), (struct stack_cost){ 16, 0 });
    } else if (!strcmp(f, "ns")) {
        left(piece, sizeof piece, w, "ld");
        pf_arg(p, piece, lv(X, c->value), stack_number());
    } else if (!strcmp(f, "us") || !strcmp(f, "ms")) {
        /* Three decimals: 500.720 ms reads better than 500 or 500720 us. */
        struct bt_expr *v = lv(X, c->value);
        long long unit = !strcmp(f, "us") ? 1000 : 1000000, milli = !strcmp(f, "us") ? 1 : 1000;
        struct bt_expr *thousandths = bx_paren(bx_binary(v, "/", bx_int(milli)));
        snprintf(piece, sizeof piece, "%%%dld.%%03ld", w > 4 ? w - 4 : 1);
        pf_arg(p, piece, units_and_rest(bx_ref(v), unit, thousandths, 1000), (struct stack_cost){ 16, 0 });
    } else if ((!strcmp(f, "hex") || in_pieces(f)) && (t->kind == T_ODP_KEY || t->kind == T_BYTES)) {
        /* A key before the last column: its first 64 bytes in hex (only the last prints whole). */
        struct bt_expr *v = lv(X, c->value);
        struct bt_expr *len = lv(X, c->value->rhs);
        pf_arg(p, "%rh", bx_call("buf", bx_list(2, v, len)), stack_buf());
    } else if (!strcmp(f, "hex")) {
        snprintf(piece, sizeof piece, "0x%%-%dlx", w > 2 ? w - 2 : 1);
        pf_arg(p, piece, lv(X, c->value), stack_number());
    } else if (!strcmp(f, "str") || !strcmp(f, "stack")) {
        left(piece, sizeof piece, w, "s");
        /* A stack prints from its 8-byte id. */
        pf_arg(p, piece, lv(X, c->value), !strcmp(f, "stack") ? stack_number() : stack_value(c->value));
    } else {
        left(piece, sizeof piece, w, t->is_signed || t->kind == T_DURATION ? "ld" : "lu");
        pf_arg(p, piece, lv(X, c->value), stack_number());
    }
    if (!last)
        sb_addc(&p->fmt, ' ');
}

/* The printf P has built, into B; P starts again, empty. */
static void emit_printf(struct bt_block *b, struct printf_line *p)
{
    bt_eval(b, bx_printf(p->fmt.s ? p->fmt.s : "", p->args));
    sb_free(&p->fmt);
    p->args = NULL;
    p->stack = (struct stack_use){ 0 };
}

static int column_shown(const struct column *c)
{
    return !c->when || c->when->cval;
}

static int last_shown(const struct output *o)
{
    int last = -1;
    for (int i = 0; i < o->ncols; i++)
        if (column_shown(&o->cols[i]))
            last = i;
    return last;
}

/* A flow key as `odp`: its bytes in 64-byte hex pieces (buf() holds 64 unless
 * BPFTRACE_STRLEN is raised, which would grow every str() on the printf stack), up to
 * 2048 bytes. For `ovstrace run` every piece starts with RS CPU US, so pieces of events
 * from different CPUs can be put back together, and the key sits between STX and ETX:
 * run prints it decoded, as dump-flows does. */
#define KEY_PIECE 64
#define KEY_PIECES 32

/* printf(FMT, cpu, MORE) under run (the tag's CPU), printf(FMT, MORE) for plain bpftrace;
 * MORE (taken over) may be NULL. */
static struct bt_expr *tagged_printf(const struct lower *L, const char *fmt, struct bt_expr *more)
{
    struct bt_expr *args = bx_list(0);
    if (L->opt->for_run)
        bx_list_add(args, bx_builtin("cpu"));
    if (more)
        bx_list_add(args, more);
    return bx_printf(fmt, args);
}

static void key_pieces(struct lctx *X, const struct column *c, struct bt_block *b, const char *tag)
{
    char var[16];
    snprintf(var, sizeof var, "k%d", ++X->L->nvars);
    struct bt_expr *key = lv(X, c->value);
    struct bt_expr *len = lv(X, c->value->rhs);
    struct bt_expr *p = bx_varf("$%s_p", var), *n = bx_varf("$%s_len", var), *off = bx_varf("$%s_off", var);
    bt_assign(b, bx_ref(p), bx_cast("uint64", key, 0));
    bt_assign(b, bx_ref(n), bx_cast("uint64", len, value_u64(c->value->rhs)));
    bt_assign(b, bx_ref(off), bx_cast("uint64", bx_int(0), 0));
    /* After STX, run's decoder: a flow key, or a netlink message of the flow or packet family
     * and its length. A message is read in whole pieces: Linux 6.1's verifier loses the bound
     * of a piece's length computed from a size read out of memory (ofpbuf.size) and refuses
     * the program, so the length goes first and run decodes that much. */
    const char *f = column_format(X->L, c);
    int msg = strcmp(f, "odp") != 0;
    char fmt[64];
    if (msg && X->L->opt->for_run) {
        snprintf(fmt, sizeof fmt, "%s\002%s%%lu:", tag, !strcmp(f, "nl_flow") ? "F" : "P");
        bt_eval(b, tagged_printf(X->L, fmt, bx_ref(n)));
    } else if (msg) {
        bt_eval(b, bx_printf("(%lu bytes) ", bx_list(1, bx_ref(n))));
    } else if (X->L->opt->for_run) {
        snprintf(fmt, sizeof fmt, "%s\002", tag);
        bt_eval(b, tagged_printf(X->L, fmt, NULL));
    }
    bt_unroll(b, KEY_PIECES);
    bt_if(b, bx_binary(bx_ref(off), "<", bx_ref(n)));
    struct bt_expr *piece = bx_int(KEY_PIECE);
    if (!msg) {    /* the key's last piece is what is left of it */
        struct bt_expr *rest = bx_usub(bx_ref(n), bx_ref(off));
        piece = bx_ternary(bx_binary(bx_ref(rest), ">", bx_int(KEY_PIECE)), piece, rest);
    }
    snprintf(fmt, sizeof fmt, "%s%%rh ", tag);
    bt_eval(b, tagged_printf(X->L, fmt, bx_call("buf", bx_list(2, bx_binary(p, "+", bx_ref(off)), piece))));
    bt_assign(b, bx_ref(off), bx_binary(bx_ref(off), "+", bx_int(KEY_PIECE)));
    bt_end(b);
    bt_end(b);
    snprintf(fmt, sizeof fmt, "%s%s\n", tag, X->L->opt->for_run ? "\003" : "");
    bt_eval(b, tagged_printf(X->L, fmt, NULL));
    bx_free(n);
    bx_free(off);
}

/* Under run, an event printed `after_report` is tagged GS 'h' (its title and header) or
 * 'e' (one event), its index, US: run holds them and prints them after the next report
 * (run_render.c). Plain bpftrace prints them as they come. */
static int held_event(const struct lower *L, const struct output *o)
{
    return o->after_report && L->opt->for_run;
}

static void held_tag(const struct lower *L, const struct output *o, char kind, struct strbuf *fmt)
{
    int index = (int)(o - L->r->outputs);
    if (!held_event(L, o))
        return;
    if (index >= OUTPUT_HELD_MAX && kind == 'e')
        diag_error(L->d, o->loc, "only the first %d outputs of a recipe can be 'print: after_report'", OUTPUT_HELD_MAX);
    sb_printf(fmt, OUTPUT_GS "%c%d" OUTPUT_US, kind, index);
}

static void event_line(struct lctx *X, const struct output *o, struct bt_block *b)
{
    struct printf_line p = { 0 };
    int last = last_shown(o);
    /* A key in odp format (or a netlink message), last, is printed in pieces after the other columns. */
    const struct column *key = last >= 0 && in_pieces(column_format(X->L, &o->cols[last])) ? &o->cols[last] : NULL;
    /* The run-mode tag: record separator, the CPU, unit separator. */
    const char *tag = X->L->opt->for_run ? OUTPUT_RS "%d" OUTPUT_US : "";
    if (key && o->after_report)
        diag_error(X->L->d, o->print_loc, "an event with a flow key printed as odp is printed in pieces, as it "
                   "happens: it cannot be 'print: after_report'");
    held_tag(X->L, o, 'e', &p.fmt);
    if (key && X->L->opt->for_run)
        pf_arg(&p, OUTPUT_RS "%d" OUTPUT_US, bx_builtin("cpu"), (struct stack_cost){ 0 });
    for (int i = 0; i < o->ncols; i++) {
        if (!column_shown(&o->cols[i]) || &o->cols[i] == key)
            continue;
        if (i != last && o->cols[i].format && in_pieces(o->cols[i].format))
            diag_error(X->L->d, o->cols[i].format_loc, "%s printed as %s must be the last column of its event (it is "
                       "printed in pieces)", strcmp(o->cols[i].format, "odp") ? "a netlink message" : "a flow key",
                       o->cols[i].format);
        add_column(X, &o->cols[i], i == last, &p);
    }
    int need = stack_printf_total(&p.stack, X->L->opt->bpftrace);
    if (need > STACK_MAX)
        diag_error(X->L->d, o->loc, "this event's columns need %d bytes of BPF stack; bpftrace 0.17's printf has "
                   "room for %d (numbers take 8, strings read with str() 64 and hex dumps 72, plus the buffer "
                   "the biggest is read into): drop or split columns", need, STACK_MAX);
    stack_budget_statement(&b->stack, need, o->loc, "an event's printf");
    stack_budget_pile(&b->stack, stack_printf_piled(&p.stack, X->L->opt->bpftrace), o->loc);
    if (!key)
        sb_add(&p.fmt, "\n");
    if (p.fmt.len)
        emit_printf(b, &p);
    if (key)
        key_pieces(X, key, b, tag);
    sb_free(&p.fmt);
    bx_free(p.args);
}

/* One literal of an event's header. A header's literals can pass the printf's room on
 * the BPF stack (eight 63-byte column names and a long title do): then what came before
 * is printed on its own, without a newline, and the header goes on in another printf;
 * under run, held headers go on with the tag 'H' (append, not replace). */
static void header_arg(struct lower *L, const struct output *o, struct printf_line *p, const char *piece,
                       const char *text)
{
    struct stack_use after = p->stack;
    stack_add(&after, stack_literal(text));
    if (p->args && stack_use_total(&after) > STACK_MAX) {
        emit_printf(L->P->begin, p);
        held_tag(L, o, 'H', &p->fmt);
    }
    pf_arg(p, piece, bx_str(text), stack_literal(text));
}

/* The column header (after the event's title), printed once in BEGIN; names go in as %s
 * arguments, never into the format. */
static void event_header(struct lower *L, const struct output *o)
{
    struct printf_line p = { 0 };
    held_tag(L, o, 'h', &p.fmt);
    /* A title may be longer than one bpftrace string literal: one %s per piece. */
    size_t tlen = o->title ? strlen(o->title) : 0;
    for (size_t off = 0; o->title && (off < tlen || off == 0); off += BT_STRING_MAX) {
        char *piece = xstrndup(o->title + off, tlen - off < BT_STRING_MAX ? tlen - off : BT_STRING_MAX);
        header_arg(L, o, &p, off + BT_STRING_MAX >= tlen ? "%s\n" : "%s", piece);
        free(piece);
    }
    int lastcol = last_shown(o);
    for (int i = 0; i < o->ncols; i++) {
        if (!column_shown(&o->cols[i]))
            continue;
        char piece[16];
        if (i == lastcol)
            snprintf(piece, sizeof piece, "%%s");
        else
            snprintf(piece, sizeof piece, "%%-%ds ", default_width(&o->cols[i]));
        header_arg(L, o, &p, piece, o->cols[i].name);
    }
    sb_add(&p.fmt, "\n");
    emit_printf(L->P->begin, &p);
}

/* ----------------------------------------------------------- aggregates */

static struct bt_expr *agg_key(struct lctx *X, const struct expr *e)
{
    /* Under run, an enum key stays a number and run names it (render_enum): no name table
     * to fill in BEGIN, which for the 360 syscalls costs bpftrace 2 s of start-up. */
    if (e->type.kind == T_ENUM && enum_prints_text(X->L->cat, &e->type) && !X->L->opt->for_run)
        return enum_name(X->L, catalog_enum(X->L->cat, e->type.ref), lv(X, e));
    if (e->type.kind == T_IPV4)
        return bx_call("ntop", lref(X, e));
    return lv(X, e);
}

/* What key part E takes in a map's key on the stack, as agg_key() writes it. */
static struct stack_cost agg_key_cost(const struct lctx *X, const struct expr *e)
{
    if (e->type.kind == T_ENUM && enum_prints_text(X->L->cat, &e->type) && !X->L->opt->for_run)
        return stack_enum_name(catalog_enum(X->L->cat, e->type.ref));
    return stack_value(e);
}

static void aggregate_line(struct lctx *X, const struct output *o, struct bt_block *b)
{
    struct bt_expr *keys = bx_list(0);
    struct stack_use key_stack = { 0 };
    int over = -1;    /* the key that passes the stack */
    for (int i = 0; i < o->nby; i++) {
        bx_list_add(keys, agg_key(X, o->by[i]));
        stack_add(&key_stack, agg_key_cost(X, o->by[i]));
        if (over < 0 && stack_key_total(&key_stack, X->L->opt->bpftrace) > STACK_MAX)
            over = i;
    }
    int need = stack_key_total(&key_stack, X->L->opt->bpftrace);
    if (over >= 0)
        diag_error(X->L->d, expr_extent(o->by[over]), "aggregate '%s' has keys that need %d bytes of BPF stack; "
                   "bpftrace %s has room for %d, which this key passes (numbers take 8, strings read with str() 64%s): "
                   "use fewer string keys", o->name, need, bt_scopes_variables(X->L->opt->bpftrace) ? "0.21 and later" : "0.17",
                   STACK_MAX, bt_scopes_variables(X->L->opt->bpftrace) ? "" : ", plus the buffer the biggest is read into");
    stack_budget_statement(&b->stack, need, o->nby ? o->by[0]->loc : o->loc, "an aggregate's key");
    struct bt_expr *v = lv(X, o->value);
    if (o->nby) {
        bt_assign(b, bx_mapf(keys, "@%s", o->name), v);
        return;
    }
    bx_free(keys);
    if (o->fn == AGG_HIST || o->fn == AGG_LHIST)
        bt_assign(b, bx_mapf(NULL, "@%s", o->name), v);
    else    /* a keyless count() survives clear() as "@x: 0" in bpftrace 0.17's exit dump; an empty key does not */
        bt_assign(b, bx_mapf(bx_str(""), "@%s", o->name), v);
}

/* ----------------------------------------------------------------- blocks */

struct probe_block {
    const struct probe_use *probe;
    struct bt_block *block;
    struct vec ended;      /* spans ending here: their outputs follow every end */
    int nguards;           /* outputs with their own condition */
    int mixed;             /* a kernel probe some use wants for every task: no block predicate, uses guarded */
};

static int window_gated(const struct lower *L) { return L->r->window.present; }

/* @_on == STATE: the window is in that state (lower_window). */
static struct bt_expr *window_is(const char *op, int state)
{
    return bx_binary(bx_map("@_on", NULL), op, bx_int(state));
}

/* An output: skipped when its condition is false at compile time. */
static void lower_output(struct lower *L, const struct output *o, const struct probe_use *at, struct bt_block *b)
{
    struct lctx X = { L, at, b };
    int guarded = (o->where && !o->where->is_const) || window_gated(L);
    if (o->where && o->where->is_const && !o->where->cval)
        return;
    if (guarded) {
        struct bt_expr *open = window_gated(L) ? window_is("==", 1) : NULL;
        bt_if(b, bx_join(open, "&&", o->where && !o->where->is_const ? lv(&X, o->where) : NULL));
    }
    if (o->kind == OUT_EVENT)
        event_line(&X, o, b);
    else
        aggregate_line(&X, o, b);
    if (guarded)
        bt_end(b);
}

/* An end whose condition is false at compile time (`where: $kernel && ...` with kernel=false)
 * is left out, and its probe is not attached for it. */
static int end_live(const struct span_end *e)
{
    return (e->on.probe || e->on.target_name) && !(e->where && e->where->is_const && !e->where->cval);
}

/* A span that can start and end; outputs on one that cannot are left out with it. */
static int span_live(const struct span *s)
{
    int from = 0, to = 0;
    for (int i = 0; i < s->nfroms; i++)
        from |= end_live(&s->froms[i]);
    for (int i = 0; i < s->ntos; i++)
        to |= end_live(&s->tos[i]);
    return from && to;
}

static int output_live(const struct output *o)
{
    if (o->on.span && !span_live(o->on.span))
        return 0;
    return !(o->where && o->where->is_const && !o->where->cval);
}

/* The pid filter of a kernel probe's use, when its block serves other tasks too. */
static struct bt_expr *task_guard(struct lower *L, const struct probe_block *pb, int any_task);

/* Span S's map TAG, at KEY (NULL: the whole map); KEY is taken over. */
static struct bt_expr *span_at(const struct span *s, const char *tag, struct bt_expr *key)
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

static void span_end(struct lower *L, const struct span *s, int to, struct probe_block *pb)
{
    const struct span_end *e = &s->tos[to];
    struct bt_block *b = pb->block;
    struct lctx X = { L, probe_attach(&e->on), b };
    struct bt_expr *guard = task_guard(L, pb, e->any_task);
    if (guard)
        bt_if(b, guard);
    if (e->where)
        bt_if(b, lv(&X, e->where));
    /* Typed first: bpftrace 0.23 cannot cast a value read from a map it has not typed yet. */
    declare(L, b, span_var(s, "START").s, u64_zero());
    declare(L, b, span_var(s, "DURATION").s, u64_zero());
    for (int i = 0; i < s->ncaptures; i++)
        declare(L, b, span_value_var(s, s->captures[i].name).s, value_zero(&s->captures[i].values[0]->type));
    for (int i = 0; i < s->ncounts; i++)
        declare(L, b, span_value_var(s, s->counts[i].name).s, u64_zero());
    struct bt_expr *k = lkeys(&X, e->keys, s->nkeys);
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
static void span_outputs(struct lower *L, const struct span *s, struct probe_block *pb)
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

static void span_count(struct lower *L, const struct span *s, const struct span_count *c, struct probe_block *pb)
{
    /* The key's statements (a fingerprint()'s reads) go in the counted probe's block. */
    struct lctx X = { L, probe_attach(&c->on), pb->block };
    struct bt_expr *guard = task_guard(L, pb, 0);
    struct bt_expr *k = lkeys(&X, c->keys, s->nkeys);
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
static void span_start(struct lower *L, const struct span *s, int from, struct probe_block *pb)
{
    const struct span_end *e = &s->froms[from];
    struct bt_block *b = pb->block;
    struct lctx X = { L, probe_attach(&e->on), b };
    struct bt_expr *cond = task_guard(L, pb, e->any_task);
    if (L->r->window.present && L->r->window.spans_inside)
        cond = bx_join(cond, "&&", window_is("==", 1));
    if (e->where)
        cond = bx_join(cond, "&&", lv(&X, e->where));
    if (cond)
        bt_if(b, cond);
    struct bt_expr *k = lkeys(&X, e->keys, s->nkeys);
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
        struct bt_expr *v = lv(&X, s->captures[i].values[from]);
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

static char *attach_text(struct lower *L, const struct probe_use *u)
{
    u = probe_attach(u);
    const char *path = L->opt->target_path;
    const char *name = u->probe ? u->probe->name : u->target_name;
    switch (u->kind) {
    case PK_USDT:
        return xasprintf("usdt:%s:%s:%s", path ? path : "", u->probe->provider, name);
    case PK_TRACEPOINT:
        return xasprintf("tracepoint:%s:%s", u->probe->provider, name);
    case PK_KPROBE:
        return xasprintf("kprobe:%s", name);
    case PK_KRETPROBE:
        return xasprintf("kretprobe:%s", name);
    case PK_UPROBE:
    case PK_URETPROBE:
        if (!path)
            path = L->opt->uprobe_path;
        if (!path) {
            diag_error(L->d, u->loc, "a uprobe needs the binary: compile with --target PATH or --pid PID");
            return xstrdup("BEGIN");
        }
        return xasprintf("%s:%s:%s", u->kind == PK_UPROBE ? "uprobe" : "uretprobe", path, name);
    }
    return xstrdup("BEGIN");
}

/* Kernel probes fire for every task: they are filtered to the traced process unless the
 * catalog says the event is not about a task of it (task: any, e.g. an upcall in softirq). */
static int kernel_probe(const struct probe_use *u)
{
    return u->kind == PK_TRACEPOINT || u->kind == PK_KPROBE || u->kind == PK_KRETPROBE;
}

static int probe_filtered(const struct probe_use *u)
{
    return kernel_probe(u) && !(u->probe && u->probe->any_task);
}

/* pid == N, or pid == $1 when the pid is bpftrace's first argument. */
static struct bt_expr *pid_test(struct lower *L)
{
    L->pid_arg |= !L->opt->pid;
    return bx_binary(bx_builtin("pid"), "==", L->opt->pid ? bx_int(L->opt->pid) : bx_var("$1"));
}

/* Does some use of probe U concern any task: a span end with `task: any`, or a window
 * trigger (a kernel trigger fires for whatever task hits it, as upstream kernel_delay's:
 * the packet that starts a window is processed in softirq, in any task's context)? */
static int any_task_use(const struct lower *L, const struct probe_use *u)
{
    const struct window *w = &L->r->window;
    if (w->present && ((w->has_start && probe_same(&w->start, u)) || (w->has_stop && probe_same(&w->stop, u))))
        return 1;
    for (int i = 0; i < L->r->nspans; i++) {
        const struct span *s = &L->r->spans[i];
        for (int j = 0; j < span_nends(s); j++) {
            const struct span_end *e = span_end_at(s, j);
            if (e->any_task && (e->on.probe || e->on.target_name) && probe_same(&e->on, u))
                return 1;
        }
    }
    return 0;
}

static struct probe_block *block_for(struct lower *L, struct vec *blocks, const struct probe_use *u)
{
    u = probe_attach(u);
    for (int i = 0; i < blocks->n; i++) {
        struct probe_block *pb = blocks->v[i];
        if (probe_same(pb->probe, u))
            return pb;
    }
    struct probe_block *pb = xcalloc(1, sizeof *pb);
    pb->probe = u;
    char *attach = attach_text(L, u);
    pb->block = bt_block_new(attach);
    pb->block->loc = u->loc;
    free(attach);
    /* -p filters USDT and uprobes to one process, but not kernel probes (before 0.24). */
    if (probe_filtered(u)) {
        pb->mixed = any_task_use(L, u);
        if (!pb->mixed)
            pb->block->pred = pid_test(L);
    } else if (!kernel_probe(u) && L->opt->target_path && L->opt->pid) {
        /* Attached by path, a probe fires in every process of that binary (a second
         * ovs-vswitchd, in another container): only the one asked for counts. */
        pb->block->pred = pid_test(L);
    }
    int other_tasks = pb->mixed || (kernel_probe(u) && !probe_filtered(u));
    L->other_tasks |= other_tasks;
    /* Run with -p (no path in the attach points), bpftrace 0.24 and later filter these too. */
    if (other_tasks && L->dl->pid_filters_all && !L->opt->target_path) {
        char v[32];
        diag_warn(L->d, u->loc, "bpftrace %s filters every probe by -p PID (0.24 and later): %s would see only the "
                  "traced process's own events, not the other tasks' this recipe needs; compile with --pid PID "
                  "(attached by path, no -p) or use ovstrace run, which does",
                  bt_version_text(L->dl->version, v, sizeof v), u->text);
    }
    vec_push(blocks, pb);
    return pb;
}

static struct bt_expr *task_guard(struct lower *L, const struct probe_block *pb, int any_task)
{
    return pb->mixed && !any_task ? pid_test(L) : NULL;
}

static int has_held_events(const struct lower *L)
{
    for (int i = 0; i < L->r->noutputs; i++)
        if (L->r->outputs[i].kind == OUT_EVENT && output_live(&L->r->outputs[i]) && held_event(L, &L->r->outputs[i]))
            return 1;
    return 0;
}

/* Print aggregates (a window's end, a periodic report, or the final one). */
static void report_lines(struct lower *L, struct bt_block *b, int reset)
{
    for (int i = 0; i < L->r->noutputs; i++) {
        const struct output *o = &L->r->outputs[i];
        if (o->kind != OUT_AGG || !output_live(o))
            continue;
        /* Under run, a table's title is printed by run, with the joined table. */
        if (o->title && !(o->table && L->opt->for_run))
            bt_print_text(b, "\n", o->title);
        bt_eval(b, bx_call("print", bx_mapf(NULL, "@%s", o->name)));
        if (reset)
            bt_eval(b, bx_call("clear", bx_mapf(NULL, "@%s", o->name)));
    }
    if (L->r->uses_threads && L->r->report_by_thread && L->opt->for_run)
        bt_eval(b, bx_call("print", bx_map("@_exited", NULL)));
    if (L->opt->for_run && (L->r->ntables || has_held_events(L)))
        bt_eval(b, bx_printf(OUTPUT_DUMP_END "\n", NULL))->text = xstrdup("run: the report is complete");
}

/* ------------------------------------------------------------------ windows
 *
 * A window's state is the global @_on: 0 armed (waiting for the start trigger), 1 open,
 * 2 closed and being reported, 3 done (the last of `count` windows reported). bpftrace
 * performs print() and clear() asynchronously, in user space, after the probe returns; a
 * window that reopened at once could lose its first events to the previous window's
 * clear(). So a closed window rests in state 2 for the interval (at least WINDOW_REST_MS)
 * and the timer reopens or re-arms it. exit() is asynchronous too: a busy bpftrace took
 * over a second to get to it, so after the last window the state stays 3, where nothing
 * reopens a window (END would report it as one more). */
#define WINDOW_REST_MS 20
#define WINDOW_TICK_MS 10

/* "# WHAT EXTRA @TIME": EXTRA_FMT printing EXTRA (taken over; NULL: none), then $now's time. */
static void stamp(struct bt_block *b, const char *what, const char *extra_fmt, struct bt_expr *extra)
{
    char fmt[128];
    snprintf(fmt, sizeof fmt, "# %s%s @%%s\n", what, extra_fmt);
    struct bt_expr *args = bx_list(0);
    if (extra)
        bx_list_add(args, extra);
    bx_list_add(args, bx_call("strftime", bx_list(2, bx_str("%Y-%m-%dT%H:%M:%S.%f"), bx_var("$now"))));
    bt_eval(b, bx_printf(fmt, args));
}

/* clear(MAP) */
static void clear_map(struct bt_block *b, const char *map)
{
    bt_eval(b, bx_call("clear", bx_map(map, NULL)));
}

/* Forget every started span: with `spans: inside` a span counts only if it starts in the window. */
static void clear_spans(struct lower *L, struct bt_block *b)
{
    for (int i = 0; i < L->r->nspans; i++) {
        const struct span *s = &L->r->spans[i];
        if (!span_live(s))
            continue;
        clear_map(b, span_map(s, "START").s);
        if (s->slots) {
            clear_map(b, span_map(s, "RING").s);
            bt_delete(b, span_at(s, "N", NULL));
        }
        if (s->queue) {
            clear_map(b, span_map(s, "HEAD").s);
            clear_map(b, span_map(s, "TAIL").s);
        }
        for (int j = 0; j < s->ncaptures; j++)
            clear_map(b, span_value_map(s, s->captures[j].name).s);
        for (int j = 0; j < s->ncounts; j++)
            clear_map(b, span_value_map(s, s->counts[j].name).s);
    }
}

static void clear_aggregates(struct lower *L, struct bt_block *b)
{
    for (int i = 0; i < L->r->noutputs; i++)
        if (L->r->outputs[i].kind == OUT_AGG && output_live(&L->r->outputs[i]))
            bt_eval(b, bx_call("clear", bx_mapf(NULL, "@%s", L->r->outputs[i].name)));
}

/* MAP = VALUE, MAP a map without key. */
static void set_map(struct bt_block *b, const char *map, struct bt_expr *value)
{
    bt_assign(b, bx_map(map, NULL), value);
}

/* Enter window STATE (1 open, 2 closed) at one clock reading, kept in TIME_MAP, and say so.
 * Window lines read the clock once: each nsecs is a new reading, and the delta printed
 * must equal the difference of the trigger times printed. */
static void window_enter(struct bt_block *b, int state, const char *time_map, const char *what, int triggered)
{
    bt_assign(b, bx_var("$now"), bx_builtin("nsecs"));
    set_map(b, "@_on", bx_int(state));
    set_map(b, time_map, bx_var("$now"));
    if (triggered)
        stamp(b, what, " (trigger@%llu)", bx_var("$now"));
    else
        stamp(b, what, "", NULL);
}

static void window_open(struct bt_block *b, int triggered)
{
    window_enter(b, 1, "@_win_start", "Start sampling", triggered);
}

/* Report the closing window's aggregates, count it, and end the run after `count` windows;
 * the dump's line says DELTA (taken over; NULL: none). */
static void window_report(struct lower *L, struct bt_block *b, const char *dump_fmt, struct bt_expr *delta)
{
    stamp(b, dump_fmt, delta ? " %llu ns" : "", delta);
    report_lines(L, b, 1);
    map_step(b, "@_windows", 0);
    if (L->r->window.count > 0) {
        bt_if(b, bx_binary(bx_map("@_windows", NULL), ">=", bx_int(L->r->window.count)));
        set_map(b, "@_on", bx_int(3));
        bt_eval(b, bx_call("exit", NULL));
        bt_end(b);
    }
}

static void window_close(struct lower *L, struct bt_block *b, int by_trigger)
{
    const struct window *w = &L->r->window;
    window_enter(b, 2, "@_win_end", "Stop sampling", by_trigger);
    if (by_trigger && w->has_start) {
        /* Both triggers: the stop-start delta decides whether the window is reported. */
        bt_assign(b, bx_var("$delta"), bx_usub(bx_var("$now"), bx_map("@_win_start", NULL)));
        if (!w->min_delta_ns) {
            window_report(L, b, "Triggered sample dump, stop-start delta", bx_var("$delta"));
            return;
        }
        bt_if(b, bx_binary(bx_var("$delta"), ">=", bx_uint(w->min_delta_ns)));
        window_report(L, b, "Triggered sample dump, stop-start delta", bx_var("$delta"));
        bt_else(b);
        stamp(b, "Sample dump skipped, delta", " %llu ns", bx_var("$delta"));
        clear_aggregates(L, b);
        bt_end(b);
    } else {
        window_report(L, b, "Sample dump", NULL);
    }
}

/* @_on == STATE && nsecs - TIME_MAP >= NS: the window has been in that state that long. */
static struct bt_expr *window_for(int state, const char *time_map, uint64_t ns)
{
    struct bt_expr *since = bx_usub(bx_builtin("nsecs"), bx_map(time_map, NULL));
    return bx_binary(window_is("==", state), "&&", bx_binary(since, ">=", bx_uint(ns)));
}

static void lower_window(struct lower *L, struct vec *blocks)
{
    const struct window *w = &L->r->window;
    if (!w->present)
        return;
    if (w->has_start) {
        /* Triggers are any-task uses (any_task_use): no pid guard. */
        struct probe_block *pb = block_for(L, blocks, &w->start);
        bt_if(pb->block, window_is("==", 0));
        window_open(pb->block, 1);
        bt_else_if(pb->block, window_is("!=", 3));
        map_step(pb->block, "@_missed", 0);
        bt_end(pb->block);
        struct strbuf m = { 0 };
        sb_printf(&m, "# Waiting for the start trigger, %s", w->start.text[0] == '$' ? "" : w->start.text);
        if (w->start.text[0] == '$') {
            const struct param *p = recipe_param((struct recipe *)L->r, w->start.text + 1);
            sb_add(&m, p && p->sval ? p->sval : w->start.text);
        }
        bt_print_text(L->P->begin, "", m.s);
        sb_free(&m);
    } else {
        window_open(L->P->begin, 0);
    }
    if (w->has_stop) {
        struct probe_block *pb = block_for(L, blocks, &w->stop);
        bt_if(pb->block, window_is("==", 1));
        window_close(L, pb->block, 1);
        bt_end(pb->block);
    }
    char tick[32];
    snprintf(tick, sizeof tick, "interval:ms:%d", WINDOW_TICK_MS);
    struct bt_block *t = bt_block_new(tick);
    if (!w->has_stop && w->time_ns) {
        bt_if(t, window_for(1, "@_win_start", w->time_ns));
        window_close(L, t, 0);
        bt_end(t);
    }
    uint64_t rest = w->interval_ns > WINDOW_REST_MS * 1000000ull ? w->interval_ns : WINDOW_REST_MS * 1000000ull;
    bt_if(t, window_for(2, "@_win_end", rest));
    if (w->has_start)
        set_map(t, "@_on", bx_int(0));
    else
        window_open(t, 0);
    bt_end(t);
    vec_push(&L->P->timers, t);
}

/* The argument of catalog probe P that points at a struct with field NAME, or NULL. */
static const struct cat_arg *arg_with_field(const struct lower *L, const struct cat_probe *p, const char *name)
{
    for (int i = 0; i < p->nargs; i++) {
        const struct cat_struct *s = p->args[i].type.kind == T_STRUCT_PTR ? catalog_struct(L->cat, p->args[i].type.ref)
                                                                          : NULL;
        if (s && catalog_field(s, name))
            return &p->args[i];
    }
    return NULL;
}

/* In a probe that ends flows (flow_end in the catalog: result == delete), drop the deleted
 * flow from every watch list keyed by UFID, last in the block: the lists then hold live
 * flows only. Adds each list it prunes to PRUNED. */
static void forget_ended_flows(struct lower *L, struct probe_block *pb, struct vec *pruned)
{
    const struct cat_probe *p = pb->probe->probe;
    const struct cat_arg *result = p && p->flow_end ? cat_probe_arg(p, p->flow_end) : NULL;
    const struct cat_enum *en = result ? catalog_enum(L->cat, result->type.ref) : NULL;
    const struct cat_enum_value *del = en ? catalog_enum_lookup(en, "delete") : NULL;
    if (!del)
        return;
    for (int i = 0; i < L->watches.n; i++) {
        const struct watch *w = L->watches.v[i];
        const struct cat_arg *holder = arg_with_field(L, p, w->id);
        const struct cat_struct *s = holder ? catalog_struct(L->cat, holder->type.ref) : NULL;
        const struct cat_field *f = s ? catalog_field(s, w->id) : NULL;
        if (!f || !is_ufid(&f->type))
            continue;
        struct bt_expr *ufid = bx_member(pointer_arg(pb->block, holder->type.ref, holder->index), "->", f->name);
        struct bt_expr *k = ufid_words(ufid, f->type.kind == T_UFID_PTR);
        struct bt_expr *deleted = bx_binary(bx_cast("uint32", arg_ref(pb->block, result->index), 0), "==",
                                            bx_int(del->value));
        vec_add_unique(&L->fields, f);
        use_type(L, &holder->type);
        L->need_u128 = 1;
        bt_comment(pb->block, "the flow is deleted: it leaves watch list %s", w->name);
        struct bt_expr *listed = bx_binary(bx_map(watch_map(w, "WATCH").s, bx_ref(k)), "!=", bx_int(0));
        bt_if(pb->block, bx_binary(deleted, "&&", listed));
        bt_delete(pb->block, bx_map(watch_map(w, "WATCH").s, k));
        map_step(pb->block, watch_map(w, "WATCH_N").s, 1);
        bt_end(pb->block);
        vec_add_unique(pruned, w);
    }
}

/* A watch list no probe of the recipe prunes only fills up: say so, naming the probes that
 * would (the catalog's flow_end probes). */
static void warn_unpruned(struct lower *L, const struct vec *pruned)
{
    for (int i = 0; i < L->watches.n; i++) {
        const struct watch *w = L->watches.v[i];
        int done = 0;
        for (int j = 0; j < pruned->n; j++)
            done |= pruned->v[j] == w;
        if (done)
            continue;
        struct strbuf enders = { 0 };
        for (int j = 0; j < L->cat->nprobes; j++)
            if (L->cat->probes[j].flow_end)
                sb_printf(&enders, "%s%s", enders.len ? " or " : "", L->cat->probes[j].spec);
        diag_warn(L->d, w->loc, "watch list '%s' is never pruned: no probe of this recipe ends its entries (a "
                  "flow's deletion at %s); it fills to its capacity, %lld, and later entries are decided at every "
                  "event", w->name, enders.s ? enders.s : "no catalog probe", (long long)w->cap);
        sb_free(&enders);
    }
}

/* A block's string variables and its biggest statement must fit the stack together. */
static void check_block_stack(struct lower *L, const struct probe_block *pb)
{
    const struct stack_budget *sb = &pb->block->stack;
    if (getenv("OVSTRACE_STACK_DEBUG"))    /* for measuring the model (tests/limits/README.md) */
        fprintf(stderr, "stack %s %d vars %d temp %d peak %d piled %d\n", pb->probe->text, stack_budget_total(sb),
                sb->vars, sb->vars_temp, sb->peak, sb->piled);
    if (stack_budget_total(sb) <= STACK_MAX || sb->peak > STACK_MAX)
        return;    /* it fits, or its biggest statement alone did not and was reported */
    char v[32];
    if (sb->piled) {
        diag_error(L->d, sb->piled_loc, "probe %s needs %d bytes of BPF stack and bpftrace %s has room for %d: its %d "
                   "events of up to %d bytes of columns each keep room of their own there (bpftrace's on_stack_limit), "
                   "%d in all, beside %d for the rest: print fewer events or columns on this probe", pb->probe->text,
                   stack_budget_total(sb), bt_version_text(L->opt->bpftrace, v, sizeof v), STACK_MAX, sb->npiled,
                   sb->piled_max, sb->piled, stack_budget_total(sb) - sb->piled);
        return;
    }
    diag_error(L->d, sb->peak ? sb->peak_loc : sb->vars_loc,
               "probe %s needs %d bytes of BPF stack and bpftrace %s has room for %d: %s takes %d while %s "
               "keep %d (and %d to read them): print or capture fewer strings", pb->probe->text,
               stack_budget_total(sb), bt_scopes_variables(L->opt->bpftrace) ? "0.21 and later" : "0.17", STACK_MAX,
               sb->peak_what ? sb->peak_what : "its biggest statement", sb->peak,
               sb->vars_what, sb->vars, sb->vars_temp);
}

static void lower_blocks(struct lower *L)
{
    const struct recipe *r = L->r;
    struct vec blocks = { 0 };
    /* Phase order inside a block: span ends, outputs, counters, span starts. */
    for (int i = 0; i < r->nspans; i++)
        for (int j = 0; j < r->spans[i].ntos && span_live(&r->spans[i]); j++)
            if (end_live(&r->spans[i].tos[j]))
                span_end(L, &r->spans[i], j, block_for(L, &blocks, &r->spans[i].tos[j].on));
    for (int i = 0; i < blocks.n; i++) {
        struct probe_block *pb = blocks.v[i];
        for (int j = 0; j < pb->ended.n; j++)
            span_outputs(L, pb->ended.v[j], pb);
    }
    for (int i = 0; i < r->noutputs; i++) {
        const struct output *o = &r->outputs[i];
        if (o->on.span || !output_live(o))
            continue;
        struct probe_block *pb = block_for(L, &blocks, &o->on);
        struct bt_expr *guard = task_guard(L, pb, 0);
        if (guard)
            bt_if(pb->block, guard);
        lower_output(L, o, probe_attach(&o->on), pb->block);
        if (guard)
            bt_end(pb->block);
    }
    for (int i = 0; i < r->nspans; i++)
        for (int j = 0; j < r->spans[i].ncounts && span_live(&r->spans[i]); j++)
            span_count(L, &r->spans[i], &r->spans[i].counts[j], block_for(L, &blocks, &r->spans[i].counts[j].on));
    for (int i = 0; i < r->nspans; i++)
        for (int j = 0; j < r->spans[i].nfroms && span_live(&r->spans[i]); j++)
            if (end_live(&r->spans[i].froms[j]))
                span_start(L, &r->spans[i], j, block_for(L, &blocks, &r->spans[i].froms[j].on));
    lower_window(L, &blocks);
    struct vec pruned = { 0 };
    for (int i = 0; i < blocks.n; i++)
        forget_ended_flows(L, blocks.v[i], &pruned);
    warn_unpruned(L, &pruned);
    vec_free(&pruned);
    for (int i = 0; i < blocks.n; i++) {
        struct probe_block *pb = blocks.v[i];
        check_block_stack(L, pb);
        vec_push(&L->P->blocks, pb->block);
        vec_free(&pb->ended);
        free(pb);
    }
    vec_free(&blocks);
}

/* ------------------------------------------------------------ BEGIN / END */

static int same_columns(const struct output *a, const struct output *b)
{
    if (a->ncols != b->ncols)
        return 0;
    for (int i = 0; i < a->ncols; i++)
        if (strcmp(a->cols[i].name, b->cols[i].name) != 0 || column_shown(&a->cols[i]) != column_shown(&b->cols[i]))
            return 0;
    /* A titled or held event has its own header. */
    return !a->title && !b->title && !a->after_report && !b->after_report;
}

static void lower_begin(struct lower *L)
{
    const struct recipe *r = L->r;
    struct bt_block *b = L->P->begin;
    struct strbuf banner = { 0 };
    sb_printf(&banner, "Tracing %s: %s Hit Ctrl-C to end.", r->name, r->summary);
    bt_print_text(b, "", banner.s);
    sb_free(&banner);
    const struct output *shown[16];
    int nshown = 0;
    for (int i = 0; i < r->noutputs; i++) {
        const struct output *o = &r->outputs[i];
        if (o->kind != OUT_EVENT || !output_live(o))
            continue;
        int dup = 0;
        for (int j = 0; j < nshown; j++)
            dup |= same_columns(shown[j], o);
        if (dup || nshown == 16)
            continue;
        shown[nshown++] = o;
        event_header(L, o);
    }
}

static void lower_enums(struct lower *L)
{
    for (int i = 0; i < L->enums.n; i++) {
        const struct cat_enum *en = L->enums.v[i];
        for (int j = 0; j < en->nvalues; j++) {
            /* Enum names are printed by a map lookup: cheaper than a chain of ifs. */
            const char *name = en->values[j].text ? en->values[j].text : en->values[j].name;
            bt_assign(L->P->begin, bx_mapf(bx_int(en->values[j].value), "@_enum_%s", en->name), bx_str(name));
        }
    }
}

static void lower_end(struct lower *L)
{
    const struct recipe *r = L->r;
    struct bt_block *b = L->P->end;
    if (r->window.present) {
        /* Ctrl-C or the target's exit ends an open window: it is reported like any other. */
        bt_if(b, window_is("==", 1));
        bt_assign(b, bx_var("$now"), bx_builtin("nsecs"));
        stamp(b, "Stop sampling", "", NULL);
        stamp(b, "Sample dump", "", NULL);
        report_lines(L, b, 0);
        bt_end(b);
        if (r->window.has_start) {
            bt_if(b, bx_binary(bx_map("@_missed", NULL), ">", bx_int(0)));
            bt_eval(b, bx_printf("\n# WARNING: %d start triggers came while a window was open or being reported; "
                                 "they were ignored\n", bx_list(1, bx_map("@_missed", NULL))));
            bt_end(b);
        }
    } else {
        report_lines(L, b, 0);
    }
    /* Clear everything, so bpftrace's automatic dump at exit prints nothing twice. */
    clear_aggregates(L, b);
    clear_spans(L, b);
    if (r->uses_threads)
        clear_map(b, "@_threads");
    if (r->uses_threads && r->report_by_thread && L->opt->for_run)
        clear_map(b, "@_exited");
    for (int i = 0; i < L->enums.n; i++)
        bt_eval(b, bx_call("clear", bx_mapf(NULL, "@_enum_%s", ((const struct cat_enum *)L->enums.v[i])->name)));
    for (int i = 0; i < L->watches.n; i++) {
        const struct watch *w = L->watches.v[i];
        const char *full = watch_map(w, "WATCH_FULL").s;
        bt_if(b, bx_binary(bx_map(full, NULL), ">", bx_int(0)));
        char fmt[160];
        snprintf(fmt, sizeof fmt, "\nwatch list %s was full (%lld entries) %%d times; those were decided again\n",
                 w->name, (long long)w->cap);
        bt_eval(b, bx_printf(fmt, bx_list(1, bx_map(full, NULL))));
        bt_end(b);
        clear_map(b, watch_map(w, "WATCH").s);
        bt_delete(b, bx_map(watch_map(w, "WATCH_N").s, NULL));
        bt_delete(b, bx_map(full, NULL));
    }
    static const char *const window_maps[] = { "@_on", "@_windows", "@_win_start", "@_win_end", "@_missed" };
    for (int i = 0; r->window.present && i < 5; i++)
        if (i < 4 || r->window.has_start)
            bt_delete(b, bx_map(window_maps[i], NULL));
}

/* A block of the thread set's upkeep: a kernel probe in the traced process's tasks. */
static struct bt_block *thread_block(struct lower *L, const char *attach)
{
    struct bt_block *b = bt_block_new(attach);
    b->pred = pid_test(L);
    vec_push(&L->P->blocks, b);
    return b;
}

/* @_threads[(uint64)TID], TID taken over. */
static struct bt_expr *thread_entry(struct bt_expr *tid)
{
    return bx_map("@_threads", bx_cast("uint64", tid, 0));
}

/* TID is one of the traced process's threads. */
static void thread_known(struct bt_block *b, struct bt_expr *tid)
{
    bt_assign(b, thread_entry(tid), bx_int(1));
}

/* The traced process's threads, for thread(X): known at compile time when the pid is
 * (listed from /proc in BEGIN), else learnt as each thread is first switched out. New
 * threads join when created, and leave when they exit. */
static void lower_threads(struct lower *L)
{
    if (!L->r->uses_threads)
        return;
    struct bt_block *b = L->P->begin;
    if (L->opt->pid) {
        int *tids = NULL;
        int n = proc_threads(L->opt->pid, &tids);
        for (int i = 0; i < n; i++)
            thread_known(b, bx_int(tids[i]));
        free(tids);
        if (n <= 0)
            thread_known(b, bx_int(L->opt->pid));
    } else {
        thread_known(b, bx_var("$1"));
        L->pid_arg = 1;
        struct bt_block *learn = thread_block(L, "tracepoint:sched:sched_switch");
        bt_comment(learn, "a thread of the traced process that runs is one of its threads");
        thread_known(learn, bx_builtin("tid"));
    }
    struct bt_block *born = thread_block(L, "tracepoint:task:task_newtask");
    bt_comment(born, "CLONE_THREAD: a thread, not a child process");
    bt_if(born, bx_binary(bx_tp_field("clone_flags"), "&", bx_hex(0x10000, 1)));
    thread_known(born, bx_tp_field("pid"));
    bt_end(born);
    struct bt_block *gone = thread_block(L, "tracepoint:sched:sched_process_exit");
    bt_delete(gone, thread_entry(bx_builtin("tid")));
    if (L->opt->for_run && L->r->report_by_thread) {
        bt_comment(gone, "run names threads from /proc, where an exited one is gone: keep its name");
        bt_assign(gone, bx_map("@_exited", bx_builtin("tid")), bx_builtin("comm"));
    }
}

static void lower_report_timer(struct lower *L)
{
    if (!L->r->report_every_ns)
        return;
    uint64_t ms = L->r->report_every_ns / 1000000;
    char *attach = ms % 1000 == 0 ? xasprintf("interval:s:%llu", (unsigned long long)(ms / 1000))
                                  : xasprintf("interval:ms:%llu", (unsigned long long)ms);
    struct bt_block *t = bt_block_new(attach);
    free(attach);
    bt_eval(t, bx_call("time", bx_str("%H:%M:%S\n")));
    report_lines(L, t, L->r->report_reset);
    vec_push(&L->P->timers, t);
}

static void collect_all(struct lower *L)
{
    const struct recipe *r = L->r;
    for (int i = 0; i < r->nspans; i++) {
        const struct span *s = &r->spans[i];
        for (int j = 0; j < span_nends(s); j++) {
            const struct span_end *e = span_end_at(s, j);
            for (int k = 0; k < s->nkeys; k++)
                collect(L, e->keys[k]);
            collect(L, e->where);
            for (int c = 0; c < s->ncaptures && j < s->nfroms; c++)
                collect(L, s->captures[c].values[j]);
        }
        for (int k = 0; k < s->nkeys; k++)
            for (int c = 0; c < s->ncounts; c++)
                if (s->counts[c].keys)
                    collect(L, s->counts[c].keys[k]);
    }
    for (int i = 0; i < r->noutputs; i++) {
        const struct output *o = &r->outputs[i];
        if (!output_live(o))
            continue;
        collect(L, o->where);
        collect(L, o->value);
        for (int c = 0; c < o->ncols; c++)
            if (column_shown(&o->cols[c]))
                collect(L, o->cols[c].value);
        for (int c = 0; c < o->nby; c++)
            collect(L, o->by[c]);
    }
}

static void lower_header(struct lower *L)
{
    const struct recipe *r = L->r;
    struct vec *h = &L->P->header;
    vec_push(h, xasprintf("%s: %s", r->name, r->summary));
    vec_push(h, xasprintf("Generated by ovstrace %s from %s; edit the recipe, not this script.", OVSTRACE_VERSION,
                          L->opt->recipe_file));
    struct strbuf p = { 0 };
    for (int i = 0; i < r->nparams; i++) {
        char *v = param_value_text(&r->params[i]);
        sb_printf(&p, "%s%s=%s", i ? " " : "", r->params[i].name, v);
        free(v);
    }
    vec_push(h, xasprintf("Parameters: %s", r->nparams ? p.s : "(none)"));
    sb_free(&p);
    char v[32];
    vec_push(h, xasprintf("For bpftrace %s (this form suits %s); ovstrace compile --bpftrace-version X.Y targets "
                          "another.", bt_version_text(L->opt->bpftrace, v, sizeof v), bt_dialect_range(L->opt->bpftrace)));
    if (L->opt->needs_ovs)
        vec_push(h, xasprintf("Needs Open vSwitch %s or later, built with --enable-usdt-probes.", L->opt->needs_ovs));
    if (L->opt->layouts)
        vec_push(h, xasprintf("Layouts: %s.", L->opt->layouts));
    else if (L->structs.n)
        vec_push(h, xasprintf("Layouts: bundled struct layouts of Open vSwitch %s (x86_64); compile --target BINARY "
                              "or --layouts X.Y for another release.", L->cat->layouts_release));
    for (int i = 0; i < r->nwatches; i++)
        if (r->watches[i].used)
            vec_push(h, xasprintf("Watch list %s: up to %lld entries by %s, each dropped when its flow is deleted.",
                                  r->watches[i].name, (long long)r->watches[i].cap, r->watches[i].id));
    if (r->event_buffer_pages)
        vec_push(h, xasprintf("Event buffer: %llu pages over all CPUs; bpftrace's are per CPU (BPFTRACE_PERF_RB_PAGES, "
                              "64 by default): ovstrace run sets it to %llu/CPUs, rounded up to a power of two, at least 64.",
                              (unsigned long long)r->event_buffer_pages, (unsigned long long)r->event_buffer_pages));
    if (recipe_map_keys_max(r) && !L->dl->config_block)
        vec_push(h, xasprintf("Needs BPFTRACE_MAP_KEYS_MAX=%ld in bpftrace's environment (ovstrace run sets it).",
                              recipe_map_keys_max(r)));
    if (L->opt->target_path)
        vec_push(h, xasprintf("Attaches to %s.", L->opt->target_path));
    else if (L->other_tasks && L->dl->pid_filters_all)
        vec_push(h, xasprintf("Run: ovstrace compile %s --pid $(pidof ovs-vswitchd) | bpftrace - (not -p: from 0.24 "
                              "it hides the other tasks' events from kernel probes)", r->name));
    else
        vec_push(h, xasprintf("Run: ovstrace compile %s | bpftrace -p $(pidof ovs-vswitchd) -%s", r->name,
                              L->pid_arg ? " $(pidof ovs-vswitchd)" : ""));
}

/* bpftrace's settings, in the script where the version has a config block: no ".." after a
 * string that fills its buffer (text is printed in 63-byte pieces, bt_print_text); watch
 * lists past the default map size. Before 0.24.1, bpftrace sized its scratch buffer for a
 * large map key wrongly when several aggregations share the key (kernel_delay's interrupt
 * tables on 0.23: "invalid access to map value"): short strings and keys up to 128 bytes kept
 * on the stack avoid it. 68 bytes, as buf() holds 4 bytes less than max_strlen there: with
 * 64, 0.23 printed 60 of each 64-byte piece of a flow key or netlink message. (From 0.24 on,
 * 64 is too short for bpftrace's own error texts: "String is too long" in its stdlib.) */
static void lower_config(struct lower *L)
{
    if (!L->dl->config_block)
        return;    /* 0.17 to 0.20: ovstrace run sets BPFTRACE_* in bpftrace's environment */
    vec_push(&L->P->config, xstrdup("str_trunc_trailer = \"\""));
    /* A probe that is not there stops bpftrace instead of being left out (0.27's default; 0.17
     * and 0.23 leave a USDT probe missing under -p out whatever this says: `ovstrace check` and
     * `run` refuse one before bpftrace starts, on every version). */
    vec_push(&L->P->config, xstrdup("missing_probes = \"error\""));
    if (L->dl->small_strings) {
        vec_push(&L->P->config, xstrdup("max_strlen = 68"));
        vec_push(&L->P->config, xasprintf("on_stack_limit = %d", L->dl->on_stack_limit));
    }
    if (recipe_map_keys_max(L->r))
        vec_push(&L->P->config, xasprintf("max_map_keys = %ld", recipe_map_keys_max(L->r)));
}

struct bt_program *lower_recipe(const struct recipe *r, const struct catalog *cat, const struct lower_options *opt,
                                struct diag *d)
{
    struct lower L = { .r = r, .cat = cat, .opt = opt, .d = d, .P = bt_program_new() };
    L.P->dialect = bt_dialect_of(opt->bpftrace);
    L.dl = &L.P->dialect;
    collect_all(&L);
    lower_begin(&L);
    lower_blocks(&L);
    lower_threads(&L);
    lower_report_timer(&L);
    lower_end(&L);
    lower_enums(&L);
    lower_header(&L);    /* last: it says what the script turned out to need */
    lower_config(&L);
    emit_structs(&L);
    vec_free(&L.structs);
    vec_free(&L.fields);
    vec_free(&L.enums);
    memo_truncate(&L, 0);
    vec_free(&L.walks);
    vec_free(&L.watches);
    if (d->errors) {
        bt_program_free(L.P);
        return NULL;
    }
    return L.P;
}
