// SPDX-License-Identifier: Apache-2.0
// Emit pass: the renderer. Print the lowered program (btir.h) as bpftrace source for the
// bpftrace it is for (its dialect, bt_dialect.h), in a fixed order (header, structs,
// config, BEGIN, probes, timers, END) with 4-space indentation.
#include "emit.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void indent(struct strbuf *out, int depth)
{
    for (int d = 0; d < depth; d++)
        sb_add(out, "    ");
}

static void line(struct strbuf *out, int depth, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(struct strbuf *out, int depth, const char *fmt, ...)
{
    indent(out, depth);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(out, fmt, ap);
    va_end(ap);
    sb_addc(out, '\n');
}

static void emit_stmts(struct strbuf *out, const struct bt_dialect *dl, const struct vec *v, int depth);

/* A line: what opens it (at DEPTH), expression E, and what closes it ("" for nothing). */
static void expr_line(struct strbuf *out, const struct bt_dialect *dl, int depth, const char *open,
                      const struct bt_expr *e, const char *close)
{
    indent(out, depth);
    sb_add(out, open);
    emit_expr(out, dl, e);
    sb_add(out, close);
    sb_addc(out, '\n');
}

/* if (C) { ... } else if (D) { ... } else { ... }: an orelse that is one else-if goes on. */
static void emit_if(struct strbuf *out, const struct bt_dialect *dl, const struct bt_stmt *st, int depth)
{
    expr_line(out, dl, depth, "if (", st->expr, ") {");
    for (;;) {
        emit_stmts(out, dl, &st->body, depth + 1);
        if (!st->orelse.n)
            break;
        const struct bt_stmt *next = st->orelse.v[0];
        if (st->orelse.n == 1 && next->kind == BT_IF && next->else_if) {
            expr_line(out, dl, depth, "} else if (", next->expr, ") {");
            st = next;
            continue;
        }
        line(out, depth, "} else {");
        emit_stmts(out, dl, &st->orelse, depth + 1);
        break;
    }
    line(out, depth, "}");
}

/* A bounded loop: at most BOUND rounds while the condition holds. bpftrace 0.25 deprecates
 * `while` for range loops, `for ($i : 0..N)` with a break when the condition fails, but
 * the verifier walks such a loop far longer: upcall_monitor with key=true and a whole
 * pasted key as its filter takes 177 thousand instructions as a while loop on 0.27 and
 * passes the million limit as a range loop (with a second counter, odp_filter does too).
 * So `while` it is, on every version, and its deprecation warning is expected on 0.25 and
 * later (tests/tiers/load_tier.sh). */
static void emit_loop(struct strbuf *out, const struct bt_dialect *dl, const struct bt_stmt *st, int depth)
{
    line(out, depth, "$%s = 0;", st->counter);
    char open[64];
    snprintf(open, sizeof open, "while ($%s < %d && ", st->counter, st->bound);
    expr_line(out, dl, depth, open, st->expr, ") {");
    emit_stmts(out, dl, &st->body, depth + 1);
    line(out, depth + 1, "$%s++;", st->counter);
    line(out, depth, "}");
}

/* LHS = EXPR; or EXPR; and the statement's comment after it. */
static void emit_simple(struct strbuf *out, const struct bt_dialect *dl, const struct bt_stmt *st, int depth)
{
    indent(out, depth);
    if (st->lhs) {
        emit_expr(out, dl, st->lhs);
        sb_add(out, " = ");
    }
    emit_expr(out, dl, st->expr);
    sb_addc(out, ';');
    if (st->text)
        sb_printf(out, "    // %s", st->text);
    sb_addc(out, '\n');
}

static void emit_stmts(struct strbuf *out, const struct bt_dialect *dl, const struct vec *v, int depth)
{
    for (int i = 0; i < v->n; i++) {
        const struct bt_stmt *st = v->v[i];
        switch (st->kind) {
        case BT_COMMENT:
            line(out, depth, "// %s", st->text);
            break;
        case BT_ASSIGN:
        case BT_EVAL:
            emit_simple(out, dl, st, depth);
            break;
        case BT_BREAK:
            line(out, depth, "break;");
            break;
        case BT_IF:
            emit_if(out, dl, st, depth);
            break;
        case BT_LOOP:
            emit_loop(out, dl, st, depth);
            break;
        case BT_UNROLL:
            line(out, depth, "unroll(%d) {", st->bound);
            emit_stmts(out, dl, &st->body, depth + 1);
            line(out, depth, "}");
            break;
        case BT_DELETE:
            /* From 0.24 delete() says whether it deleted, and a result left unused is warned
             * about; taking it is the way to say it does not matter (0.23 refuses that). */
            expr_line(out, dl, depth, dl->delete_returns ? "$_DELETED = delete(" : "delete(", st->expr, ");");
            break;
        }
    }
}

/* Read a probe's arguments into variables first thing in its block. bpftrace 0.17 reads
 * argN from the saved registers, and a tracepoint's integer fields from its context, each
 * time they are named; LLVM may keep an offset context pointer for a later read (after a
 * key walk's loop, or for a field two statements read), and the verifier refuses the
 * program ("dereference of modified ctx ptr"). Read once, up front, the problem cannot
 * arise. (Tracepoint strings are copied out with a helper, which may take such a pointer.)
 * What to read is what the lowering recorded as it named them (lower_expr.c, arg_ref and
 * field_ref); the variables it declared where every version sees them follow (declare). */
static void emit_prologue(struct strbuf *out, const struct bt_dialect *dl, const struct bt_block *b)
{
    for (int n = 0; n < 32; n++)
        if (b->args_read >> n & 1)
            line(out, 1, "$arg%d = arg%d;", n, n);
    for (int i = 0; i < b->fields_read.n; i++)
        line(out, 1, "$tp_%s = %s%s;", (char *)b->fields_read.v[i], dl->tp_field, (char *)b->fields_read.v[i]);
    for (int i = 0; i < b->declared.n; i++) {
        char *open = xasprintf("%s = ", (char *)b->declared.v[i]);
        expr_line(out, dl, 1, open, b->declared_zero.v[i], ";");
        free(open);
    }
}

static void emit_block(struct strbuf *out, const struct bt_dialect *dl, const struct bt_block *b)
{
    if (bt_block_empty(b))
        return;
    if (b->comment)
        sb_printf(out, "// %s\n", b->comment);
    sb_add(out, b->attach);
    if (b->pred)
        expr_line(out, dl, 0, "\n/", b->pred, "/");
    sb_add(out, b->pred ? "{\n" : "\n{\n");
    emit_prologue(out, dl, b);
    emit_stmts(out, dl, &b->body, 1);
    sb_add(out, "}\n\n");
}

char *emit_script(const struct bt_program *p)
{
    struct strbuf out = { 0 };
    sb_add(&out, "#!/usr/bin/env bpftrace\n");
    for (int i = 0; i < p->header.n; i++) {
        /* A comment ends at a newline: a file name or value holding one must not end it early.
         * Control characters, line separators, bidirectional controls (which would show the
         * line as other than it is) and broken UTF-8 (a file name's) become '?'. */
        sb_add(&out, "// ");
        const char *h = p->header.v[i];
        for (size_t j = 0, n = strlen(h); j < n;) {
            size_t len = utf8_char_len(h + j, n - j);
            if (!len || !utf8_char_inert(h + j, len)) {
                sb_addc(&out, '?');
                j += len ? len : 1;
            } else {
                sb_addn(&out, h + j, len);
                j += len;
            }
        }
        sb_addc(&out, '\n');
    }
    sb_addc(&out, '\n');
    for (int i = 0; i < p->structs.n; i++)
        sb_printf(&out, "%s\n", (const char *)p->structs.v[i]);
    if (p->structs.n)
        sb_addc(&out, '\n');
    /* bpftrace's grammar: C definitions, then the config block, then the probes. */
    for (int i = 0; i < p->config.n; i++)
        sb_printf(&out, "%s%s%s", i ? "; " : "config = { ", (const char *)p->config.v[i], i + 1 < p->config.n ? "" : " }\n\n");
    emit_block(&out, &p->dialect, p->begin);
    for (int i = 0; i < p->blocks.n; i++)
        emit_block(&out, &p->dialect, p->blocks.v[i]);
    for (int i = 0; i < p->timers.n; i++)
        emit_block(&out, &p->dialect, p->timers.v[i]);
    emit_block(&out, &p->dialect, p->end);
    /* One trailing newline, not two. */
    if (out.len >= 2 && out.s[out.len - 1] == '\n' && out.s[out.len - 2] == '\n')
        out.s[--out.len] = '\0';
    return sb_steal(&out);
}
