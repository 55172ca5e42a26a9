// SPDX-License-Identifier: Apache-2.0
// bpftrace expressions (btexpr.h): construction, sharing and comparison. Rendering is
// emit_expr.c's.
#include "btexpr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct bt_expr *node(enum bt_expr_kind kind, const char *text)
{
    struct bt_expr *e = xcalloc(1, sizeof *e);
    e->kind = kind;
    e->refs = 1;
    e->text = text ? xstrdup(text) : NULL;
    return e;
}

/* A node of operands A, B, C (any may be NULL), taken over. */
static struct bt_expr *operands(enum bt_expr_kind kind, const char *text, struct bt_expr *a, struct bt_expr *b,
                                struct bt_expr *c)
{
    struct bt_expr *e = node(kind, text);
    e->a = a;
    e->b = b;
    e->c = c;
    return e;
}

/* A name without its sigil is a bug of the lowering, not of the recipe. */
static void need_sigil(const char *name, char sigil)
{
    if (!name || name[0] != sigil) {
        fprintf(stderr, "ovstrace: internal error: '%s' is not a %c name\n", name ? name : "(null)", sigil);
        abort();
    }
}

struct bt_expr *bx_int(long long v)
{
    struct bt_expr *e = node(BX_INT, NULL);
    e->value = v;
    return e;
}

struct bt_expr *bx_uint(unsigned long long v)
{
    struct bt_expr *e = bx_int((long long)v);
    e->is_unsigned = 1;
    return e;
}

struct bt_expr *bx_hex(unsigned long long v, int digits)
{
    struct bt_expr *e = bx_int((long long)v);
    e->digits = digits > 0 ? digits : 1;
    return e;
}

struct bt_expr *bx_str(const char *s) { return node(BX_STR, s); }

struct bt_expr *bx_var(const char *name)
{
    need_sigil(name, '$');
    return node(BX_VAR, name);
}

struct bt_expr *bx_varf(const char *fmt, ...)
{
    struct strbuf s = { 0 };
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&s, fmt, ap);
    va_end(ap);
    struct bt_expr *e = bx_var(s.s);
    sb_free(&s);
    return e;
}

struct bt_expr *bx_map(const char *name, struct bt_expr *key)
{
    need_sigil(name, '@');
    return operands(BX_MAP, name, key, NULL, NULL);
}

struct bt_expr *bx_mapf(struct bt_expr *key, const char *fmt, ...)
{
    struct strbuf s = { 0 };
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&s, fmt, ap);
    va_end(ap);
    struct bt_expr *e = bx_map(s.s, key);
    sb_free(&s);
    return e;
}

struct bt_expr *bx_builtin(const char *name) { return node(BX_BUILTIN, name); }
struct bt_expr *bx_tp_field(const char *name) { return node(BX_TP_FIELD, name); }
struct bt_expr *bx_catalog(const char *text) { return node(BX_CATALOG, text); }

struct bt_expr *bx_offsetof(const char *struct_name, const char *member)
{
    struct bt_expr *e = node(BX_OFFSETOF, struct_name);
    e->member = xstrdup(member);
    return e;
}

struct bt_expr *bx_call(const char *name, struct bt_expr *args)
{
    return operands(BX_CALL, name, args, NULL, NULL);
}

struct bt_expr *bx_list(int n, ...)
{
    struct bt_expr *e = node(BX_LIST, NULL);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        vec_push(&e->items, va_arg(ap, struct bt_expr *));
    va_end(ap);
    return e;
}

struct bt_expr *bx_list_add(struct bt_expr *list, struct bt_expr *item)
{
    vec_push(&list->items, item);
    return list;
}

struct bt_expr *bx_cast(const char *type, struct bt_expr *e, int same)
{
    struct bt_expr *c = operands(BX_CAST, type, e, NULL, NULL);
    c->same = same;
    return c;
}

struct bt_expr *bx_unary(const char *op, struct bt_expr *e)
{
    struct bt_expr *u = operands(BX_UNARY, NULL, e, NULL, NULL);
    u->op = op;
    return u;
}

struct bt_expr *bx_binary(struct bt_expr *l, const char *op, struct bt_expr *r)
{
    struct bt_expr *e = operands(BX_BINARY, NULL, l, r, NULL);
    e->op = op;
    return e;
}

struct bt_expr *bx_member(struct bt_expr *e, const char *op, const char *member)
{
    struct bt_expr *m = operands(BX_MEMBER, NULL, e, NULL, NULL);
    m->op = op;
    m->member = xstrdup(member);
    return m;
}

struct bt_expr *bx_index(struct bt_expr *e, struct bt_expr *index)
{
    return operands(BX_INDEX, NULL, e, index, NULL);
}

struct bt_expr *bx_ternary(struct bt_expr *cond, struct bt_expr *yes, struct bt_expr *no)
{
    return operands(BX_TERNARY, NULL, cond, yes, no);
}

struct bt_expr *bx_usub(struct bt_expr *a, struct bt_expr *b)
{
    return operands(BX_USUB, NULL, a, b, NULL);
}

struct bt_expr *bx_counter_mod(struct bt_expr *counter, long long n)
{
    struct bt_expr *e = operands(BX_COUNTER_MOD, NULL, counter, NULL, NULL);
    e->value = n;
    return e;
}

struct bt_expr *bx_str_compare(int eq, struct bt_expr *l, struct bt_expr *r, int lit_left, size_t len)
{
    struct bt_expr *e = operands(BX_STR_COMPARE, NULL, l, r, NULL);
    e->eq = eq;
    e->lit_left = lit_left;
    e->value = (long long)len;
    return e;
}

struct bt_expr *bx_printf(const char *fmt, struct bt_expr *args)
{
    struct bt_expr *all = bx_list(1, bx_str(fmt));
    for (int i = 0; args && i < args->items.n; i++)
        vec_push(&all->items, bx_ref(args->items.v[i]));
    bx_free(args);
    return bx_call("printf", all);
}

struct bt_expr *bx_paren(struct bt_expr *e)
{
    return operands(BX_PAREN, NULL, e, NULL, NULL);
}

struct bt_expr *bx_join(struct bt_expr *a, const char *op, struct bt_expr *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return bx_binary(a, op, b);
}

struct bt_expr *bx_ref(struct bt_expr *e)
{
    if (e)
        e->refs++;
    return e;
}

void bx_free(struct bt_expr *e)
{
    if (!e || --e->refs > 0)
        return;
    bx_free(e->a);
    bx_free(e->b);
    bx_free(e->c);
    for (int i = 0; i < e->items.n; i++)
        bx_free(e->items.v[i]);
    vec_free(&e->items);
    free(e->text);
    free(e->member);
    free(e);
}

static int same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int bx_equal(const struct bt_expr *a, const struct bt_expr *b)
{
    if (a == b)
        return 1;
    if (!a || !b || a->kind != b->kind || !same_text(a->text, b->text) ||
        !same_text(a->op, b->op) || !same_text(a->member, b->member) || a->value != b->value ||
        a->digits != b->digits || a->is_unsigned != b->is_unsigned || a->same != b->same || a->eq != b->eq ||
        a->lit_left != b->lit_left || a->items.n != b->items.n)
        return 0;
    for (int i = 0; i < a->items.n; i++)
        if (!bx_equal(a->items.v[i], b->items.v[i]))
            return 0;
    return bx_equal(a->a, b->a) && bx_equal(a->b, b->b) && bx_equal(a->c, b->c);
}
