// SPDX-License-Identifier: Apache-2.0
// The bpftrace program representation: construction helpers and the one
// place where text from a recipe becomes a bpftrace string literal.
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
    vec_free(&b->declared_zero);
    free(b->attach);
    free(b->pred);
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

static struct bt_stmt *add_text(struct bt_block *b, enum bt_stmt_kind kind, char *text)
{
    struct bt_stmt *st = xcalloc(1, sizeof *st);
    st->kind = kind;
    st->text = text;
    vec_push(open_body(b), st);
    return st;
}

static struct bt_stmt *add(struct bt_block *b, enum bt_stmt_kind kind, const char *fmt, va_list ap)
{
    struct strbuf s = { 0 };
    sb_vprintf(&s, fmt, ap);
    return add_text(b, kind, sb_steal(&s));
}

void bt_line(struct bt_block *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(b, BT_LINE, fmt, ap);
    va_end(ap);
}

void bt_if(struct bt_block *b, const char *cond_fmt, ...)
{
    va_list ap;
    va_start(ap, cond_fmt);
    struct bt_stmt *st = add(b, BT_IF, cond_fmt, ap);
    va_end(ap);
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
void bt_else_if(struct bt_block *b, const char *cond_fmt, ...)
{
    struct bt_stmt *st = open_if(b);
    b->open.v[b->open.n - 1] = &st->orelse;
    va_list ap;
    va_start(ap, cond_fmt);
    struct bt_stmt *inner = add(b, BT_IF, cond_fmt, ap);
    va_end(ap);
    inner->else_if = 1;
    b->open.v[b->open.n - 1] = &inner->body;
}

void bt_loop(struct bt_block *b, int bound, const char *counter, const char *cond_fmt, ...)
{
    va_list ap;
    va_start(ap, cond_fmt);
    struct bt_stmt *st = add(b, BT_LOOP, cond_fmt, ap);
    va_end(ap);
    st->bound = bound;
    st->counter = xstrdup(counter);
    vec_push(&b->open, &st->body);
}

void bt_unroll(struct bt_block *b, int n)
{
    struct bt_stmt *st = add_text(b, BT_UNROLL, NULL);
    st->bound = n;
    vec_push(&b->open, &st->body);
}

void bt_end(struct bt_block *b)
{
    if (!b->open.n)
        misuse("bt_end without an open statement");
    b->open.n--;
}

void bt_delete(struct bt_block *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(b, BT_DELETE, fmt, ap);
    va_end(ap);
}

/* bpftrace string literals know \n \t \" \\ and octal escapes; anything else
 * outside printable ASCII goes out as octal, and '%' cannot reach a format. */
void bt_quote(struct strbuf *out, const char *s)
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

void bt_print_text(struct bt_block *b, const char *prefix_fmt, const char *text)
{
    struct strbuf fmt = { 0 }, args = { 0 };
    sb_add(&fmt, prefix_fmt);
    size_t len = strlen(text);
    for (size_t off = 0; off < len || off == 0; off += BT_STRING_MAX) {
        size_t n = len - off < BT_STRING_MAX ? len - off : BT_STRING_MAX;
        char *chunk = xstrndup(text + off, n);
        sb_add(&fmt, "%s");
        sb_add(&args, ", ");
        bt_quote(&args, chunk);
        free(chunk);
        if (len == 0)
            break;
    }
    sb_add(&fmt, "\\n");
    bt_line(b, "printf(\"%s\"%s);", fmt.s, args.s);
    sb_free(&fmt);
    sb_free(&args);
}
