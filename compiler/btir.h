// SPDX-License-Identifier: Apache-2.0
// The bpftrace program as the lowering pass builds it: comments, struct definitions, settings
// and probe blocks of statements, before the renderer (emit.c) prints it for its bpftrace.
#ifndef OVSTRACE_BTIR_H
#define OVSTRACE_BTIR_H

#include "bt_dialect.h"
#include "btexpr.h"
#include "stack_budget.h"
#include "util.h"

/* A statement: data throughout, so that the renderer (emit.c) writes each the way the
 * target bpftrace wants (bt_dialect.h). Only comments are text. */
enum bt_stmt_kind {
    BT_COMMENT,   /* // text */
    BT_ASSIGN,    /* lhs = expr; */
    BT_EVAL,      /* expr; (a call: printf, print, clear, exit, time) */
    BT_BREAK,     /* break; */
    BT_IF,        /* if (expr) { body } else { orelse } */
    BT_LOOP,      /* while (expr) { body }, at most `bound` rounds, $counter counting them */
    BT_UNROLL,    /* unroll(bound) { body } */
    BT_DELETE,    /* delete(expr): expr is @map or @map[key] */
};

struct bt_stmt {
    enum bt_stmt_kind kind;
    char *text;           /* BT_COMMENT: the comment; otherwise one after the statement, NULL: none */
    struct bt_expr *lhs;
    struct bt_expr *expr;
    int bound;
    char *counter;
    int else_if;          /* BT_IF, the only statement of its parent's orelse: "} else if" */
    struct vec body;      /* struct bt_stmt * */
    struct vec orelse;    /* struct bt_stmt * */
};

struct bt_block {
    char *attach;        /* "usdt::main:run_start", "BEGIN", "interval:ms:10" */
    struct bt_expr *pred;   /* NULL: none */
    char *comment;       /* one line above the block, NULL: none */
    struct loc loc;      /* the recipe's probe it is for (diagnostics about the whole block) */
    struct vec body;     /* struct bt_stmt *: its statements */
    struct vec open;     /* struct vec *: where the next statement goes, innermost last (bt_if .. bt_end) */
    struct stack_budget stack;   /* the BPF stack its statements need, added up as they are lowered */
    /* What its statements read from the probe, recorded as they are lowered and read once,
     * first thing in the block (emit.c; why: lower_expr.c, arg_ref): */
    unsigned args_read;          /* bit N: argN */
    struct vec fields_read;      /* char *: a tracepoint's integer fields */
    struct vec declared;         /* char *: variables declared at its top (lower_span.c, declare) ... */
    struct vec declared_zero;    /* struct bt_expr *: ... each with this value of its type */
};

struct bt_program {
    struct bt_dialect dialect;   /* the bpftrace it is written for */
    struct vec header;   /* comment lines */
    struct vec config;   /* "NAME = VALUE" settings of a config block (bpftrace 0.21 and later) */
    struct vec structs;  /* complete struct definitions */
    struct bt_block *begin;
    struct vec blocks;   /* struct bt_block *: probes, in recipe order */
    struct vec timers;   /* struct bt_block *: interval blocks */
    struct bt_block *end;
};

struct bt_program *bt_program_new(void);
void bt_program_free(struct bt_program *p);
struct bt_block *bt_block_new(const char *attach);
int bt_block_empty(const struct bt_block *b);
/* Statements, added where the block is open; each takes over the expressions it is given
 * (btexpr.h): a comment; an assignment; an expression evaluated for its effect; break; an
 * if (COND) whose body follows until bt_else/bt_else_if/bt_end; a loop of at most BOUND
 * rounds while COND holds, the variable $COUNTER counting them (the renderer sets and steps
 * it); unroll(N); delete(MAP), MAP a map or one of its entries. */
struct bt_stmt *bt_comment(struct bt_block *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct bt_stmt *bt_assign(struct bt_block *b, struct bt_expr *lhs, struct bt_expr *rhs);
struct bt_stmt *bt_eval(struct bt_block *b, struct bt_expr *e);
void bt_break(struct bt_block *b);
void bt_if(struct bt_block *b, struct bt_expr *cond);
void bt_else_if(struct bt_block *b, struct bt_expr *cond);
void bt_else(struct bt_block *b);
void bt_loop(struct bt_block *b, int bound, const char *counter, struct bt_expr *cond);
void bt_unroll(struct bt_block *b, int n);
void bt_end(struct bt_block *b);
void bt_delete(struct bt_block *b, struct bt_expr *map);
/* printf PREFIX TEXT and a newline, PREFIX a format without conversions. bpftrace 0.17
 * refuses string literals of 64 bytes or more, so the text goes out as several %s
 * arguments of at most 63 bytes each. */
void bt_print_text(struct bt_block *b, const char *prefix, const char *text);
#define BT_STRING_MAX 63
#define BT_TEXT_MAX (BT_STRING_MAX * 6)

#endif
