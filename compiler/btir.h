// SPDX-License-Identifier: Apache-2.0
// The bpftrace program as the lowering pass builds it: comments, struct
// definitions and probe blocks of statement lines, before it is printed.
#ifndef OVSTRACE_BTIR_H
#define OVSTRACE_BTIR_H

#include "stack_budget.h"
#include "util.h"

struct bt_block {
    char *attach;        /* "usdt::main:run_start", "BEGIN", "interval:ms:10" */
    char *pred;          /* NULL: none */
    char *comment;       /* one line above the block, NULL: none */
    struct vec lines;    /* statements; a line ending in '{' opens a nesting level, '}' closes it */
    struct stack_budget stack;   /* the BPF stack its statements need, added up as they are lowered */
    /* What its statements read from the probe, recorded as they are lowered and read once,
     * first thing in the block (lower.c, hoist_reads): */
    unsigned args_read;          /* bit N: argN */
    struct vec fields_read;      /* char *: a tracepoint's integer fields */
    struct vec declared;         /* char *: variables declared at its top (lower.c, declare) ... */
    struct vec declared_zero;    /* const char *, not owned: ... each with this value of its type */
};

struct bt_program {
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
void bt_line(struct bt_block *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Quote S as a bpftrace string literal; every byte outside printable ASCII is escaped. */
void bt_quote(struct strbuf *out, const char *s);
/* printf TEXT followed by a newline. bpftrace 0.17 refuses string literals of 64 bytes or
 * more, so the text goes out as several %s arguments of at most 63 bytes each. */
void bt_print_text(struct bt_block *b, const char *prefix_fmt, const char *text);
#define BT_STRING_MAX 63
#define BT_TEXT_MAX (BT_STRING_MAX * 6)

#endif
