// SPDX-License-Identifier: Apache-2.0
// Expression trees: what the bison parser builds from the expressions embedded in
// a recipe (`where:`, column values, keys), and what the checker annotates.
#ifndef OVSTRACE_AST_H
#define OVSTRACE_AST_H

#include "source.h"
#include "types.h"

#include <stdint.h>

enum expr_kind {
    E_INT,        /* 42, 0x2a */
    E_DURATION,   /* 500ms: ival holds nanoseconds */
    E_STRING,     /* "text" */
    E_BOOL,       /* true / false */
    E_IPV4,       /* 10.0.0.1: addr[0..3] */
    E_IPV6,       /* 2001:db8::1: addr[0..15] */
    E_MAC,        /* aa:bb:cc:dd:ee:ff: addr[0..5] */
    E_NAME,       /* ukey, tid, comm, round (a span) */
    E_PARAM,      /* $threshold */
    E_MEMBER,     /* lhs.name */
    E_INDEX,      /* lhs[rhs] */
    E_CALL,       /* name(args) */
    E_UNARY,      /* op lhs */
    E_BINARY,     /* lhs op rhs */
};

/* Operators, shared by the parser and the checker. */
enum expr_op {
    OP_NONE, OP_OR, OP_AND, OP_BOR, OP_BXOR, OP_BAND, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_SHL, OP_SHR, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_NOT, OP_BNOT, OP_NEG,
};

/* What a name resolved to, filled in by the checker. */
enum expr_ref {
    REF_NONE,
    REF_ARG,        /* probe argument number `index` */
    REF_FIELD,      /* struct field `field` reached through lhs */
    REF_BUILTIN,    /* pid, tid, comm, ... (`builtin`) */
    REF_SPAN,       /* a span's start/duration/capture/count (`span`, `index`) */
    REF_CONST,      /* folded to a constant (params, literals, enum names) */
};

/* A span value's `index` (REF_SPAN): from 0 one of the span's captures, then its counts; or
 * one of these, which every span has. */
enum span_value { SPAN_DURATION = -1, SPAN_START = -2 };

struct cat_probe;
struct cat_field;
struct span;

struct expr {
    enum expr_kind kind;
    struct loc loc;
    enum expr_op op;
    char *name;
    uint64_t ival;
    unsigned char addr[16];
    char *str;
    struct expr *lhs, *rhs;
    struct expr **args;
    int nargs;

    /* Set by the checker. */
    struct type type;
    enum expr_ref ref;
    int index;
    const struct cat_field *field;
    const struct span *span;
    const char *builtin;
    const void *data;        /* what the checker resolved a name to, e.g. the param of $flow */
    int is_const;            /* value known at compile time: cval (or cstr for strings) */
    int64_t cval;
    char *cstr;
};

struct expr *expr_new(enum expr_kind kind, struct loc loc);
void expr_free(struct expr *e);
const char *expr_op_text(enum expr_op op);
/* A fresh, unchecked copy of a parsed tree. */
struct expr *expr_clone(const struct expr *e);
/* E's whole text: a member's loc is its field name (for "has no field" errors), this
 * reaches back to the start of what it is a member of (udpif.dpif.full_name). */
struct loc expr_extent(const struct expr *e);
/* The tree as an s-expression, "(&& (== result 1) (! x))": for tests and debugging. */
char *expr_dump(const struct expr *e);

#endif
