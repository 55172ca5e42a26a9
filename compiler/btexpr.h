// SPDX-License-Identifier: Apache-2.0
// A bpftrace expression as the lowering pass builds it: a tree of literals, variables, maps,
// calls and operators, rendered for one bpftrace by emit_expr.c. Where versions write a value
// differently (an unsigned difference, a cast, a string compare), the tree says what is meant
// and the renderer picks the form (bt_dialect.h).
#ifndef OVSTRACE_BTEXPR_H
#define OVSTRACE_BTEXPR_H

#include "util.h"

#include <stddef.h>

enum bt_expr_kind {
    BX_INT,         /* value: decimal, or hex of at least `digits` digits (0x%0Nx) */
    BX_STR,         /* text: a string literal, quoted by the renderer */
    BX_VAR,         /* text: "$name" (or "$1", bpftrace's first positional argument) */
    BX_MAP,         /* text: "@name"; a: its key (NULL: none), "@name[KEY]" */
    BX_BUILTIN,     /* text: pid, tid, nsecs, cpu, comm, retval, argN... as is */
    BX_TP_FIELD,    /* text: a tracepoint's field, in the dialect's form (args->f) */
    BX_CATALOG,     /* text: bpftrace the catalog wrote (a derived argument), as is */
    BX_OFFSETOF,    /* offsetof(struct TEXT, MEMBER) */
    BX_CALL,        /* text(a): a the argument, a BX_LIST of several, or NULL: "text()" */
    BX_LIST,        /* items, ", " between them: a map key of several parts, call arguments */
    BX_CAST,        /* (text)a; a alone where a is of that type already (same) and the version warns */
    BX_UNARY,       /* op a ("!", "-", "~", "*") */
    BX_BINARY,      /* a op b */
    BX_MEMBER,      /* a op member ("->" or ".") */
    BX_INDEX,       /* a[b] */
    BX_TERNARY,     /* a ? b : c */
    BX_USUB,        /* a - b for unsigned a >= b, an unsigned value */
    BX_COUNTER_MOD, /* a % value, a a counter read from a map, a map key of one type everywhere */
    BX_STR_COMPARE, /* (a == b) (eq) or (a != b), one of them a string literal of `value` bytes (lit_left: a) */
    BX_PAREN,       /* (a). The lowering says where the script has parentheses (a recipe's binary
                     * operation always has them); the renderer adds none outside the forms above */
};

struct bt_expr {
    enum bt_expr_kind kind;
    int refs;              /* holders: each bx_free drops one */
    char *text;
    const char *op;        /* static: an operator's text */
    char *member;          /* BX_MEMBER, BX_OFFSETOF */
    long long value;
    int digits;            /* BX_INT: 0 decimal, N hex of at least N digits */
    int is_unsigned;       /* BX_INT: decimal printed as unsigned */
    int same;              /* BX_CAST: a is of the type already */
    int eq, lit_left;      /* BX_STR_COMPARE */
    struct bt_expr *a, *b, *c;
    struct vec items;      /* BX_LIST: struct bt_expr * */
};

/* Constructors. Each returns a new expression holding one reference, and takes over the
 * references of the expressions it is given: to use one expression in two places, pass
 * bx_ref(e) to the first. */
struct bt_expr *bx_int(long long v);
struct bt_expr *bx_uint(unsigned long long v);
struct bt_expr *bx_hex(unsigned long long v, int digits);
struct bt_expr *bx_str(const char *s);
struct bt_expr *bx_var(const char *name);
struct bt_expr *bx_varf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct bt_expr *bx_map(const char *name, struct bt_expr *key);
struct bt_expr *bx_mapf(struct bt_expr *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct bt_expr *bx_builtin(const char *name);
struct bt_expr *bx_tp_field(const char *name);
struct bt_expr *bx_catalog(const char *text);
struct bt_expr *bx_offsetof(const char *struct_name, const char *member);
struct bt_expr *bx_call(const char *name, struct bt_expr *args);
struct bt_expr *bx_list(int n, ...);
struct bt_expr *bx_list_add(struct bt_expr *list, struct bt_expr *item);
struct bt_expr *bx_cast(const char *type, struct bt_expr *e, int same);
struct bt_expr *bx_unary(const char *op, struct bt_expr *e);
struct bt_expr *bx_binary(struct bt_expr *l, const char *op, struct bt_expr *r);
struct bt_expr *bx_member(struct bt_expr *e, const char *op, const char *member);
struct bt_expr *bx_index(struct bt_expr *e, struct bt_expr *index);
struct bt_expr *bx_ternary(struct bt_expr *cond, struct bt_expr *yes, struct bt_expr *no);
struct bt_expr *bx_usub(struct bt_expr *a, struct bt_expr *b);
struct bt_expr *bx_counter_mod(struct bt_expr *counter, long long n);
struct bt_expr *bx_str_compare(int eq, struct bt_expr *l, struct bt_expr *r, int lit_left, size_t len);
/* printf(FMT, ARGS...): FMT a string literal, ARGS a BX_LIST or NULL. */
struct bt_expr *bx_printf(const char *fmt, struct bt_expr *args);
/* E in parentheses. */
struct bt_expr *bx_paren(struct bt_expr *e);
/* A and B joined by OP; either may be NULL (then the other is the result). */
struct bt_expr *bx_join(struct bt_expr *a, const char *op, struct bt_expr *b);

/* One more holder of E (returned), and one less. */
struct bt_expr *bx_ref(struct bt_expr *e);
void bx_free(struct bt_expr *e);
/* Whether A and B are the same expression (two uses of one value share its computation). */
int bx_equal(const struct bt_expr *a, const struct bt_expr *b);

#endif
