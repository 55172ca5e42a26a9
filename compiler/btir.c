// SPDX-License-Identifier: Apache-2.0
// The bpftrace program representation: construction helpers. Statements hold expressions
// (btexpr.h); text from a recipe goes in as string literals, quoted by the renderer.
#include "btir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bt_program *bt_program_new(void)
{
    struct bt_program *p = xcalloc(1, sizeof *p);
    p->begin = bt_block_new("BEGIN");
    p->end = bt_block_new("END");
    return p;
}

static void stmts_free(struct vec *v)
{
    for (int i = 0; i < v->n; i++) {
        struct bt_stmt *st = v->v[i];
        stmts_free(&st->body);
        stmts_free(&st->orelse);
        free(st->text);
        bx_free(st->lhs);
        bx_free(st->expr);
        free(st->counter);
        free(st);
    }
    vec_free(v);
}

static void block_free(struct bt_block *b)
{
    if (!b)
        return;
    stmts_free(&b->body);
    vec_free(&b->open);
    vec_free_strings(&b->fields_read);
    vec_free_strings(&b->declared);
    for (int i = 0; i < b->declared_zero.n; i++)
        bx_free(b->declared_zero.v[i]);
    vec_free(&b->declared_zero);
    free(b->attach);
    bx_free(b->pred);
    free(b->comment);
    free(b);
}

void bt_program_free(struct bt_program *p)
{
    if (!p)
        return;
    vec_free_strings(&p->header);
    vec_free_strings(&p->config);
    vec_free_strings(&p->structs);
    block_free(p->begin);
    block_free(p->end);
    for (int i = 0; i < p->blocks.n; i++)
        block_free(p->blocks.v[i]);
    vec_free(&p->blocks);
    for (int i = 0; i < p->timers.n; i++)
        block_free(p->timers.v[i]);
    vec_free(&p->timers);
    free(p);
}

struct bt_block *bt_block_new(const char *attach)
{
    struct bt_block *b = xcalloc(1, sizeof *b);
    b->attach = xstrdup(attach);
    return b;
}

int bt_block_empty(const struct bt_block *b)
{
    return b->body.n == 0;
}

/* Where the next statement goes: the innermost open body, else the block's own. */
static struct vec *open_body(struct bt_block *b)
{
    return b->open.n ? b->open.v[b->open.n - 1] : &b->body;
}

/* A statement built out of order is a bug of the lowering, not of the recipe. */
static void misuse(const char *what)
{
    fprintf(stderr, "ovstrace: internal error: %s\n", what);
    abort();
}

static struct bt_stmt *add(struct bt_block *b, enum bt_stmt_kind kind, struct bt_expr *e)
{
    struct bt_stmt *st = xcalloc(1, sizeof *st);
    st->kind = kind;
    st->expr = e;
    vec_push(open_body(b), st);
    return st;
}

struct bt_stmt *bt_comment(struct bt_block *b, const char *fmt, ...)
{
    struct strbuf s = { 0 };
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&s, fmt, ap);
    va_end(ap);
    struct bt_stmt *st = add(b, BT_COMMENT, NULL);
    st->text = sb_steal(&s);
    return st;
}

struct bt_stmt *bt_assign(struct bt_block *b, struct bt_expr *lhs, struct bt_expr *rhs)
{
    struct bt_stmt *st = add(b, BT_ASSIGN, rhs);
    st->lhs = lhs;
    return st;
}

struct bt_stmt *bt_eval(struct bt_block *b, struct bt_expr *e)
{
    return add(b, BT_EVAL, e);
}

void bt_break(struct bt_block *b)
{
    add(b, BT_BREAK, NULL);
}

void bt_if(struct bt_block *b, struct bt_expr *cond)
{
    struct bt_stmt *st = add(b, BT_IF, cond);
    vec_push(&b->open, &st->body);
}

/* The statement whose body or orelse is open innermost: an if, for bt_else. */
static struct bt_stmt *open_if(struct bt_block *b)
{
    if (!b->open.n)
        misuse("bt_else without bt_if");
    struct vec *outer = b->open.n > 1 ? b->open.v[b->open.n - 2] : &b->body;
    struct bt_stmt *st = outer->n ? outer->v[outer->n - 1] : NULL;
    /* After bt_else_if the open body is that of the last if of the chain. */
    while (st && st->kind == BT_IF && b->open.v[b->open.n - 1] != &st->body && st->orelse.n == 1)
        st = st->orelse.v[0];
    if (!st || st->kind != BT_IF || b->open.v[b->open.n - 1] != &st->body)
        misuse("bt_else outside an if's body");
    return st;
}

void bt_else(struct bt_block *b)
{
    struct bt_stmt *st = open_if(b);
    b->open.v[b->open.n - 1] = &st->orelse;
}

/* "} else if (COND) {": the new if is the first statement of the orelse, and its body is
 * open where the first if's was, so that one bt_end closes the chain. */
void bt_else_if(struct bt_block *b, struct bt_expr *cond)
{
    struct bt_stmt *st = open_if(b);
    b->open.v[b->open.n - 1] = &st->orelse;
    struct bt_stmt *inner = add(b, BT_IF, cond);
    inner->else_if = 1;
    b->open.v[b->open.n - 1] = &inner->body;
}

void bt_loop(struct bt_block *b, int bound, const char *counter, struct bt_expr *cond)
{
    struct bt_stmt *st = add(b, BT_LOOP, cond);
    st->bound = bound;
    st->counter = xstrdup(counter);
    vec_push(&b->open, &st->body);
}

void bt_unroll(struct bt_block *b, int n)
{
    struct bt_stmt *st = add(b, BT_UNROLL, NULL);
    st->bound = n;
    vec_push(&b->open, &st->body);
}

void bt_end(struct bt_block *b)
{
    if (!b->open.n)
        misuse("bt_end without an open statement");
    b->open.n--;
}

void bt_delete(struct bt_block *b, struct bt_expr *map)
{
    add(b, BT_DELETE, map);
}

void bt_print_text(struct bt_block *b, const char *prefix, const char *text)
{
    struct strbuf fmt = { 0 };
    struct bt_expr *args = bx_list(0);
    sb_add(&fmt, prefix);
    size_t len = strlen(text);
    for (size_t off = 0; off < len || off == 0; off += BT_STRING_MAX) {
        size_t n = len - off < BT_STRING_MAX ? len - off : BT_STRING_MAX;
        char *chunk = xstrndup(text + off, n);
        sb_add(&fmt, "%s");
        bx_list_add(args, bx_str(chunk));
        free(chunk);
        if (len == 0)
            break;
    }
    sb_add(&fmt, "\n");
    bt_eval(b, bx_printf(fmt.s, args));
    sb_free(&fmt);
}
