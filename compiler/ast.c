// SPDX-License-Identifier: Apache-2.0
// Expression trees: construction, destruction and operator spelling.
#include "ast.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct expr *expr_new(enum expr_kind kind, struct loc loc)
{
    struct expr *e = xcalloc(1, sizeof *e);
    e->kind = kind;
    e->loc = loc;
    return e;
}

void expr_free(struct expr *e)
{
    if (!e)
        return;
    expr_free(e->lhs);
    expr_free(e->rhs);
    for (int i = 0; i < e->nargs; i++)
        expr_free(e->args[i]);
    free(e->args);
    free(e->name);
    free(e->str);
    free(e->cstr);
    type_release(&e->type);
    free(e);
}

const char *expr_op_text(enum expr_op op)
{
    static const char *const text[] = {
        [OP_NONE] = "?", [OP_OR] = "||", [OP_AND] = "&&", [OP_BOR] = "|", [OP_BXOR] = "^",
        [OP_BAND] = "&", [OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=",
        [OP_GT] = ">", [OP_GE] = ">=", [OP_SHL] = "<<", [OP_SHR] = ">>", [OP_ADD] = "+",
        [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/", [OP_MOD] = "%", [OP_NOT] = "!",
        [OP_BNOT] = "~", [OP_NEG] = "-",
    };
    return text[op];
}

struct expr *expr_clone(const struct expr *e)
{
    if (!e)
        return NULL;
    struct expr *c = expr_new(e->kind, e->loc);
    c->op = e->op;
    c->name = e->name ? xstrdup(e->name) : NULL;
    c->ival = e->ival;
    memcpy(c->addr, e->addr, sizeof c->addr);
    c->str = e->str ? xstrdup(e->str) : NULL;
    c->lhs = expr_clone(e->lhs);
    /* rhs of a checked name is its synthesized length: not part of the source tree. */
    c->rhs = e->kind == E_NAME || e->kind == E_MEMBER ? NULL : expr_clone(e->rhs);
    if (e->nargs) {
        c->args = xcalloc((size_t)e->nargs, sizeof *c->args);
        for (int i = 0; i < e->nargs; i++)
            c->args[i] = expr_clone(e->args[i]);
        c->nargs = e->nargs;
    }
    return c;
}

#include "util.h"
#include <stdio.h>

static void dump(const struct expr *e, struct strbuf *b)
{
    switch (e->kind) {
    case E_INT: sb_printf(b, "%llu", (unsigned long long)e->ival); break;
    case E_DURATION: sb_printf(b, "%lluns", (unsigned long long)e->ival); break;
    case E_STRING: sb_printf(b, "\"%s\"", e->str); break;
    case E_BOOL: sb_add(b, e->ival ? "true" : "false"); break;
    case E_IPV4: sb_printf(b, "%u.%u.%u.%u", e->addr[0], e->addr[1], e->addr[2], e->addr[3]); break;
    case E_IPV6:
        sb_add(b, "ipv6:");
        for (int i = 0; i < 16; i++)
            sb_printf(b, "%02x", e->addr[i]);
        break;
    case E_MAC:
        for (int i = 0; i < 6; i++)
            sb_printf(b, "%s%02x", i ? ":" : "", e->addr[i]);
        break;
    case E_NAME: sb_add(b, e->name); break;
    case E_PARAM: sb_printf(b, "$%s", e->name); break;
    case E_MEMBER: sb_add(b, "(. "); dump(e->lhs, b); sb_printf(b, " %s)", e->name); break;
    case E_INDEX: sb_add(b, "([] "); dump(e->lhs, b); sb_addc(b, ' '); dump(e->rhs, b); sb_addc(b, ')'); break;
    case E_CALL:
        sb_printf(b, "(%s", e->name);
        for (int i = 0; i < e->nargs; i++) {
            sb_addc(b, ' ');
            dump(e->args[i], b);
        }
        sb_addc(b, ')');
        break;
    case E_UNARY: sb_printf(b, "(%s ", expr_op_text(e->op)); dump(e->lhs, b); sb_addc(b, ')'); break;
    case E_BINARY:
        sb_printf(b, "(%s ", expr_op_text(e->op));
        dump(e->lhs, b);
        sb_addc(b, ' ');
        dump(e->rhs, b);
        sb_addc(b, ')');
        break;
    }
}

char *expr_dump(const struct expr *e)
{
    struct strbuf b = { 0 };
    if (e)
        dump(e, &b);
    return sb_steal(&b);
}

struct loc expr_extent(const struct expr *e)
{
    struct loc l = e->loc;
    const struct expr *base = e;
    while (base->kind == E_MEMBER && base->lhs)
        base = base->lhs;
    if (base->loc.src == l.src && base->loc.off < l.off) {
        l.len += l.off - base->loc.off;
        l.off = base->loc.off;
    }
    return l;
}
