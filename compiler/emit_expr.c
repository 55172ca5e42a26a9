// SPDX-License-Identifier: Apache-2.0
// Emit pass, expressions: a bpftrace expression (btexpr.h) in, its text for one bpftrace
// (bt_dialect.h) out. Every version-dependent form of an expression is decided here.
#include "emit.h"

#include <stdlib.h>

/* S as a bpftrace string literal: the one place where text (a recipe's, a format) becomes one.
 * bpftrace string literals know \n \t \" \\ and octal escapes; anything else
 * outside printable ASCII goes out as octal, and '%' cannot reach a format. */
static void quote(struct strbuf *out, const char *s)
{
    sb_addc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            sb_addc(out, '\\');
            sb_addc(out, (char)*p);
        } else if (*p == '\n') {
            sb_add(out, "\\n");
        } else if (*p == '\t') {
            sb_add(out, "\\t");
        } else if (*p < 0x20 || *p >= 0x7f) {
            sb_printf(out, "\\%03o", *p);
        } else {
            sb_addc(out, (char)*p);
        }
    }
    sb_addc(out, '"');
}

static void items(struct strbuf *o, const struct bt_dialect *dl, const struct bt_expr *list)
{
    for (int i = 0; i < list->items.n; i++) {
        sb_add(o, i ? ", " : "");
        emit_expr(o, dl, list->items.v[i]);
    }
}

/* A, then BETWEEN, then B. */
static void infix(struct strbuf *o, const struct bt_dialect *dl, const struct bt_expr *a, const char *between,
                  const struct bt_expr *b)
{
    emit_expr(o, dl, a);
    sb_add(o, between);
    emit_expr(o, dl, b);
}

static void integer(struct strbuf *o, const struct bt_expr *e)
{
    if (e->digits)
        sb_printf(o, "0x%0*llx", e->digits, (unsigned long long)e->value);
    else if (e->is_unsigned)
        sb_printf(o, "%llu", (unsigned long long)e->value);
    else
        sb_printf(o, "%lld", e->value);
}

/* 0.26 makes every difference an int64, casting unsigned operands with a warning each:
 * the casts written out say it is meant (values here are times and offsets, far below 2^63). */
static void unsigned_difference(struct strbuf *o, const struct bt_dialect *dl, const struct bt_expr *e)
{
    sb_add(o, dl->signed_sub ? "(uint64)((int64)(" : "");
    infix(o, dl, e->a, dl->signed_sub ? ") - (int64)(" : " - ", e->b);
    sb_add(o, dl->signed_sub ? "))" : "");
}

/* From 0.26 a map read before the script first sets it is an int64 (literals are small
 * signed types), so a counter kept in a map is signed and `%` on it is warned about. */
static void counter_mod(struct strbuf *o, const struct bt_dialect *dl, const struct bt_expr *e)
{
    sb_add(o, dl->signed_sub ? "(uint64)" : "");
    emit_expr(o, dl, e->a);
    sb_printf(o, " %% %lld", e->value);
}

/* Where the version warns about && or || with a string compared to a literal
 * (strncmp_literals), strncmp over the literal's bytes and its NUL: equal exactly when the
 * strings are. */
static void string_compare(struct strbuf *o, const struct bt_dialect *dl, const struct bt_expr *e)
{
    const char *op = e->eq ? "==" : "!=";
    sb_addc(o, '(');
    if (dl->strncmp_literals) {
        sb_add(o, "strncmp(");
        infix(o, dl, e->lit_left ? e->b : e->a, ", ", e->lit_left ? e->a : e->b);
        sb_printf(o, ", %lld) %s 0", e->value + 1, op);
    } else {
        infix(o, dl, e->a, e->eq ? " == " : " != ", e->b);
    }
    sb_addc(o, ')');
}

/* 0.27 warns about a cast to the type the value already has. */
static void cast(struct strbuf *o, const struct bt_dialect *dl, const struct bt_expr *e)
{
    if (!(e->same && dl->same_cast_warns))
        sb_printf(o, "(%s)", e->text);
    emit_expr(o, dl, e->a);
}

void emit_expr(struct strbuf *o, const struct bt_dialect *dl, const struct bt_expr *e)
{
    switch (e->kind) {
    case BX_INT: integer(o, e); break;
    case BX_STR: quote(o, e->text); break;
    case BX_VAR: case BX_BUILTIN: case BX_CATALOG: sb_add(o, e->text); break;
    case BX_MAP:
        sb_add(o, e->text);
        if (e->a) {
            sb_addc(o, '[');
            emit_expr(o, dl, e->a);
            sb_addc(o, ']');
        }
        break;
    case BX_TP_FIELD: sb_printf(o, "%s%s", dl->tp_field, e->text); break;
    case BX_OFFSETOF: sb_printf(o, "offsetof(struct %s, %s)", e->text, e->member); break;
    case BX_CALL:
        sb_printf(o, "%s(", e->text);
        if (e->a)
            emit_expr(o, dl, e->a);
        sb_addc(o, ')');
        break;
    case BX_LIST: items(o, dl, e); break;
    case BX_CAST: cast(o, dl, e); break;
    case BX_UNARY:
        sb_add(o, e->op);
        emit_expr(o, dl, e->a);
        break;
    case BX_BINARY:
        emit_expr(o, dl, e->a);
        sb_printf(o, " %s ", e->op);
        emit_expr(o, dl, e->b);
        break;
    case BX_MEMBER:
        emit_expr(o, dl, e->a);
        sb_printf(o, "%s%s", e->op, e->member);
        break;
    case BX_INDEX:
        infix(o, dl, e->a, "[", e->b);
        sb_addc(o, ']');
        break;
    case BX_TERNARY:
        infix(o, dl, e->a, " ? ", e->b);
        sb_add(o, " : ");
        emit_expr(o, dl, e->c);
        break;
    case BX_USUB: unsigned_difference(o, dl, e); break;
    case BX_COUNTER_MOD: counter_mod(o, dl, e); break;
    case BX_STR_COMPARE: string_compare(o, dl, e); break;
    case BX_PAREN:
        sb_addc(o, '(');
        emit_expr(o, dl, e->a);
        sb_addc(o, ')');
        break;
    }
}

char *emit_expr_text(const struct bt_dialect *dl, const struct bt_expr *e)
{
    struct strbuf o = { 0 };
    emit_expr(&o, dl, e);
    return sb_steal(&o);
}
