// SPDX-License-Identifier: Apache-2.0
// What the lexer and parser share with the parse driver: the scalar being parsed
// (to turn byte offsets into recipe positions), the result, and error reporting.
#ifndef OVSTRACE_PARSE_CTX_H
#define OVSTRACE_PARSE_CTX_H

#include "ast.h"
#include "diag.h"
#include "yamltree.h"

#include <stdint.h>

struct parse_span {
    unsigned begin, end;     /* byte offsets inside the expression text */
};

struct token_value {
    char *text;
    uint64_t num;
    unsigned char addr[16];
};

struct arg_list {
    struct expr **v;
    int n;
};

struct parse_ctx {
    const struct ynode *scalar;
    struct diag *d;
    struct expr *result;
    const char *lex_error;   /* set by the lexer before it returns LEXERROR */
    int errors;
    unsigned pos;            /* lexer's byte offset */
};

struct loc parse_ctx_loc(struct parse_ctx *ctx, unsigned off, unsigned len);
void parse_ctx_error(struct parse_ctx *ctx, unsigned off, unsigned len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void arg_list_push(struct arg_list *l, struct expr *e);
/* Offset just past the expression's last non-blank character. */
unsigned parse_ctx_end(const struct parse_ctx *ctx);

#endif
