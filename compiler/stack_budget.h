// SPDX-License-Identifier: Apache-2.0
// The BPF stack a probe block needs, as bpftrace 0.17 lays it out. bpftrace refuses a
// program whose stack passes 512 bytes with an LLVM message that names no line of the
// recipe; the lowering adds up what each block needs and reports it on the recipe instead.
//
// The model, measured with `bpftrace --emit-elf` (tests/limits/ checks it both ways):
// a variable holding a string keeps its bytes through the whole block; a statement (a
// printf, a map update) needs its arguments or key parts side by side, plus, once, the
// biggest temporary one of them is first read into; statements reuse each other's room.
// A block needs its string variables plus its biggest statement, at most STACK_MAX.
#ifndef OVSTRACE_STACK_BUDGET_H
#define OVSTRACE_STACK_BUDGET_H

#include "ast.h"
#include "bt_version.h"
#include "catalog.h"
#include "source.h"

#ifndef STACK_MAX
#define STACK_MAX 496    /* bytes; a build with -DSTACK_MAX=N measures the model (tests/limits/README.md) */
#endif

/* What one value costs in a statement: its bytes there, and the temporary it is read into. */
struct stack_cost {
    int bytes, temp;
};

struct stack_cost stack_number(void);             /* any integer, a ustack()/kstack() id */
struct stack_cost stack_str_read(void);           /* str(): a 64-byte string */
struct stack_cost stack_chars(int n);             /* comm, char[N] fields */
struct stack_cost stack_literal(const char *s);   /* a string literal */
struct stack_cost stack_ntop(void);               /* an ipv4/ipv6 address printed with ntop() */
struct stack_cost stack_buf(void);                /* buf(): 64 bytes and their length */
struct stack_cost stack_enum_name(const struct cat_enum *en);   /* a name read from @_enum_X */
/* A value the checker typed: a probe argument, field, builtin, literal or span value. */
struct stack_cost stack_value(const struct expr *e);
/* A string variable read from a map (a span's capture of E at its end): its bytes, kept
 * through its block, and the map lookup's temporary ({0, 0} for numbers). */
struct stack_cost stack_map_var(const struct expr *e);

/* One statement being built. */
struct stack_use {
    int bytes, temp;
};

void stack_add(struct stack_use *u, struct stack_cost c);
int stack_use_total(const struct stack_use *u);

/* What a statement takes on the stack of bpftrace V (measured with tests/limits on 0.17,
 * 0.23 and 0.27). 0.17 to 0.20 build a printf's arguments and a map key there, beside the
 * biggest one's read buffer (stack_use_total). 0.21 and later build a printf's arguments in
 * a scratch map (0.23 builds 64 str() arguments; at 128 it is bpftrace's own argument limit
 * that refuses), so a printf takes none; a map key still goes on the stack, without the read
 * buffer (0.23: seven 64-byte strings and six numbers build, 504 bytes do not; 0.27 builds
 * sixteen strings, but the model keeps to what every version from 0.21 on does). */
int stack_printf_total(const struct stack_use *u, struct bt_version v);
int stack_key_total(const struct stack_use *u, struct bt_version v);
/* But 0.21 and later keep a printf's arguments on the stack after all when they fit
 * bpftrace's on_stack_limit (the script sets 128 bytes for 0.21 to 0.24.0, lower_config;
 * bpftrace's default is 32), and then each printf of a block has room of its own, not
 * shared (measured on 0.23: printfs of 32, 88 and 120 bytes on one probe, each its own
 * alloca, and the block refused): what such a printf adds to its block, 0 if none. */
int stack_printf_piled(const struct stack_use *u, struct bt_version v);

/* A probe block: its string variables, and its biggest statement with what and where it is. */
struct stack_budget {
    int vars;
    int vars_temp;            /* the biggest of their lookups' temporaries */
    struct loc vars_loc;      /* the first string variable's source */
    const char *vars_what;    /* e.g. "span 'reval' captures" */
    int peak;
    struct loc peak_loc;
    const char *peak_what;    /* e.g. "an event's printf" */
    int piled, npiled;        /* statements that each keep room of their own (stack_printf_piled) */
    struct loc piled_loc;     /* the biggest one's */
    int piled_max;
};

void stack_budget_var(struct stack_budget *b, struct stack_cost c, struct loc loc, const char *what);
void stack_budget_statement(struct stack_budget *b, int bytes, struct loc loc, const char *what);
void stack_budget_pile(struct stack_budget *b, int bytes, struct loc loc);
int stack_budget_total(const struct stack_budget *b);

#endif
