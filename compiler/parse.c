// SPDX-License-Identifier: Apache-2.0
// Parse pass: run the bison parser over one expression held in a YAML scalar,
// and translate its byte offsets into positions in the recipe file.
#include "parse.h"
#include "parse_ctx.h"
#include "parser.h"
#include "lexer.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Longer than any sensible expression; keeps hostile input from costing much. */
#define EXPR_MAX_BYTES 4096

struct loc parse_ctx_loc(struct parse_ctx *ctx, unsigned off, unsigned len)
{
    return yscalar_loc(ctx->scalar, off, len);
}

void parse_ctx_error(struct parse_ctx *ctx, unsigned off, unsigned len, const char *fmt, ...)
{
    if (ctx->errors++)
        return;    /* the first syntax error is the useful one */
    struct strbuf b = { 0 };
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    diag_error(ctx->d, parse_ctx_loc(ctx, off, len), "%s", b.s);
    sb_free(&b);
}

unsigned parse_ctx_end(const struct parse_ctx *ctx)
{
    size_t n = ctx->scalar->vlen;
    while (n > 0 && strchr(" \t\r\n", ctx->scalar->value[n - 1]))
        n--;
    return (unsigned)n;
}

void arg_list_push(struct arg_list *l, struct expr *e)
{
    l->v = xrealloc(l->v, (size_t)(l->n + 1) * sizeof *l->v);
    l->v[l->n++] = e;
}

struct expr *parse_expr(const struct ynode *scalar, struct diag *d)
{
    struct parse_ctx ctx = { .scalar = scalar, .d = d };
    if (scalar->kind != Y_SCALAR) {
        diag_error(d, scalar->loc, "expected an expression, found %s", ynode_kind_name(scalar->kind));
        return NULL;
    }
    if (scalar->vlen > EXPR_MAX_BYTES) {
        diag_error(d, scalar->loc, "expression longer than %d bytes", EXPR_MAX_BYTES);
        return NULL;
    }
    if (scalar->vlen == 0 || strspn(scalar->value, " \t\r\n") == scalar->vlen) {
        diag_error(d, scalar->loc, "empty expression");
        return NULL;
    }
    yyscan_t scanner;
    if (ovxlex_init_extra(&ctx, &scanner) != 0) {
        diag_error(d, scalar->loc, "cannot start the expression lexer");
        return NULL;
    }
    YY_BUFFER_STATE buf = ovx_scan_bytes(scalar->value, (int)scalar->vlen, scanner);
    int rc = ovxparse(scanner, &ctx);
    ovx_delete_buffer(buf, scanner);
    ovxlex_destroy(scanner);
    if (rc != 0 || ctx.errors) {
        if (!ctx.errors)
            diag_error(d, scalar->loc, "cannot parse expression");
        expr_free(ctx.result);
        return NULL;
    }
    return ctx.result;
}
