/* SPDX-License-Identifier: Apache-2.0 */
/* Expression parser: tokens of one recipe expression in, an expression tree out.
 * Pure and reentrant; locations are byte offsets inside the expression, mapped
 * back into the recipe file by the driver (compiler/parse.c). */
%require "3.8"
%define api.pure full
%define api.prefix {ovx}
%define parse.error custom
%locations
%expect 0

%code requires {
#include "ast.h"
#include "parse_ctx.h"
typedef void *yyscan_t;
#define OVXLTYPE struct parse_span
}

%code {
#include "util.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
int ovxlex(OVXSTYPE *lval, OVXLTYPE *lloc, yyscan_t scanner);
static void ovxerror(OVXLTYPE *lloc, yyscan_t scanner, struct parse_ctx *ctx, const char *msg);
#define YYLLOC_DEFAULT(Cur, Rhs, N) do { \
        if (N) { (Cur).begin = YYRHSLOC(Rhs, 1).begin; (Cur).end = YYRHSLOC(Rhs, N).end; } \
        else { (Cur).begin = (Cur).end = YYRHSLOC(Rhs, 0).end; } } while (0)
static struct expr *mk(struct parse_ctx *ctx, enum expr_kind k, OVXLTYPE at)
{
    return expr_new(k, parse_ctx_loc(ctx, at.begin, at.end - at.begin));
}
static struct expr *mk_bin(struct parse_ctx *ctx, enum expr_op op, struct expr *a, struct expr *b, OVXLTYPE at)
{
    struct expr *e = mk(ctx, E_BINARY, at);
    e->op = op; e->lhs = a; e->rhs = b;
    return e;
}
static struct expr *mk_un(struct parse_ctx *ctx, enum expr_op op, struct expr *a, OVXLTYPE at)
{
    struct expr *e = mk(ctx, E_UNARY, at);
    e->op = op; e->lhs = a;
    return e;
}
}

%lex-param {yyscan_t scanner}
%parse-param {yyscan_t scanner} {struct parse_ctx *ctx}

%union {
    struct expr *expr;
    struct token_value tok;
    struct arg_list args;
}

%token <tok> INT "integer" DURATION "duration" STRING "string" IPV4 "IPv4 address" IPV6 "IPv6 address"
%token <tok> MAC "MAC address" NAME "name" PARAM "parameter"
%token TRUE "true" FALSE "false"
%token OROR "||" ANDAND "&&" EQ "==" NE "!=" LE "<=" GE ">=" SHL "<<" SHR ">>"
%token LEXERROR "invalid token"

%type <expr> expr primary postfix
%type <args> args arglist

%destructor { expr_free($$); } <expr>
%destructor { free($$.text); } <tok>
%destructor { for (int i = 0; i < $$.n; i++) expr_free($$.v[i]); free($$.v); } <args>

%left "||"
%left "&&"
%left '|'
%left '^'
%left '&'
%left "==" "!="
%left '<' "<=" '>' ">="
%left "<<" ">>"
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY

%%

top: expr { ctx->result = $1; }
   ;

expr: postfix
    | expr "||" expr { $$ = mk_bin(ctx, OP_OR, $1, $3, @$); }
    | expr "&&" expr { $$ = mk_bin(ctx, OP_AND, $1, $3, @$); }
    | expr '|' expr  { $$ = mk_bin(ctx, OP_BOR, $1, $3, @$); }
    | expr '^' expr  { $$ = mk_bin(ctx, OP_BXOR, $1, $3, @$); }
    | expr '&' expr  { $$ = mk_bin(ctx, OP_BAND, $1, $3, @$); }
    | expr "==" expr { $$ = mk_bin(ctx, OP_EQ, $1, $3, @$); }
    | expr "!=" expr { $$ = mk_bin(ctx, OP_NE, $1, $3, @$); }
    | expr '<' expr  { $$ = mk_bin(ctx, OP_LT, $1, $3, @$); }
    | expr "<=" expr { $$ = mk_bin(ctx, OP_LE, $1, $3, @$); }
    | expr '>' expr  { $$ = mk_bin(ctx, OP_GT, $1, $3, @$); }
    | expr ">=" expr { $$ = mk_bin(ctx, OP_GE, $1, $3, @$); }
    | expr "<<" expr { $$ = mk_bin(ctx, OP_SHL, $1, $3, @$); }
    | expr ">>" expr { $$ = mk_bin(ctx, OP_SHR, $1, $3, @$); }
    | expr '+' expr  { $$ = mk_bin(ctx, OP_ADD, $1, $3, @$); }
    | expr '-' expr  { $$ = mk_bin(ctx, OP_SUB, $1, $3, @$); }
    | expr '*' expr  { $$ = mk_bin(ctx, OP_MUL, $1, $3, @$); }
    | expr '/' expr  { $$ = mk_bin(ctx, OP_DIV, $1, $3, @$); }
    | expr '%' expr  { $$ = mk_bin(ctx, OP_MOD, $1, $3, @$); }
    | '!' expr %prec UNARY { $$ = mk_un(ctx, OP_NOT, $2, @$); }
    | '~' expr %prec UNARY { $$ = mk_un(ctx, OP_BNOT, $2, @$); }
    | '-' expr %prec UNARY { $$ = mk_un(ctx, OP_NEG, $2, @$); }
    ;

postfix: primary
       | postfix '.' NAME {
             $$ = mk(ctx, E_MEMBER, @$); $$->lhs = $1; $$->name = $3.text;
             $$->loc = parse_ctx_loc(ctx, @3.begin, @3.end - @3.begin);
         }
       | postfix '[' expr ']' { $$ = mk(ctx, E_INDEX, @$); $$->lhs = $1; $$->rhs = $3; }
       ;

primary: INT      { $$ = mk(ctx, E_INT, @$); $$->ival = $1.num; free($1.text); }
       | DURATION { $$ = mk(ctx, E_DURATION, @$); $$->ival = $1.num; free($1.text); }
       | STRING   { $$ = mk(ctx, E_STRING, @$); $$->str = $1.text; }
       | IPV4     { $$ = mk(ctx, E_IPV4, @$); memcpy($$->addr, $1.addr, 4); free($1.text); }
       | IPV6     { $$ = mk(ctx, E_IPV6, @$); memcpy($$->addr, $1.addr, 16); free($1.text); }
       | MAC      { $$ = mk(ctx, E_MAC, @$); memcpy($$->addr, $1.addr, 6); free($1.text); }
       | TRUE     { $$ = mk(ctx, E_BOOL, @$); $$->ival = 1; }
       | FALSE    { $$ = mk(ctx, E_BOOL, @$); $$->ival = 0; }
       | NAME     { $$ = mk(ctx, E_NAME, @$); $$->name = $1.text; }
       | PARAM    { $$ = mk(ctx, E_PARAM, @$); $$->name = $1.text; }
       | NAME '(' args ')' {
             $$ = mk(ctx, E_CALL, @$); $$->name = $1.text; $$->args = $3.v; $$->nargs = $3.n;
         }
       | '(' expr ')' { $$ = $2; }
       ;

args: %empty { $$.v = NULL; $$.n = 0; }
    | arglist
    ;

arglist: expr { $$.v = NULL; $$.n = 0; arg_list_push(&$$, $1); }
       | arglist ',' expr { $$ = $1; arg_list_push(&$$, $3); }
       ;

%%

static void ovxerror(OVXLTYPE *lloc, yyscan_t scanner, struct parse_ctx *ctx, const char *msg)
{
    (void)scanner;
    parse_ctx_error(ctx, lloc->begin, lloc->end - lloc->begin, "%s", msg);
}

/* Operators in single quotes, words bare: "unexpected '==', expected name". */
static const char *token_text(const char *sym, char *buf, size_t len)
{
    size_t n = strlen(sym);
    if (n >= 2 && (sym[0] == '"' || sym[0] == '\'')) {
        sym++;
        n -= 2;
    }
    if (strncmp(sym, "end of file", n) == 0 && n == 11)
        return "end of expression";
    int word = 1;
    for (size_t i = 0; i < n; i++)
        word &= (sym[i] >= 'a' && sym[i] <= 'z') || (sym[i] >= 'A' && sym[i] <= 'Z') || sym[i] == ' ';
    snprintf(buf, len, word ? "%.*s" : "'%.*s'", (int)n, sym);
    return buf;
}

/* "unexpected X, expected Y or Z": the message names tokens the way a recipe author writes them. */
static int yyreport_syntax_error(const yypcontext_t *yyctx, yyscan_t scanner, struct parse_ctx *ctx)
{
    (void)scanner;
    const OVXLTYPE *at = yypcontext_location(yyctx);
    if (ctx->lex_error) {
        parse_ctx_error(ctx, at->begin, at->end - at->begin, "%s", ctx->lex_error);
        return 0;
    }
    yysymbol_kind_t expected[6];
    unsigned begin = at->begin, len = at->end > at->begin ? at->end - at->begin : 1;
    int n = yypcontext_expected_tokens(yyctx, expected, 6);
    struct strbuf b = { 0 };
    yysymbol_kind_t got = yypcontext_token(yyctx);
    char name[32];
    if (got == YYSYMBOL_YYEOF) {
        /* Point just past the last character, where something is missing. */
        sb_add(&b, "unexpected end of expression");
        begin = parse_ctx_end(ctx);
        len = 1;
    } else {
        sb_printf(&b, "unexpected %s", token_text(yysymbol_name(got), name, sizeof name));
    }
    if (n > 0 && n <= 4) {
        for (int i = 0; i < n; i++)
            sb_printf(&b, "%s%s", i == 0 ? ", expected " : i == n - 1 ? " or " : ", ",
                      token_text(yysymbol_name(expected[i]), name, sizeof name));
    }
    parse_ctx_error(ctx, begin, len, "%s", b.s);
    sb_free(&b);
    return 0;
}
