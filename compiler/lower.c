// SPDX-License-Identifier: Apache-2.0
// Lower pass: a checked recipe in, a bpftrace program out. One block per probe:
// first the spans that end there (their values become $NAME_* variables), then
// the outputs on that probe, then span counters, then the spans that start there.
#include "lower.h"
#include "gen_names.h"
#include "layouts.h"
#include "odp_lower.h"
#include "params.h"
#include "run_render.h"    /* the held-event tags and their bound, shared with run */
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
    char pid_pred[32];       /* "pid == N", or "pid == $1" when the pid is bpftrace's first argument */
    int pid_arg;             /* the script reads $1: run it as bpftrace -p PID - PID */
    int other_tasks;         /* a kernel probe sees other tasks than the traced process's */
};

struct walk_memo {
    const struct bt_block *block;
    char *key;
    const void *param;
    char *result;            /* the expression that holds the decision */
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

static void lv(struct lctx *X, const struct expr *e, struct strbuf *o);
static char *lv_text(struct lctx *X, const struct expr *e);
static void lmatch(struct lctx *X, const struct expr *e, struct strbuf *o);
static void lwatched(struct lctx *X, const struct expr *e, struct strbuf *o);
static void lfingerprint(struct lctx *X, const struct expr *e, struct strbuf *o);

static int span_live(const struct span *s);

/* Argument N of block B's probe: "$argN", read once at the block's start (emit.c, emit_prologue). */
static void arg_ref(struct bt_block *b, int n, struct strbuf *o)
{
    b->args_read |= 1u << n;
    sb_printf(o, "$arg%d", n);
}

/* A tracepoint's integer field NAME: "$tp_NAME", likewise read once at the start. */
static void field_ref(struct bt_block *b, const char *name, struct strbuf *o)
{
    if (!vec_has_string(&b->fields_read, name))
        vec_push(&b->fields_read, xstrdup(name));
    sb_printf(o, "$tp_%s", name);
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
static void data_loc_ref(struct bt_block *b, const struct cat_probe *p, const char *name, struct strbuf *o)
{
    const char *first = name;
    for (int i = 0; i < p->nargs; i++)
        if (p->args[i].type.kind == T_DLSTR) {
            first = p->args[i].name;
            break;
        }
    sb_add(o, "((uint64)");
    field_ref(b, first, o);
    sb_printf(o, " - 3 * offsetof(struct trace_event_raw_%s, __data)", p->name);
    if (strcmp(first, name) != 0) {
        sb_add(o, " + (uint64)(");
        field_ref(b, name, o);
        sb_add(o, " - ");
        field_ref(b, first, o);
        sb_add(o, ") / 4");
    }
    sb_addc(o, ')');
}

static void lref(struct lctx *X, const struct expr *e, struct strbuf *o)
{
    const struct type *t = &e->type;
    switch (e->ref) {
    case REF_ARG:
        if (X->probe->probe && cat_probe_arg(X->probe->probe, e->name) &&
            cat_probe_arg(X->probe->probe, e->name)->bpftrace) {
            /* A derived argument (catalog text, never a recipe's). */
            sb_printf(o, "(%s)", cat_probe_arg(X->probe->probe, e->name)->bpftrace);
        } else if (X->probe->kind == PK_TRACEPOINT && type_is_integer(t)) {
            field_ref(X->pre, e->name, o);
        } else if (X->probe->kind == PK_TRACEPOINT && t->kind == T_DLSTR && X->probe->probe &&
                   X->L->dl->misreads_data_loc) {
            data_loc_ref(X->pre, X->probe->probe, e->name, o);
        } else if (X->probe->kind == PK_TRACEPOINT) {
            sb_printf(o, "%s%s", X->L->dl->tp_field, e->name);
        } else if (X->probe->kind == PK_KRETPROBE || X->probe->kind == PK_URETPROBE) {
            sb_add(o, "retval");
        } else if (t->kind == T_STRUCT_PTR) {
            sb_printf(o, "((struct %s *)", t->ref);
            arg_ref(X->pre, e->index, o);
            sb_addc(o, ')');
        } else if (t->kind == T_UFID_PTR) {
            sb_add(o, "((struct ovs_u128 *)");
            arg_ref(X->pre, e->index, o);
            sb_addc(o, ')');
        } else if ((type_is_integer(t) || t->kind == T_IPV4) && t->size && t->size < 8) {
            /* USDT arguments narrower than a register carry garbage above them. */
            sb_printf(o, "(%sint%d)", t->is_signed ? "" : "u", t->size * 8);
            arg_ref(X->pre, e->index, o);
        } else {
            arg_ref(X->pre, e->index, o);
        }
        break;
    case REF_FIELD: {
        const struct expr *l = e->lhs;
        lref(X, l, o);
        sb_printf(o, "%s%s", l->type.kind == T_STRUCT_PTR ? "->" : ".", e->name);
        break;
    }
    case REF_BUILTIN:
        sb_add(o, e->builtin);
        break;
    case REF_SPAN:
        if (!span_live(e->span))
            sb_add(o, type_is_string(t) ? "\"\"" : "0");    /* never starts or ends with these parameters */
        else if (e->index == -1)
            sb_add(o, span_var(e->span, "DURATION").s);
        else if (e->index == -2)
            sb_add(o, span_var(e->span, "START").s);
        else if (e->index < e->span->ncaptures)
            sb_add(o, span_value_var(e->span, e->span->captures[e->index].name).s);
        else
            sb_add(o, span_value_var(e->span, e->span->counts[e->index - e->span->ncaptures].name).s);
        break;
    default:
        lv(X, e, o);
    }
}

static void lconst(struct lctx *X, const struct expr *e, struct strbuf *o)
{
    if (e->type.kind == T_STR && e->cstr && strlen(e->cstr) > BT_STRING_MAX)
        diag_error(X->L->d, e->loc, "a string of %zu bytes: bpftrace 0.17 takes string literals of at most %d",
                   strlen(e->cstr), BT_STRING_MAX);
    if (e->type.kind == T_STR)
        bt_quote(o, e->cstr ? e->cstr : "");
    else if (e->type.kind == T_IPV4)
        sb_printf(o, "0x%08llx", (unsigned long long)(uint32_t)e->cval);
    else
        sb_printf(o, "%lld", (long long)e->cval);
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

static void lbinary(struct lctx *X, const struct expr *e, struct strbuf *o)
{
    const struct expr *l = e->lhs, *r = e->rhs;
    /* true && x and false || x are x: parameters often make one side constant. */
    int neutral = e->op == OP_AND ? 1 : 0;
    if ((e->op == OP_AND || e->op == OP_OR) && (l->is_const || r->is_const)) {
        const struct expr *c = l->is_const ? l : r, *other = c == l ? r : l;
        if (!!c->cval == neutral) {
            lv(X, other, o);
            return;
        }
    }
    if (l->type.kind == T_MAC || r->type.kind == T_MAC) {
        const struct expr *lit = l->kind == E_MAC ? l : r, *f = lit == l ? r : l;
        sb_add(o, e->op == OP_EQ ? "(" : "!(");
        for (int i = 0; i < 6; i++) {
            sb_add(o, i ? " && " : "");
            lref(X, f, o);
            sb_printf(o, "[%d] == 0x%02x", i, lit->addr[i]);
        }
        sb_add(o, ")");
        return;
    }
    const struct expr *lit = l->is_const && l->type.kind == T_STR ? l : r->is_const && r->type.kind == T_STR ? r : NULL;
    if ((e->op == OP_EQ || e->op == OP_NE) && lit && lit->cstr) {
        struct strbuf a = { 0 }, b = { 0 };
        lv(X, l, &a);
        lv(X, r, &b);
        char *cmp = bt_str_compare(X->L->dl, e->op == OP_EQ, a.s, b.s, lit == l, strlen(lit->cstr));
        sb_add(o, cmp);
        free(cmp);
        sb_free(&a);
        sb_free(&b);
        return;
    }
    if (e->op == OP_SUB && !value_signed(l) && !value_signed(r)) {
        struct strbuf a = { 0 }, b = { 0 };
        lv(X, l, &a);
        lv(X, r, &b);
        char *diff = bt_usub(X->L->dl, a.s, b.s);
        sb_printf(o, "(%s)", diff);
        free(diff);
        sb_free(&a);
        sb_free(&b);
        return;
    }
    sb_addc(o, '(');
    lv(X, l, o);
    sb_printf(o, " %s ", expr_op_text(e->op));
    lv(X, r, o);
    sb_addc(o, ')');
}

static void lv(struct lctx *X, const struct expr *e, struct strbuf *o)
{
    if (e->is_const) {
        lconst(X, e, o);
        return;
    }
    const struct type *t = &e->type;
    switch (e->kind) {
    case E_UNARY:
        sb_add(o, expr_op_text(e->op));
        lv(X, e->lhs, o);
        return;
    case E_BINARY:
        lbinary(X, e, o);
        return;
    case E_CALL:
        if (strcmp(e->name, "str") == 0) {
            lv(X, e->args[0], o);
        } else if (strcmp(e->name, "match") == 0) {
            lmatch(X, e, o);
        } else if (strcmp(e->name, "watched") == 0) {
            lwatched(X, e, o);
        } else if (strcmp(e->name, "fingerprint") == 0) {
            lfingerprint(X, e, o);
        } else if (strcmp(e->name, "thread") == 0) {
            sb_add(o, "@_threads[(uint64)");
            lv(X, e->args[0], o);
            sb_addc(o, ']');
        } else if (e->nargs) {
            sb_printf(o, "%s(", e->name);
            for (int i = 0; i < e->nargs; i++) {
                sb_add(o, i ? ", " : "");
                lv(X, e->args[i], o);
            }
            sb_addc(o, ')');
        } else {
            sb_printf(o, "%s%s", e->name, strcmp(e->name, "count") == 0 ? "()" : "");
        }
        return;
    default:
        break;
    }
    if (t->be && t->size > 1) {
        sb_add(o, "bswap(");
        lref(X, e, o);
        sb_addc(o, ')');
    } else if ((t->kind == T_CSTR || t->kind == T_DLSTR) && e->ref != REF_SPAN) {
        sb_add(o, "str(");
        lref(X, e, o);
        sb_addc(o, ')');
    } else if (e->ref == REF_ARG && (t->kind == T_STRUCT_PTR || t->kind == T_UFID_PTR) &&
               X->probe->kind != PK_TRACEPOINT) {
        /* As a value (a key, a number), a pointer is just its address. */
        arg_ref(X->pre, e->index, o);
    } else if (t->kind == T_DURATION && t->unit_ns > 1 && e->ref != REF_SPAN) {
        sb_addc(o, '(');
        lref(X, e, o);
        sb_printf(o, " * %ld)", t->unit_ns);
    } else {
        lref(X, e, o);
    }
}

/* The statement-level result a block already computed for (KEY, WHAT), or NULL. */
static const char *memo_find(struct lctx *X, const char *key, const void *what)
{
    for (int i = 0; i < X->L->walks.n; i++) {
        const struct walk_memo *w = X->L->walks.v[i];
        if (w->block == X->pre && w->param == what && strcmp(w->key, key) == 0)
            return w->result;
    }
    return NULL;
}

/* The block computed (KEY, WHAT) already: append its result to O and say so. */
static int memo_reuse(struct lctx *X, const char *key, const void *what, struct strbuf *o)
{
    const char *done = memo_find(X, key, what);
    if (done)
        sb_add(o, done);
    return done != NULL;
}

/* Append RESULT to O, and remember it as the block's result for (KEY, WHAT). */
static void memo_emit(struct lctx *X, const char *key, const void *what, const char *result, struct strbuf *o)
{
    sb_add(o, result);
    struct walk_memo *w = xcalloc(1, sizeof *w);
    *w = (struct walk_memo){ X->pre, xstrdup(key), what, xstrdup(result) };
    vec_push(&X->L->walks, w);
}

/* Forget the memos made after the first N: they were computed inside a branch. */
static void memo_truncate(struct lower *L, int n)
{
    while (L->walks.n > n) {
        struct walk_memo *w = L->walks.v[--L->walks.n];
        free(w->key);
        free(w->result);
        free(w);
    }
}

static int need_pre(struct lctx *X, const struct expr *e)
{
    if (!X->pre)
        diag_error(X->L->d, e->loc, "%s() can be used in an output's where: and columns, not here", e->name);
    return X->pre != NULL;
}

/* match(KEY, $flow): walk the key once, before the statement that uses the result. */
static void lmatch(struct lctx *X, const struct expr *e, struct strbuf *o)
{
    const struct param *p = e->data;
    if (!need_pre(X, e))
        return;
    char *key = lv_text(X, e->args[0]);
    /* Two outputs on one probe filtering the same key share one walk. */
    if (memo_reuse(X, key, p, o)) {
        free(key);
        return;
    }
    char var[16];
    snprintf(var, sizeof var, "m%d", ++X->L->nvars);
    char *len_value = lv_text(X, e->args[0]->rhs);
    char *len = bt_cast(X->L->dl, "uint64", len_value, value_u64(e->args[0]->rhs));
    free(len_value);
    bt_line(X->pre, "// match(%s, $%s): %s", e->args[0]->name ? e->args[0]->name : "key", p->name, p->sval);
    odp_lower_walk(X->pre, X->L->dl, key, len, p->flow, var);
    char result[20];
    snprintf(result, sizeof result, "$%s", var);
    memo_emit(X, key, p, result, o);
    free(len);
    free(key);
}

/* fingerprint(): 64-bit words of the packet folded into its length, FNV-1a style (a multiply
 * by the FNV prime, which bpftrace's signed literals hold), then mixed. Words past the length
 * are not read. */
static void lfingerprint(struct lctx *X, const struct expr *e, struct strbuf *o)
{
    const struct expr *b = e->args[0];
    if (!need_pre(X, e))
        return;
    int bytes = e->nargs == 2 ? (int)e->args[1]->cval : FINGERPRINT_DEFAULT;
    char var[16];
    snprintf(var, sizeof var, "fp%d", ++X->L->nvars);
    char *p = lv_text(X, b), *len = lv_text(X, b->rhs);
    bt_line(X->pre, "$%s_p = (uint64)%s;", var, p);
    bt_line(X->pre, "$%s = (uint64)%s;", var, len);
    bt_line(X->pre, "$%s_n = $%s;", var, var);
    for (int off = 0; off < bytes; off += 8) {
        bt_if(X->pre, "$%s_n >= %d", var, off + 8);
        bt_line(X->pre, "$%s = ($%s ^ *(uint64 *)($%s_p + %d)) * 1099511628211;", var, var, var, off);
        bt_end(X->pre);
    }
    /* A product's low bits come from its factors' low bits only: fold the high bits down, so
     * that `slots:` (fingerprint % N) spreads packets over every slot. */
    bt_line(X->pre, "$%s = ($%s ^ ($%s >> 32)) * 1099511628211;", var, var, var);
    bt_line(X->pre, "$%s = $%s ^ ($%s >> 29);", var, var, var);
    sb_printf(o, "$%s", var);
    free(p);
    free(len);
}

static int is_ufid(const struct type *t)
{
    return t->kind == T_UFID || t->kind == T_UFID_PTR;
}

/* "REF->u32[0], ..., REF->u32[3]": a UFID's four words (REF an ovs_u128, or a pointer to one),
 * as a map key. */
static void ufid_words(struct strbuf *o, const char *ref, int is_ptr)
{
    for (int i = 0; i < 4; i++)
        sb_printf(o, "%s%s%su32[%d]", i ? ", " : "", ref, is_ptr ? "->" : ".", i);
}

/* A watch list's map key: a UFID's four words, or the number itself. */
static char *watch_key_text(struct lctx *X, const struct expr *id)
{
    struct strbuf r = { 0 }, key = { 0 };
    if (!is_ufid(&id->type)) {
        lv(X, id, &key);
        return sb_steal(&key);
    }
    lref(X, id, &r);
    ufid_words(&key, r.s, id->type.kind == T_UFID_PTR);
    sb_free(&r);
    return sb_steal(&key);
}

/* watched(LIST, S): @_watch_LIST remembers, per id, whether to follow S (1) or not (2). The
 * first probe to see an id evaluates `follow:` and, below the capacity, remembers it; the
 * entry leaves when the flow ends (forget_ended_flows). Beyond capacity the decision is
 * simply made again each time: slower, never wrong. */
static void lwatched(struct lctx *X, const struct expr *e, struct strbuf *o)
{
    const struct watch *w = e->data;
    if (!need_pre(X, e))
        return;
    /* The id is read where it is used, not kept in variables: a key walk may follow, and
     * each variable takes 8 bytes of the 512-byte stack. */
    char *key = watch_key_text(X, e->lhs);
    if (memo_reuse(X, key, w, o)) {
        free(key);
        return;
    }
    char var[16];
    snprintf(var, sizeof var, "w%d", ++X->L->nvars);
    vec_add_unique(&X->L->watches, w);
    struct bt_block *b = X->pre;
    const char *holder = e->args[1]->name ? e->args[1]->name : "it";
    bt_line(b, "// watched(%s, %s): decided once per %s, remembered until the flow ends", w->name, holder, w->id);
    bt_line(b, "$%s = %s[%s];", var, watch_map(w, "WATCH").s, key);
    bt_if(b, "$%s == 0", var);
    int memos = X->L->walks.n;
    char *follow = lv_text(X, e->rhs);
    memo_truncate(X->L, memos);
    bt_line(b, "$%s = %s ? 1 : 2;", var, follow);
    int guarded = e->lhs->type.kind == T_UFID_PTR;
    if (guarded) {
        /* A put may carry no UFID: nothing to remember it by. */
        struct strbuf r = { 0 };
        lref(X, e->lhs, &r);
        bt_if(b, "%s != 0", r.s);
        sb_free(&r);
    }
    bt_if(b, "%s < %lld", watch_map(w, "WATCH_N").s, (long long)w->cap);
    bt_line(b, "%s[%s] = $%s;", watch_map(w, "WATCH").s, key, var);
    bt_line(b, "%s = %s + 1;", watch_map(w, "WATCH_N").s, watch_map(w, "WATCH_N").s);
    bt_else(b);
    bt_line(b, "%s = %s + 1;", watch_map(w, "WATCH_FULL").s, watch_map(w, "WATCH_FULL").s);
    bt_end(b);
    if (guarded)
        bt_end(b);
    bt_end(b);
    char result[32];
    snprintf(result, sizeof result, "($%s == 1)", var);
    memo_emit(X, key, w, result, o);
    free(follow);
    free(key);
}

static char *lv_text(struct lctx *X, const struct expr *e)
{
    struct strbuf o = { 0 };
    lv(X, e, &o);
    return sb_steal(&o);
}

static char *keys_text(struct lctx *X, struct expr **keys, int n)
{
    struct strbuf o = { 0 };
    for (int i = 0; i < n; i++) {
        sb_add(&o, i ? ", " : "");
        lv(X, keys[i], &o);
    }
    return sb_steal(&o);
}

/* ------------------------------------------------------------------ columns */

/* A printf being built: bpftrace 0.17 lays its arguments out on the BPF stack
 * (stack_budget.h says how much each takes). */
struct printf_line {
    struct strbuf fmt;
    struct strbuf args;
    struct stack_use stack;
};

static void pf_arg(struct printf_line *p, const char *fmt_piece, const char *arg, struct stack_cost cost)
{
    sb_add(&p->fmt, fmt_piece);
    sb_printf(&p->args, ", %s", arg);
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
    struct strbuf r = { 0 };
    lref(X, c->value, &r);
    const char *acc = c->value->type.kind == T_UFID_PTR ? "->" : ".";
    sb_add(&p->fmt, "%08x-%04x-%04x-%04x-%04x%08x");
    for (int i = 0; i < 6; i++)
        stack_add(&p->stack, stack_number());
    sb_printf(&p->args, ", %s%su32[0], %s%su32[1] >> 16, %s%su32[1] & 0xffff, %s%su32[2] >> 16, %s%su32[2] & 0xffff, "
              "%s%su32[3]", r.s, acc, r.s, acc, r.s, acc, r.s, acc, r.s, acc, r.s, acc);
    sb_free(&r);
}

static void column_mac(struct lctx *X, const struct column *c, struct printf_line *p)
{
    struct strbuf r = { 0 };
    lref(X, c->value, &r);
    sb_add(&p->fmt, "%02x:%02x:%02x:%02x:%02x:%02x");
    for (int i = 0; i < 6; i++) {
        sb_printf(&p->args, ", %s[%d]", r.s, i);
        stack_add(&p->stack, stack_number());
    }
    sb_free(&r);
}

/* "%-16s", or "%s" for width 0 (the last column is not padded). */
static void left(char *piece, size_t n, int width, const char *conv)
{
    if (width)
        snprintf(piece, n, "%%-%d%s", width, conv);
    else
        snprintf(piece, n, "%%%s", conv);
}

static void add_column(struct lctx *X, const struct column *c, int last, struct printf_line *p)
{
    const char *f = column_format(X->L, c);
    int w = last ? 0 : default_width(c);
    const struct type *t = &c->value->type;
    char piece[32];
    char *v = NULL;
    if (!strcmp(f, "ufid")) {
        column_ufid(X, c, p);
    } else if (!strcmp(f, "mac")) {
        column_mac(X, c, p);
    } else if (!strcmp(f, "ipv4") || !strcmp(f, "ipv6")) {
        struct strbuf r = { 0 };
        sb_add(&r, "ntop(");
        lref(X, c->value, &r);
        sb_addc(&r, ')');
        left(piece, sizeof piece, w, "s");
        pf_arg(p, piece, r.s, stack_ntop());
        sb_free(&r);
    } else if (!strcmp(f, "enum")) {
        const struct cat_enum *en = catalog_enum(X->L->cat, t->ref);
        vec_add_unique(&X->L->enums, en);
        v = lv_text(X, c->value);
        char *arg = xasprintf("@_enum_%s[%s]", en->name, v);
        left(piece, sizeof piece, w, "s");
        pf_arg(p, piece, arg, stack_enum_name(en));
        free(arg);
    } else if (!strcmp(f, "time") || !strcmp(f, "duration")) {
        v = lv_text(X, c->value);
        char *a = xasprintf("%s / 1000000000, %s %% 1000000000", v, v);
        snprintf(piece, sizeof piece, "%%%dlu.%%09lu", w > 10 ? w - 10 : 1);
        pf_arg(p, piece, a, (struct stack_cost){ 16, 0 });
        free(a);
    } else if (!strcmp(f, "ns")) {
        v = lv_text(X, c->value);
        left(piece, sizeof piece, w, "ld");
        pf_arg(p, piece, v, stack_number());
    } else if (!strcmp(f, "us") || !strcmp(f, "ms")) {
        /* Three decimals: 500.720 ms reads better than 500 or 500720 us. */
        v = lv_text(X, c->value);
        const char *unit = !strcmp(f, "us") ? "1000" : "1000000", *milli = !strcmp(f, "us") ? "1" : "1000";
        char *a = xasprintf("%s / %s, (%s / %s) %% 1000", v, unit, v, milli);
        snprintf(piece, sizeof piece, "%%%dld.%%03ld", w > 4 ? w - 4 : 1);
        pf_arg(p, piece, a, (struct stack_cost){ 16, 0 });
        free(a);
    } else if ((!strcmp(f, "hex") || in_pieces(f)) && (t->kind == T_ODP_KEY || t->kind == T_BYTES)) {
        /* A key before the last column: its first 64 bytes in hex (only the last prints whole). */
        v = lv_text(X, c->value);
        char *len = lv_text(X, c->value->rhs);
        char *a = xasprintf("buf(%s, %s)", v, len);
        pf_arg(p, "%rh", a, stack_buf());
        free(a);
        free(len);
    } else if (!strcmp(f, "hex")) {
        v = lv_text(X, c->value);
        snprintf(piece, sizeof piece, "0x%%-%dlx", w > 2 ? w - 2 : 1);
        pf_arg(p, piece, v, stack_number());
    } else if (!strcmp(f, "str") || !strcmp(f, "stack")) {
        v = lv_text(X, c->value);
        left(piece, sizeof piece, w, "s");
        /* A stack prints from its 8-byte id. */
        pf_arg(p, piece, v, !strcmp(f, "stack") ? stack_number() : stack_value(c->value));
    } else {
        v = lv_text(X, c->value);
        left(piece, sizeof piece, w, t->is_signed || t->kind == T_DURATION ? "ld" : "lu");
        pf_arg(p, piece, v, stack_number());
    }
    free(v);
    if (!last)
        sb_addc(&p->fmt, ' ');
}

static void emit_printf(struct bt_block *b, struct printf_line *p)
{
    struct strbuf q = { 0 };
    bt_quote(&q, p->fmt.s);
    /* bt_quote turned the newline into \n already; formats never hold user text. */
    bt_line(b, "printf(%s%s);", q.s, p->args.s ? p->args.s : "");
    sb_free(&q);
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

static void key_pieces(struct lctx *X, const struct column *c, struct bt_block *b, const char *tag)
{
    char var[16];
    snprintf(var, sizeof var, "k%d", ++X->L->nvars);
    char *key = lv_text(X, c->value), *len = lv_text(X, c->value->rhs);
    bt_line(b, "$%s_p = (uint64)%s;", var, key);
    char *len_u64 = bt_cast(X->L->dl, "uint64", len, value_u64(c->value->rhs));
    bt_line(b, "$%s_len = %s;", var, len_u64);
    free(len_u64);
    bt_line(b, "$%s_off = (uint64)0;", var);
    /* After STX, run's decoder: a flow key, or a netlink message of the flow or packet family
     * and its length. A message is read in whole pieces: Linux 6.1's verifier loses the bound
     * of a piece's length computed from a size read out of memory (ofpbuf.size) and refuses
     * the program, so the length goes first and run decodes that much. */
    const char *f = column_format(X->L, c);
    int msg = strcmp(f, "odp") != 0;
    if (msg && X->L->opt->for_run)
        bt_line(b, "printf(\"%s\\002%s%%lu:\", cpu, $%s_len);", tag, !strcmp(f, "nl_flow") ? "F" : "P", var);
    else if (msg)
        bt_line(b, "printf(\"(%%lu bytes) \", $%s_len);", var);
    else if (X->L->opt->for_run)
        bt_line(b, "printf(\"%s\\002\", cpu);", tag);
    bt_unroll(b, KEY_PIECES);
    bt_if(b, "$%s_off < $%s_len", var, var);
    if (msg)
        bt_line(b, "printf(\"%s%%rh \"%s, buf($%s_p + $%s_off, %d));", tag, X->L->opt->for_run ? ", cpu" : "", var, var,
                KEY_PIECE);
    else
    {
        char len[48], off[48];
        snprintf(len, sizeof len, "$%s_len", var);
        snprintf(off, sizeof off, "$%s_off", var);
        char *left = bt_usub(X->L->dl, len, off);
        bt_line(b, "printf(\"%s%%rh \"%s, buf($%s_p + $%s_off, %s > %d ? %d : %s));", tag,
                X->L->opt->for_run ? ", cpu" : "", var, var, left, KEY_PIECE, KEY_PIECE, left);
        free(left);
    }
    bt_line(b, "$%s_off = $%s_off + %d;", var, var, KEY_PIECE);
    bt_end(b);
    bt_end(b);
    bt_line(b, "printf(\"%s%s\\n\"%s);", tag, X->L->opt->for_run ? "\\003" : "", X->L->opt->for_run ? ", cpu" : "");
    free(key);
    free(len);
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
    if (index >= RENDER_MAX_HELD && kind == 'h')
        diag_error(L->d, o->loc, "only the first %d outputs of a recipe can be 'print: after_report'", RENDER_MAX_HELD);
    sb_printf(fmt, "\035%c%d\037", kind, index);
}

static void event_line(struct lctx *X, const struct output *o, struct bt_block *b)
{
    struct printf_line p = { 0 };
    int last = last_shown(o);
    /* A key in odp format (or a netlink message), last, is printed in pieces after the other columns. */
    const struct column *key = last >= 0 && in_pieces(column_format(X->L, &o->cols[last])) ? &o->cols[last] : NULL;
    /* The run-mode tag: record separator, the CPU, unit separator. */
    const char *tag = X->L->opt->for_run ? "\\036%d\\037" : "";
    if (key && o->after_report)
        diag_error(X->L->d, o->print_loc, "an event with a flow key printed as odp is printed in pieces, as it "
                   "happens: it cannot be 'print: after_report'");
    held_tag(X->L, o, 'e', &p.fmt);
    if (key && X->L->opt->for_run) {
        sb_add(&p.fmt, "\036%d\037");
        sb_add(&p.args, ", cpu");
    }
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
    sb_free(&p.args);
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
    if (p->args.len && stack_use_total(&after) > STACK_MAX) {
        emit_printf(L->P->begin, p);
        sb_free(&p->fmt);
        sb_free(&p->args);
        p->stack = (struct stack_use){ 0 };
        held_tag(L, o, 'H', &p->fmt);
    }
    struct strbuf q = { 0 };
    bt_quote(&q, text);
    pf_arg(p, piece, q.s, stack_literal(text));
    sb_free(&q);
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
    sb_free(&p.fmt);
    sb_free(&p.args);
}

/* ----------------------------------------------------------- aggregates */

static char *agg_key(struct lctx *X, const struct expr *e)
{
    /* Under run, an enum key stays a number and run names it (render_enum): no name table
     * to fill in BEGIN, which for the 360 syscalls costs bpftrace 2 s of start-up. */
    if (e->type.kind == T_ENUM && enum_prints_text(X->L->cat, &e->type) && !X->L->opt->for_run) {
        const struct cat_enum *en = catalog_enum(X->L->cat, e->type.ref);
        vec_add_unique(&X->L->enums, en);
        char *v = lv_text(X, e);
        char *k = xasprintf("@_enum_%s[%s]", en->name, v);
        free(v);
        return k;
    }
    if (e->type.kind == T_IPV4) {
        struct strbuf r = { 0 };
        sb_add(&r, "ntop(");
        lref(X, e, &r);
        sb_addc(&r, ')');
        return sb_steal(&r);
    }
    return lv_text(X, e);
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
    struct strbuf keys = { 0 };
    struct stack_use key_stack = { 0 };
    int over = -1;    /* the key that passes the stack */
    for (int i = 0; i < o->nby; i++) {
        char *k = agg_key(X, o->by[i]);
        sb_printf(&keys, "%s%s", i ? ", " : "", k);
        free(k);
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
    char *v = lv_text(X, o->value);
    if (o->nby)
        bt_line(b, "@%s[%s] = %s;", o->name, keys.s, v);
    else if (o->fn == AGG_HIST || o->fn == AGG_LHIST)
        bt_line(b, "@%s = %s;", o->name, v);
    else
        /* A keyless count() survives clear() as "@x: 0" in bpftrace 0.17's exit dump; an empty key does not. */
        bt_line(b, "@%s[\"\"] = %s;", o->name, v);
    free(v);
    sb_free(&keys);
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

/* An output: skipped when its condition is false at compile time. */
static void lower_output(struct lower *L, const struct output *o, const struct probe_use *at, struct bt_block *b)
{
    struct lctx X = { L, at, b };
    int guarded = (o->where && !o->where->is_const) || window_gated(L);
    if (o->where && o->where->is_const && !o->where->cval)
        return;
    if (guarded) {
        struct strbuf c = { 0 };
        if (window_gated(L))
            sb_add(&c, "@_on == 1");
        if (o->where && !o->where->is_const) {
            sb_add(&c, c.len ? " && " : "");
            lv(&X, o->where, &c);
        }
        bt_if(b, "%s", c.s);
        sb_free(&c);
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
static const char *task_guard(struct lower *L, const struct probe_block *pb, int any_task);

/* Where span S's state for key K lives: its maps' index, after the lines (in B) that compute
 * it. A map span, and one in slots: [K]. A queue: [K, $S_i % N], the oldest open span at an
 * end, the next place at a start (@_S_head and @_S_tail count them per key). */
static char *span_index(struct lower *L, struct bt_block *b, const struct span *s, const char *k, int at_start)
{
    if (s->queue) {
        bt_line(b, "%s = %s[%s];", span_var(s, "I").s, span_map(s, at_start ? "TAIL" : "HEAD").s, k);
        char *slot = bt_counter_mod(L->dl, span_var(s, "I").s, s->queue);
        char *ix = xasprintf("%s, %s", k, slot);
        free(slot);
        return ix;
    }
    return xstrdup(k);
}

/* Delete span S's state at map index IX. */
static void span_forget(struct bt_block *b, const struct span *s, const char *ix)
{
    bt_delete(b, "%s[%s]", span_map(s, "START").s, ix);
    for (int i = 0; i < s->ncaptures; i++)
        bt_delete(b, "%s[%s]", span_value_map(s, s->captures[i].name).s, ix);
    for (int i = 0; i < s->ncounts; i++)
        bt_delete(b, "%s[%s]", span_value_map(s, s->counts[i].name).s, ix);
}

/* A span value is one bpftrace type on every version: a string, or a 64-bit integer whose
 * sign its cast at the capture's store says. */
static int value_is_string(const struct type *t) { return type_is_string(t) || t->kind == T_CHARS; }
static const char *value_zero(const struct type *t)
{
    return value_is_string(t) ? "\"\"" : t->is_signed ? "(int64)0" : "(uint64)0";
}

/* Declare variable NAME first thing in block B, with ZERO, a value of its type. A span's
 * values are set where it ends (inside its guards) and read by outputs after those: bpftrace
 * from 0.21 on scopes a variable to the block that first sets it, so each is declared at
 * the top, where every version sees it. */
static void declare(struct lower *L, struct bt_block *b, const char *name, const char *zero)
{
    if (!L->dl->scoped_vars)
        return;
    if (vec_has_string(&b->declared, name))
        return;
    vec_push(&b->declared, xstrdup(name));
    vec_push(&b->declared_zero, (void *)zero);
}

static void span_end(struct lower *L, const struct span *s, int to, struct probe_block *pb)
{
    const struct span_end *e = &s->tos[to];
    struct bt_block *b = pb->block;
    struct lctx X = { L, probe_attach(&e->on), b };
    const char *guard = task_guard(L, pb, e->any_task);
    if (guard)
        bt_if(b, "%s", guard);
    if (e->where) {
        char *w = lv_text(&X, e->where);
        bt_if(b, "%s", w);
        free(w);
    }
    /* Typed first: bpftrace 0.23 cannot cast a value read from a map it has not typed yet. */
    declare(L, b, span_var(s, "START").s, "(uint64)0");
    declare(L, b, span_var(s, "DURATION").s, "(uint64)0");
    for (int i = 0; i < s->ncaptures; i++)
        declare(L, b, span_value_var(s, s->captures[i].name).s, value_zero(&s->captures[i].values[0]->type));
    for (int i = 0; i < s->ncounts; i++)
        declare(L, b, span_value_var(s, s->counts[i].name).s, "(uint64)0");
    char *k = keys_text(&X, e->keys, s->nkeys);
    char *ix = span_index(L, b, s, k, 0);
    /* A queue's oldest place reads 0 when the queue is empty (ended places are deleted). */
    bt_line(b, "%s = %s[%s];", span_var(s, "START").s, span_map(s, "START").s, ix);
    bt_if(b, "%s", span_var(s, "START").s);
    if (s->queue)
        bt_line(b, "%s[%s] = %s + 1;", span_map(s, "HEAD").s, k, span_var(s, "I").s);
    char *duration = bt_usub(L->dl, "nsecs", span_var(s, "START").s);
    bt_line(b, "%s = %s;", span_var(s, "DURATION").s, duration);
    free(duration);
    for (int i = 0; i < s->ncaptures; i++) {
        bt_line(b, "%s = %s[%s];", span_value_var(s, s->captures[i].name).s, span_value_map(s, s->captures[i].name).s,
                ix);
        /* A string in a variable keeps its bytes on the stack through the whole block. */
        if (s->captures[i].values && s->captures[i].values[0])
            stack_budget_var(&b->stack, stack_map_var(s->captures[i].values[0]), s->captures[i].loc,
                             "the span's string captures, held in variables");
    }
    for (int i = 0; i < s->ncounts; i++)
        bt_line(b, "%s = %s[%s];", span_value_var(s, s->counts[i].name).s, span_value_map(s, s->counts[i].name).s, ix);
    span_forget(b, s, ix);
    free(ix);
    bt_end(b);
    if (e->where)
        bt_end(b);
    if (guard)
        bt_end(b);
    free(k);
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
    if (inside)
        bt_if(b, "%s && %s >= @_win_start", span_var(s, "START").s, span_var(s, "START").s);
    else
        bt_if(b, "%s", span_var(s, "START").s);
    for (int i = 0; i < L->r->noutputs; i++)
        if (L->r->outputs[i].on.span == s)
            lower_output(L, &L->r->outputs[i], pb->probe, b);
    bt_end(b);
}

static void span_count(struct lower *L, const struct span *s, const struct span_count *c, struct probe_block *pb)
{
    /* The key's statements (a fingerprint()'s reads) go in the counted probe's block. */
    struct lctx X = { L, probe_attach(&c->on), pb->block };
    const char *guard = task_guard(L, pb, 0);
    char *k = keys_text(&X, c->keys, s->nkeys);
    if (guard)
        bt_if(pb->block, "%s", guard);
    char *ix = span_index(L, pb->block, s, k, 0);
    bt_if(pb->block, "%s[%s]", span_map(s, "START").s, ix);
    bt_line(pb->block, "%s[%s] = %s[%s] + 1;", span_value_map(s, c->name).s, ix, span_value_map(s, c->name).s, ix);
    bt_end(pb->block);
    if (guard)
        bt_end(pb->block);
    free(ix);
    free(k);
}

/* Start span S at its FROM-th start. With `spans: inside`, only while a window is open. */
static void span_start(struct lower *L, const struct span *s, int from, struct probe_block *pb)
{
    const struct span_end *e = &s->froms[from];
    struct bt_block *b = pb->block;
    struct lctx X = { L, probe_attach(&e->on), b };
    struct strbuf cond = { 0 };
    const char *guard = task_guard(L, pb, e->any_task);
    if (guard)
        sb_add(&cond, guard);
    if (L->r->window.present && L->r->window.spans_inside)
        sb_printf(&cond, "%s@_on == 1", cond.len ? " && " : "");
    if (e->where) {
        sb_add(&cond, cond.len ? " && " : "");
        lv(&X, e->where, &cond);
    }
    if (cond.len)
        bt_if(b, "%s", cond.s);
    char *k = keys_text(&X, e->keys, s->nkeys);
    char *ix = span_index(L, b, s, k, 1);
    if (s->keep_first)
        bt_if(b, "!%s[%s]", span_map(s, "START").s, ix);
    if (s->slots) {
        /* The last N spans started are kept: this one takes the place of the N-th before it.
         * OLD is typed first (as in span_end): where this start comes before any store to
         * the ring in the script, bpftrace 0.23 reads it as untyped and then takes the START
         * map it deletes from for a map without keys (upcall_cost with kernel=true). */
        declare(L, b, span_var(s, "OLD").s, "(uint64)0");
        bt_line(b, "%s = %s;", span_var(s, "N").s, span_map(s, "N").s);
        char *slot = bt_counter_mod(L->dl, span_var(s, "N").s, s->slots);
        bt_line(b, "%s = %s[%s];", span_var(s, "OLD").s, span_map(s, "RING").s, slot);
        bt_if(b, "%s", span_var(s, "OLD").s);
        span_forget(b, s, span_var(s, "OLD").s);
        bt_end(b);
        char *paren = xasprintf("(%s)", k);
        char *stored = bt_cast(L->dl, "uint64", paren, s->nkeys == 1 && value_u64(e->keys[0]));
        bt_line(b, "%s[%s] = %s;", span_map(s, "RING").s, slot, stored);
        free(stored);
        free(paren);
        free(slot);
        bt_line(b, "%s = %s + 1;", span_map(s, "N").s, span_var(s, "N").s);
    }
    bt_line(b, "%s[%s] = nsecs;", span_map(s, "START").s, ix);
    struct stack_use key_stack = { 0 };
    for (int i = 0; i < s->nkeys; i++)
        stack_add(&key_stack, stack_value(e->keys[i]));
    for (int i = 0; i < s->ncaptures; i++) {
        char *v = lv_text(&X, s->captures[i].values[from]);
        if (L->dl->scoped_vars && value_is_string(&s->captures[i].values[0]->type)) {
            bt_line(b, "%s[%s] = (%s);", span_value_map(s, s->captures[i].name).s, ix, v);
        } else if (L->dl->scoped_vars) {    /* one type at every start, as declared */
            const struct type *t = &s->captures[i].values[0]->type;
            char *paren = xasprintf("(%s)", v);
            char *stored = bt_cast(L->dl, t->is_signed ? "int64" : "uint64", paren,
                                   !t->is_signed && value_u64(s->captures[i].values[from]));
            bt_line(b, "%s[%s] = %s;", span_value_map(s, s->captures[i].name).s, ix, stored);
            free(stored);
            free(paren);
        } else
            bt_line(b, "%s[%s] = %s;", span_value_map(s, s->captures[i].name).s, ix, v);
        free(v);
        struct stack_use store = key_stack;
        stack_add(&store, stack_value(s->captures[i].values[from]));
        stack_budget_statement(&b->stack, stack_use_total(&store), s->captures[i].loc, "a capture's store");
    }
    for (int i = 0; i < s->ncounts; i++)
        bt_line(b, "%s[%s] = %s;", span_value_map(s, s->counts[i].name).s, ix,
                L->dl->scoped_vars ? "(uint64)0" : "0");
    if (s->queue) {
        /* A full queue forgets its oldest span. */
        bt_line(b, "%s[%s] = %s + 1;", span_map(s, "TAIL").s, k, span_var(s, "I").s);
        /* Counters: a difference of two is one type on every version (bt_counter_mod). */
        bt_if(b, "%s + 1 - %s[%s] > %lld", span_var(s, "I").s, span_map(s, "HEAD").s, k, (long long)s->queue);
        bt_line(b, "%s[%s] = %s + 1 - %lld;", span_map(s, "HEAD").s, k, span_var(s, "I").s, (long long)s->queue);
        bt_end(b);
    }
    if (s->keep_first)
        bt_end(b);
    free(ix);
    if (cond.len)
        bt_end(b);
    sb_free(&cond);
    free(k);
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

static const char *pid_test(struct lower *L)
{
    if (L->opt->pid)
        snprintf(L->pid_pred, sizeof L->pid_pred, "pid == %d", L->opt->pid);
    else
        snprintf(L->pid_pred, sizeof L->pid_pred, "pid == $1");
    L->pid_arg |= !L->opt->pid;
    return L->pid_pred;
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
            pb->block->pred = xstrdup(pid_test(L));
    } else if (!kernel_probe(u) && L->opt->target_path && L->opt->pid) {
        /* Attached by path, a probe fires in every process of that binary (a second
         * ovs-vswitchd, in another container): only the one asked for counts. */
        pb->block->pred = xstrdup(pid_test(L));
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

static const char *task_guard(struct lower *L, const struct probe_block *pb, int any_task)
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
            bt_print_text(b, "\\n", o->title);
        bt_line(b, "print(@%s);", o->name);
        if (reset)
            bt_line(b, "clear(@%s);", o->name);
    }
    if (L->r->uses_threads && L->r->report_by_thread && L->opt->for_run)
        bt_line(b, "print(@_exited);");
    if (L->opt->for_run && (L->r->ntables || has_held_events(L)))
        bt_line(b, "printf(\"\\036dump\\037\\n\");    // run: the report is complete");
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

static void stamp(struct bt_block *b, const char *what, const char *extra_fmt, const char *extra_arg)
{
    bt_line(b, "printf(\"# %s%s @%%s\\n\", %s%sstrftime(\"%%Y-%%m-%%dT%%H:%%M:%%S.%%f\", $now));", what,
            extra_fmt, extra_arg ? extra_arg : "", extra_arg ? ", " : "");
}

/* Forget every started span: with `spans: inside` a span counts only if it starts in the window. */
static void clear_spans(struct lower *L, struct bt_block *b)
{
    for (int i = 0; i < L->r->nspans; i++) {
        const struct span *s = &L->r->spans[i];
        if (!span_live(s))
            continue;
        bt_line(b, "clear(%s);", span_map(s, "START").s);
        if (s->slots) {
            bt_line(b, "clear(%s);", span_map(s, "RING").s);
            bt_delete(b, "%s", span_map(s, "N").s);
        }
        if (s->queue) {
            bt_line(b, "clear(%s);", span_map(s, "HEAD").s);
            bt_line(b, "clear(%s);", span_map(s, "TAIL").s);
        }
        for (int j = 0; j < s->ncaptures; j++)
            bt_line(b, "clear(%s);", span_value_map(s, s->captures[j].name).s);
        for (int j = 0; j < s->ncounts; j++)
            bt_line(b, "clear(%s);", span_value_map(s, s->counts[j].name).s);
    }
}

static void clear_aggregates(struct lower *L, struct bt_block *b)
{
    for (int i = 0; i < L->r->noutputs; i++)
        if (L->r->outputs[i].kind == OUT_AGG && output_live(&L->r->outputs[i]))
            bt_line(b, "clear(@%s);", L->r->outputs[i].name);
}

/* Enter window STATE (1 open, 2 closed) at one clock reading, kept in TIME_MAP, and say so.
 * Window lines read the clock once: each nsecs is a new reading, and the delta printed
 * must equal the difference of the trigger times printed. */
static void window_enter(struct bt_block *b, int state, const char *time_map, const char *what, int triggered)
{
    bt_line(b, "$now = nsecs;");
    bt_line(b, "@_on = %d;", state);
    bt_line(b, "%s = $now;", time_map);
    if (triggered)
        stamp(b, what, " (trigger@%llu)", "$now");
    else
        stamp(b, what, "", NULL);
}

static void window_open(struct bt_block *b, int triggered)
{
    window_enter(b, 1, "@_win_start", "Start sampling", triggered);
}

/* Report the closing window's aggregates, count it, and end the run after `count` windows. */
static void window_report(struct lower *L, struct bt_block *b, const char *dump_fmt, const char *dump_arg)
{
    stamp(b, dump_fmt, dump_arg ? " %llu ns" : "", dump_arg);
    report_lines(L, b, 1);
    bt_line(b, "@_windows = @_windows + 1;");
    if (L->r->window.count > 0) {
        bt_if(b, "@_windows >= %lld", (long long)L->r->window.count);
        bt_line(b, "@_on = 3;");
        bt_line(b, "exit();");
        bt_end(b);
    }
}

static void window_close(struct lower *L, struct bt_block *b, int by_trigger)
{
    const struct window *w = &L->r->window;
    window_enter(b, 2, "@_win_end", "Stop sampling", by_trigger);
    if (by_trigger && w->has_start) {
        /* Both triggers: the stop-start delta decides whether the window is reported. */
        char *delta = bt_usub(L->dl, "$now", "@_win_start");
        bt_line(b, "$delta = %s;", delta);
        free(delta);
        if (!w->min_delta_ns) {
            window_report(L, b, "Triggered sample dump, stop-start delta", "$delta");
            return;
        }
        bt_if(b, "$delta >= %llu", (unsigned long long)w->min_delta_ns);
        window_report(L, b, "Triggered sample dump, stop-start delta", "$delta");
        bt_else(b);
        stamp(b, "Sample dump skipped, delta", " %llu ns", "$delta");
        clear_aggregates(L, b);
        bt_end(b);
    } else {
        window_report(L, b, "Sample dump", NULL);
    }
}

static void lower_window(struct lower *L, struct vec *blocks)
{
    const struct window *w = &L->r->window;
    if (!w->present)
        return;
    if (w->has_start) {
        /* Triggers are any-task uses (any_task_use): no pid guard. */
        struct probe_block *pb = block_for(L, blocks, &w->start);
        bt_if(pb->block, "@_on == 0");
        window_open(pb->block, 1);
        bt_else_if(pb->block, "@_on != 3");
        bt_line(pb->block, "@_missed = @_missed + 1;");
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
        bt_if(pb->block, "@_on == 1");
        window_close(L, pb->block, 1);
        bt_end(pb->block);
    }
    char tick[32];
    snprintf(tick, sizeof tick, "interval:ms:%d", WINDOW_TICK_MS);
    struct bt_block *t = bt_block_new(tick);
    if (!w->has_stop && w->time_ns) {
        char *open_for = bt_usub(L->dl, "nsecs", "@_win_start");
        bt_if(t, "@_on == 1 && %s >= %llu", open_for, (unsigned long long)w->time_ns);
        free(open_for);
        window_close(L, t, 0);
        bt_end(t);
    }
    uint64_t rest = w->interval_ns > WINDOW_REST_MS * 1000000ull ? w->interval_ns : WINDOW_REST_MS * 1000000ull;
    char *closed_for = bt_usub(L->dl, "nsecs", "@_win_end");
    bt_if(t, "@_on == 2 && %s >= %llu", closed_for, (unsigned long long)rest);
    free(closed_for);
    if (w->has_start)
        bt_line(t, "@_on = 0;");
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
        struct strbuf k = { 0 };
        struct strbuf ref = { 0 };
        sb_printf(&ref, "((struct %s *)", holder->type.ref);
        arg_ref(pb->block, holder->index, &ref);
        sb_printf(&ref, ")->%s", f->name);
        ufid_words(&k, ref.s, f->type.kind == T_UFID_PTR);
        sb_free(&ref);
        struct strbuf res = { 0 };
        arg_ref(pb->block, result->index, &res);
        vec_add_unique(&L->fields, f);
        use_type(L, &holder->type);
        L->need_u128 = 1;
        bt_line(pb->block, "// the flow is deleted: it leaves watch list %s", w->name);
        bt_if(pb->block, "(uint32)%s == %lld && %s[%s] != 0", res.s, (long long)del->value,
                watch_map(w, "WATCH").s, k.s);
        bt_delete(pb->block, "%s[%s]", watch_map(w, "WATCH").s, k.s);
        bt_line(pb->block, "%s = %s - 1;", watch_map(w, "WATCH_N").s, watch_map(w, "WATCH_N").s);
        bt_end(pb->block);
        sb_free(&res);
        sb_free(&k);
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
        const char *guard = task_guard(L, pb, 0);
        if (guard)
            bt_if(pb->block, "%s", guard);
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
            struct strbuf q = { 0 };
            bt_quote(&q, en->values[j].text ? en->values[j].text : en->values[j].name);
            /* Enum names are printed by a map lookup: cheaper than a chain of ifs. */
            bt_line(L->P->begin, "@_enum_%s[%lld] = %s;", en->name, (long long)en->values[j].value, q.s);
            sb_free(&q);
        }
    }
}

static void lower_end(struct lower *L)
{
    const struct recipe *r = L->r;
    struct bt_block *b = L->P->end;
    if (r->window.present) {
        /* Ctrl-C or the target's exit ends an open window: it is reported like any other. */
        bt_if(b, "@_on == 1");
        bt_line(b, "$now = nsecs;");
        stamp(b, "Stop sampling", "", NULL);
        stamp(b, "Sample dump", "", NULL);
        report_lines(L, b, 0);
        bt_end(b);
        if (r->window.has_start) {
            bt_if(b, "@_missed > 0");
            bt_line(b, "printf(\"\\n# WARNING: %%d start triggers came while a window was open or being reported; "
                    "they were ignored\\n\", @_missed);");
            bt_end(b);
        }
    } else {
        report_lines(L, b, 0);
    }
    /* Clear everything, so bpftrace's automatic dump at exit prints nothing twice. */
    clear_aggregates(L, b);
    clear_spans(L, b);
    if (r->uses_threads)
        bt_line(b, "clear(@_threads);");
    if (r->uses_threads && r->report_by_thread && L->opt->for_run)
        bt_line(b, "clear(@_exited);");
    for (int i = 0; i < L->enums.n; i++)
        bt_line(b, "clear(@_enum_%s);", ((const struct cat_enum *)L->enums.v[i])->name);
    for (int i = 0; i < L->watches.n; i++) {
        const struct watch *w = L->watches.v[i];
        bt_if(b, "%s > 0", watch_map(w, "WATCH_FULL").s);
        bt_line(b, "printf(\"\\nwatch list %s was full (%lld entries) %%d times; those were decided again\\n\", "
                "%s);", w->name, (long long)w->cap, watch_map(w, "WATCH_FULL").s);
        bt_end(b);
        bt_line(b, "clear(%s);", watch_map(w, "WATCH").s);
        bt_delete(b, "%s", watch_map(w, "WATCH_N").s);
        bt_delete(b, "%s", watch_map(w, "WATCH_FULL").s);
    }
    if (r->window.present) {
        bt_delete(b, "@_on");
        bt_delete(b, "@_windows");
        bt_delete(b, "@_win_start");
        bt_delete(b, "@_win_end");
        if (r->window.has_start)
            bt_delete(b, "@_missed");
    }
}

/* A block of the thread set's upkeep: a kernel probe in the traced process's tasks. */
static struct bt_block *thread_block(struct lower *L, const char *attach)
{
    struct bt_block *b = bt_block_new(attach);
    b->pred = xstrdup(pid_test(L));
    vec_push(&L->P->blocks, b);
    return b;
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
            bt_line(b, "@_threads[(uint64)%d] = 1;", tids[i]);
        free(tids);
        if (n <= 0)
            bt_line(b, "@_threads[(uint64)%d] = 1;", L->opt->pid);
    } else {
        bt_line(b, "@_threads[(uint64)$1] = 1;");
        L->pid_arg = 1;
        struct bt_block *learn = thread_block(L, "tracepoint:sched:sched_switch");
        bt_line(learn, "// a thread of the traced process that runs is one of its threads");
        bt_line(learn, "@_threads[(uint64)tid] = 1;");
    }
    struct bt_block *born = thread_block(L, "tracepoint:task:task_newtask");
    bt_line(born, "// CLONE_THREAD: a thread, not a child process");
    bt_if(born, "args->clone_flags & 0x10000");
    bt_line(born, "@_threads[(uint64)args->pid] = 1;");
    bt_end(born);
    struct bt_block *gone = thread_block(L, "tracepoint:sched:sched_process_exit");
    bt_delete(gone, "@_threads[(uint64)tid]");
    if (L->opt->for_run && L->r->report_by_thread) {
        bt_line(gone, "// run names threads from /proc, where an exited one is gone: keep its name");
        bt_line(gone, "@_exited[tid] = comm;");
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
    bt_line(t, "time(\"%%H:%%M:%%S\\n\");");
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
        vec_push(&L->P->config, xstrdup("on_stack_limit = 128"));
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
