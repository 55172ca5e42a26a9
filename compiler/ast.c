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
