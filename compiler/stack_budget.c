// SPDX-License-Identifier: Apache-2.0
// The BPF stack model of stack_budget.h. Every number here was measured on bpftrace 0.17
// (Debian 12) with --emit-elf, by growing one kind of argument next to 8-byte numbers
// until codegen refused: see tests/limits/README.md for the table and how to measure again.
#include "stack_budget.h"
#include "bt_dialect.h"
#include "recipe.h"

#include <string.h>

static int round8(int n) { return (n + 7) / 8 * 8; }

struct stack_cost stack_number(void) { return (struct stack_cost){ 8, 0 }; }

/* 64 bytes in the printf or key, and the 64-byte buffer str() reads into. */
struct stack_cost stack_str_read(void) { return (struct stack_cost){ 64, 64 }; }

/* comm is read into a 16-byte buffer, then copied; so are char[N] tracepoint fields. */
struct stack_cost stack_chars(int n) { return (struct stack_cost){ round8(n), round8(n) }; }

/* A literal is a string of its own length (and its NUL), built in place. */
struct stack_cost stack_literal(const char *s) { return (struct stack_cost){ (int)strlen(s ? s : "") + 1, 0 }; }

/* ntop() gives a 24-byte address struct (family and 16 bytes) for ipv4 and ipv6 alike. */
struct stack_cost stack_ntop(void) { return (struct stack_cost){ 24, 0 }; }

/* buf(p, n): 64 bytes and their length; its read buffer is as big again. */
struct stack_cost stack_buf(void) { return (struct stack_cost){ 72, 72 }; }

/* A map holding strings hands out values of its longest string's size S (rounded up); a
 * lookup needs, once, 3.5 S of room (measured: 24 for S = 16, 48 for 32, 224 for 64). */
struct stack_cost stack_enum_name(const struct cat_enum *en)
{
    int longest = 0;
    for (int i = 0; en && i < en->nvalues; i++) {
        const char *t = en->values[i].text ? en->values[i].text : en->values[i].name;
        int n = (int)strlen(t);
        longest = n > longest ? n : longest;
    }
    int s = round8(longest + 1 > 64 ? 64 : longest + 1);
    return (struct stack_cost){ s, s * 7 / 2 };
}

static int is_comm(const struct expr *e)
{
    return e->ref == REF_BUILTIN && e->builtin && !strcmp(e->builtin, "comm");
}

/* The value a span's capture was taken from (at its first start). */
static const struct expr *captured(const struct expr *e)
{
    if (e->ref != REF_SPAN || !e->span || e->index < 0 || e->index >= e->span->ncaptures)
        return NULL;
    const struct capture *c = &e->span->captures[e->index];
    return c->values ? c->values[0] : NULL;
}

/* The bytes a string value takes once stored (in a map, then a variable). */
static int stored_bytes(const struct expr *e)
{
    const struct type *t = &e->type;
    if (t->kind == T_STR && e->is_const)
        return round8(stack_literal(e->cstr).bytes);
    if (t->kind == T_STR && is_comm(e))
        return 16;
    if (t->kind == T_CHARS)
        return round8(t->array_len);
    if (type_is_string(t))
        return 64;
    return 0;
}

/* Held in a variable after a map lookup: its bytes, and the lookup's 3.5 times as much
 * once (as for stack_enum_name; measured: one 64-byte capture printed with 26 numbers). */
struct stack_cost stack_map_var(const struct expr *e)
{
    int s = stored_bytes(e);
    return (struct stack_cost){ s, s * 7 / 2 };
}

struct stack_cost stack_value(const struct expr *e)
{
    const struct type *t = &e->type;
    if (t->kind == T_IPV4 || t->kind == T_IPV6)
        return stack_ntop();
    if (!type_is_string(t))
        return stack_number();
    if (captured(e))    /* a string variable: copied, its lookup counted with the variable */
        return (struct stack_cost){ stored_bytes(captured(e)), 0 };
    if (t->kind == T_STR && e->is_const)
        return stack_literal(e->cstr);
    if (t->kind == T_STR && is_comm(e))
        return stack_chars(16);
    if (t->kind == T_CHARS)
        return stack_chars(t->array_len);
    return stack_str_read();
}

void stack_add(struct stack_use *u, struct stack_cost c)
{
    u->bytes += c.bytes;
    if (c.temp > u->temp)
        u->temp = c.temp;
}

int stack_use_total(const struct stack_use *u) { return round8(u->bytes) + u->temp; }

void stack_budget_var(struct stack_budget *b, struct stack_cost c, struct loc loc, const char *what)
{
    if (!c.bytes)
        return;
    if (!b->vars) {
        b->vars_loc = loc;
        b->vars_what = what;
    }
    b->vars += c.bytes;
    if (c.temp > b->vars_temp)
        b->vars_temp = c.temp;
}

void stack_budget_statement(struct stack_budget *b, int bytes, struct loc loc, const char *what)
{
    if (bytes <= b->peak)
        return;
    b->peak = bytes;
    b->peak_loc = loc;
    b->peak_what = what;
}

void stack_budget_pile(struct stack_budget *b, int bytes, struct loc loc)
{
    if (!bytes)
        return;
    b->piled += bytes;
    b->npiled++;
    if (bytes > b->piled_max) {
        b->piled_max = bytes;
        b->piled_loc = loc;
    }
}

int stack_budget_total(const struct stack_budget *b) { return b->vars + b->vars_temp + b->peak + b->piled; }

static int printf_off_stack(struct bt_version v)
{
    return bt_version_cmp(v, (struct bt_version){ 0, 21, 0 }) >= 0;
}

int stack_printf_total(const struct stack_use *u, struct bt_version v)
{
    return printf_off_stack(v) ? 0 : stack_use_total(u);
}

int stack_key_total(const struct stack_use *u, struct bt_version v)
{
    return printf_off_stack(v) ? round8(u->bytes) : stack_use_total(u);
}

int stack_printf_piled(const struct stack_use *u, struct bt_version v)
{
    int args = 8 + round8(u->bytes);    /* the printf's id, then its arguments */
    return printf_off_stack(v) && args <= bt_dialect_of(v).on_stack_limit ? args : 0;
}
