// SPDX-License-Identifier: Apache-2.0
// Check pass, expressions: a parsed expression and the scope it is in (its probe, the spans
// ending there) in; the same expression out with every name resolved (a probe argument, a
// struct field, a builtin, a span value, a parameter), typed, and folded where known at
// compile time. Errors go to the checker's diagnostics.
#include "check_internal.h"
#include "functions.h"
#include "probespec.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ expressions */

static void set_const_int(struct expr *e, enum tkind kind, int64_t v)
{
    struct type t = kind == T_INT ? type_int(8, 1) : type_simple(kind);
    set_type(e, t);
    e->is_const = 1;
    e->ref = REF_CONST;
    e->cval = v;
}

static const char *probe_label(const struct probe_use *u)
{
    u = probe_attach(u);
    if (u->probe)
        return u->probe->name;
    return u->target_name ? u->target_name : "?";
}

struct builtin {
    const char *name;
    enum tkind kind;
    int size, is_signed;
    const char *bt;
};

static const struct builtin builtins[] = {
    { "pid", T_INT, 4, 0, "pid" },     { "tid", T_INT, 4, 0, "tid" },
    { "comm", T_STR, 16, 0, "comm" },  { "nsecs", T_TIMESTAMP, 8, 0, "nsecs" },
    { "cpu", T_INT, 4, 0, "cpu" },     { "uid", T_INT, 4, 0, "uid" },
};

static void unknown_name(struct scope *S, struct expr *e)
{
    const struct probe_use *u = probe_attach(S->probe);
    const char *names[64];
    int n = 0;
    if (u->probe)
        for (int i = 0; i < u->probe->nargs && n < 40; i++)
            names[n++] = u->probe->args[i].name;
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        names[n++] = builtins[i].name;
    for (int i = 0; i < S->nspans && n < 64; i++)
        names[n++] = S->spans[i]->name;
    diag_error(S->C->d, e->loc, "unknown field '%s' of probe '%s'", e->name, probe_label(S->probe));
    const char *near = closest_name(e->name, names, n);
    if (near) {
        diag_hint(S->C->d, "did you mean '%s'?", near);
    } else if (u->probe && u->probe->nargs) {
        struct strbuf b = { 0 };
        for (int i = 0; i < u->probe->nargs; i++)
            sb_printf(&b, "%s%s", i ? ", " : "", u->probe->args[i].name);
        diag_hint(S->C->d, "%s has: %s", u->probe->spec, b.s);
        sb_free(&b);
    }
}

/* A pointer+length type (odp_key, bytes) carries its length expression in rhs. */
static void attach_length(struct scope *S, struct expr *e, struct expr *len)
{
    e->rhs = len;
    check_expr(S, len);
}

static void check_name(struct scope *S, struct expr *e)
{
    const struct probe_use *u = probe_attach(S->probe);
    if (u->probe && !S->ends) {
        const struct cat_arg *a = cat_probe_arg(u->probe, e->name);
        if (a) {
            e->ref = REF_ARG;
            e->index = a->index;
            type_copy(&e->type, &a->type);
            if (a->type.len_field) {
                struct expr *len = expr_new(E_NAME, e->loc);
                len->name = xstrdup(a->type.len_field);
                attach_length(S, e, len);
            }
            return;
        }
    }
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
        if (strcmp(builtins[i].name, e->name) == 0) {
            e->ref = REF_BUILTIN;
            e->builtin = builtins[i].bt;
            e->type = type_simple(builtins[i].kind);
            e->type.size = builtins[i].size;
            e->type.is_signed = builtins[i].is_signed;
            e->type.is_tid = strcmp(e->name, "tid") == 0;
            return;
        }
    }
    if (!u->probe && !S->ends) {
        /* Probes outside the catalog expose their raw registers only. */
        enum probe_args reads = probe_kind_info(u->kind)->args;
        if (reads == ARGS_RETVAL && strcmp(e->name, "retval") == 0) {
            e->ref = REF_BUILTIN;
            e->builtin = "retval";
            e->type = type_int(8, 1);
            return;
        }
        if (reads == ARGS_REGISTERS && strncmp(e->name, "arg", 3) == 0 && e->name[3] >= '0' &&
            e->name[3] <= '9' && !e->name[4]) {
            e->ref = REF_BUILTIN;
            e->builtin = e->name;
            e->type = type_int(8, 0);
            return;
        }
    }
    for (int i = 0; i < S->nspans; i++) {
        if (strcmp(S->spans[i]->name, e->name) == 0) {
            diag_error(S->C->d, e->loc, "span '%s' is not a value: use %s.duration, %s.start or one of its captures",
                       e->name, e->name, e->name);
            return;
        }
    }
    if (S->ends) {
        diag_error(S->C->d, e->loc, "'%s' is not a value of span '%s', which ends at %d probes: its outputs read "
                   "the span's values and builtins (tid, comm, ...) only", e->name, S->ends->name, S->ends->ntos);
        return;
    }
    unknown_name(S, e);
}

static void check_span_member(struct scope *S, struct expr *e, const struct span *s)
{
    e->ref = REF_SPAN;
    e->span = s;
    if (strcmp(e->name, "duration") == 0) {
        e->index = SPAN_DURATION;
        e->type = type_simple(T_DURATION);
        return;
    }
    if (strcmp(e->name, "start") == 0) {
        e->index = SPAN_START;
        e->type = type_simple(T_TIMESTAMP);
        return;
    }
    for (int i = 0; i < s->ncaptures; i++) {
        if (strcmp(s->captures[i].name, e->name) == 0) {
            e->index = i;
            if (s->captures[i].values && s->captures[i].values[0])
                type_copy(&e->type, &s->captures[i].values[0]->type);
            /* A string the probe pointed at was copied into the span's map at its start. */
            if (e->type.kind == T_CSTR || e->type.kind == T_DLSTR) {
                type_release(&e->type);
                e->type = type_simple(T_STR);
            }
            return;
        }
    }
    for (int i = 0; i < s->ncounts; i++) {
        if (strcmp(s->counts[i].name, e->name) == 0) {
            e->index = s->ncaptures + i;
            e->type = type_int(8, 0);
            return;
        }
    }
    diag_error(S->C->d, e->loc, "span '%s' has no value '%s'", s->name, e->name);
    diag_hint(S->C->d, "spans give duration and start, plus what they capture and count");
    e->ref = REF_NONE;
}

static void check_member(struct scope *S, struct expr *e)
{
    struct expr *lhs = e->lhs;
    if (lhs->kind == E_NAME) {
        for (int i = 0; i < S->nspans; i++) {
            if (strcmp(S->spans[i]->name, lhs->name) == 0) {
                check_span_member(S, e, S->spans[i]);
                return;
            }
        }
        if (recipe_span(S->C->r, lhs->name)) {
            diag_error(S->C->d, lhs->loc, "span '%s' does not end here; its values are known only at its 'to' probe",
                       lhs->name);
            return;
        }
    }
    check_expr(S, lhs);
    if (lhs->type.kind != T_STRUCT && lhs->type.kind != T_STRUCT_PTR) {
        if (lhs->type.kind != T_VOID) {
            char tn[64];
            diag_error(S->C->d, e->loc, "'%s' is not a field: the value on its left is %s", e->name,
                       type_a(&lhs->type, tn, sizeof tn));
        }
        return;
    }
    const struct cat_struct *st = catalog_struct(S->C->cat, lhs->type.ref);
    if (!st) {
        diag_error(S->C->d, e->loc, "no layout for struct %s in the catalog", lhs->type.ref);
        return;
    }
    const struct cat_field *f = catalog_field(st, e->name);
    if (!f) {
        diag_error(S->C->d, e->loc, "struct %s has no field '%s'", st->name, e->name);
        const char **names = xcalloc((size_t)st->nfields, sizeof *names);
        for (int i = 0; i < st->nfields; i++)
            names[i] = st->fields[i].name;
        const char *near = closest_name(e->name, names, st->nfields);
        if (near)
            diag_hint(S->C->d, "did you mean '%s'?", near);
        free(names);
        return;
    }
    e->ref = REF_FIELD;
    e->field = f;
    type_copy(&e->type, &f->type);
    need_version(S->C, f->since, f->name);
    if (f->type.len_field) {
        struct expr *len = expr_new(E_MEMBER, e->loc);
        len->name = xstrdup(f->type.len_field);
        len->lhs = expr_clone(lhs);
        attach_length(S, e, len);
    }
}

static int64_t ipv4_raw(const unsigned char *a)
{
    /* The address as the u32 the target holds in memory, read little-endian. */
    return (int64_t)((uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24);
}

/* `reason == "idle"`: turn the string into the enum's value, or explain. */
static int enum_operand(struct scope *S, const struct type *et, struct expr *lit)
{
    const struct cat_enum *en = catalog_enum(S->C->cat, et->ref);
    if (!en) {
        diag_error(S->C->d, lit->loc, "no values known for enum %s", et->ref);
        return 0;
    }
    if (lit->type.kind == T_INT && lit->is_const)
        return 1;
    if (!(lit->type.kind == T_STR && lit->is_const)) {
        diag_error(S->C->d, lit->loc, "compare enum %s with one of its names, like \"%s\"", en->name,
                   en->nvalues ? en->values[en->nvalues > 1].name : "");
        return 0;
    }
    const char *name = lit->cstr ? lit->cstr : lit->str;
    const struct cat_enum_value *v = catalog_enum_lookup(en, name);
    if (!v) {
        diag_error(S->C->d, lit->loc, "'%s' is not a value of enum %s", name, en->name);
        const char **names = xcalloc((size_t)en->nvalues, sizeof *names);
        struct strbuf b = { 0 };
        for (int i = 0; i < en->nvalues; i++) {
            names[i] = en->values[i].name;
            sb_printf(&b, "%s%s", i ? ", " : "", names[i]);
        }
        const char *near = closest_name(name, names, en->nvalues);
        diag_hint(S->C->d, near ? "did you mean '%s'?" : "its values are: %s", near ? near : b.s);
        sb_free(&b);
        free(names);
        return 0;
    }
    set_const_int(lit, T_INT, v->value);
    return 1;
}

static int is_number(const struct type *t)
{
    return type_is_integer(t) || t->kind == T_PTR || t->kind == T_STRUCT_PTR;
}

/* Fold a binary operation on two constants. A sum, difference, product or quotient past 64
 * bits is an error: wrapped, a bound like `$limit * 2` could turn a filter that never
 * matches into one that always does. (Shifts and bit operations work on the bits.) */
static void fold_binary(struct scope *S, struct expr *e)
{
    int64_t a = e->lhs->cval, b = e->rhs->cval, v;
    int over = 0;
    switch (e->op) {
    case OP_OR: v = a || b; break;
    case OP_AND: v = a && b; break;
    case OP_BOR: v = a | b; break;
    case OP_BXOR: v = a ^ b; break;
    case OP_BAND: v = a & b; break;
    case OP_EQ: v = a == b; break;
    case OP_NE: v = a != b; break;
    case OP_LT: v = a < b; break;
    case OP_LE: v = a <= b; break;
    case OP_GT: v = a > b; break;
    case OP_GE: v = a >= b; break;
    case OP_SHL: v = (int64_t)((uint64_t)a << (b & 63)); break;
    case OP_SHR: v = (int64_t)((uint64_t)a >> (b & 63)); break;
    case OP_ADD: over = __builtin_add_overflow(a, b, &v); break;
    case OP_SUB: over = __builtin_sub_overflow(a, b, &v); break;
    case OP_MUL: over = __builtin_mul_overflow(a, b, &v); break;
    /* INT64_MIN / -1 traps on x86 (and is past 64 bits); x % -1 is 0. */
    case OP_DIV: over = a == INT64_MIN && b == -1; v = !b || over ? 0 : a / b; break;
    case OP_MOD: v = !b || b == -1 ? 0 : a % b; break;
    default: return;
    }
    if (over) {
        diag_error(S->C->d, e->loc, "%lld %s %lld is past the 64-bit range (%lld to %lld)", (long long)a,
                   expr_op_text(e->op), (long long)b, (long long)INT64_MIN, (long long)INT64_MAX);
        return;
    }
    e->is_const = 1;
    e->ref = REF_CONST;
    e->cval = v;
}

static void check_compare(struct scope *S, struct expr *e)
{
    struct expr *l = e->lhs, *r = e->rhs;
    struct checker *C = S->C;
    char t1[64], t2[64];
    if (l->type.kind == T_ENUM || r->type.kind == T_ENUM) {
        struct expr *en = l->type.kind == T_ENUM ? l : r, *other = en == l ? r : l;
        if (other->type.kind != T_ENUM && !enum_operand(S, &en->type, other))
            return;
    } else if (l->type.kind == T_IPV4 || r->type.kind == T_IPV4) {
        struct expr *ip = l->type.kind == T_IPV4 && !l->is_const ? l : r, *other = ip == l ? r : l;
        if (other->kind != E_IPV4) {
            diag_error(C->d, other->loc, "compare an ipv4 field with an address literal, like 10.0.0.1");
            return;
        }
    } else if (type_is_string(&l->type) || type_is_string(&r->type)) {
        if (!type_is_string(&l->type) || !type_is_string(&r->type) || (e->op != OP_EQ && e->op != OP_NE)) {
            diag_error(C->d, e->loc, "cannot compare %s with %s using '%s'", type_name(&l->type, t1, sizeof t1),
                       type_name(&r->type, t2, sizeof t2), expr_op_text(e->op));
            return;
        }
        if (l->is_const && r->is_const) {
            e->is_const = 1;
            e->cval = (strcmp(l->cstr, r->cstr) == 0) == (e->op == OP_EQ);
        }
    } else if (l->type.kind == T_MAC || r->type.kind == T_MAC) {
        struct expr *m = l->type.kind == T_MAC && l->kind != E_MAC ? l : r, *other = m == l ? r : l;
        if (other->kind != E_MAC || (e->op != OP_EQ && e->op != OP_NE)) {
            diag_error(C->d, e->loc, "compare a mac field for equality with an address literal, like 0a:00:00:00:00:01");
            return;
        }
    } else if (!is_number(&l->type) || !is_number(&r->type)) {
        diag_error(C->d, e->loc, "cannot compare %s with %s", type_name(&l->type, t1, sizeof t1),
                   type_name(&r->type, t2, sizeof t2));
        return;
    }
    set_type(e, type_simple(T_BOOL));
    if (l->is_const && r->is_const && (l->kind == E_MAC || l->kind == E_IPV6)) {
        e->is_const = 1;
        e->cval = (memcmp(l->addr, r->addr, sizeof l->addr) == 0) == (e->op == OP_EQ);
    } else if (l->is_const && r->is_const && !type_is_string(&l->type)) {
        fold_binary(S, e);
    }
    if (e->is_const)
        e->ref = REF_CONST;
}

/* Duration arithmetic keeps units honest: d / 1us is a plain number, d * 2 a duration. */
static struct type arith_type(struct scope *S, struct expr *e)
{
    const struct type *a = &e->lhs->type, *b = &e->rhs->type;
    int da = a->kind == T_DURATION, db = b->kind == T_DURATION;
    int ta = a->kind == T_TIMESTAMP, tb = b->kind == T_TIMESTAMP;
    if (ta && tb && e->op == OP_SUB)
        return type_simple(T_DURATION);
    if ((ta || tb) && (e->op == OP_ADD || e->op == OP_SUB) && (da || db))
        return type_simple(T_TIMESTAMP);
    if (da && db)
        return e->op == OP_DIV ? type_int(8, 1) : type_simple(T_DURATION);
    if (da || db) {
        if (e->op == OP_MUL || (e->op == OP_DIV && da) || (e->op == OP_MOD && da))
            return type_simple(T_DURATION);
        diag_error(S->C->d, e->loc, "mixing a duration and a plain number with '%s'; write the number with a unit, "
                   "like 10ms", expr_op_text(e->op));
    }
    return type_int(8, a->is_signed || b->is_signed || a->kind != T_INT || b->kind != T_INT);
}

static void check_binary(struct scope *S, struct expr *e)
{
    check_expr(S, e->lhs);
    check_expr(S, e->rhs);
    if (e->lhs->type.kind == T_VOID || e->rhs->type.kind == T_VOID)
        return;
    if (e->op >= OP_EQ && e->op <= OP_GE) {
        check_compare(S, e);
        return;
    }
    if (!is_number(&e->lhs->type) || !is_number(&e->rhs->type)) {
        char t[64];
        struct expr *bad = is_number(&e->lhs->type) ? e->rhs : e->lhs;
        diag_error(S->C->d, bad->loc, "'%s' needs numbers, not %s", expr_op_text(e->op),
                   type_a(&bad->type, t, sizeof t));
        return;
    }
    if (e->op == OP_OR || e->op == OP_AND)
        set_type(e, type_simple(T_BOOL));
    else
        set_type(e, arith_type(S, e));
    if ((e->op == OP_DIV || e->op == OP_MOD) && e->rhs->is_const && e->rhs->cval == 0) {
        diag_error(S->C->d, e->rhs->loc, "division by zero");
        return;
    }
    if ((e->op == OP_SHL || e->op == OP_SHR) && e->rhs->is_const && (e->rhs->cval < 0 || e->rhs->cval > 63)) {
        diag_error(S->C->d, e->rhs->loc, "a shift count is 0 to 63, not %lld", (long long)e->rhs->cval);
        return;
    }
    if (e->lhs->is_const && e->rhs->is_const)
        fold_binary(S, e);
    /* false && x, true || x: the probe side never matters. */
    if ((e->op == OP_AND && ((e->lhs->is_const && !e->lhs->cval) || (e->rhs->is_const && !e->rhs->cval))) ||
        (e->op == OP_OR && ((e->lhs->is_const && e->lhs->cval) || (e->rhs->is_const && e->rhs->cval)))) {
        e->is_const = 1;
        e->ref = REF_CONST;
        e->cval = e->op == OP_OR;
    }
}

static void check_unary(struct scope *S, struct expr *e)
{
    check_expr(S, e->lhs);
    if (e->lhs->type.kind == T_VOID)
        return;
    if (!is_number(&e->lhs->type)) {
        char t[64];
        diag_error(S->C->d, e->loc, "'%s' needs a number, not %s", expr_op_text(e->op),
                   type_a(&e->lhs->type, t, sizeof t));
        return;
    }
    set_type(e, e->op == OP_NOT ? type_simple(T_BOOL) : e->lhs->type.kind == T_DURATION ? type_simple(T_DURATION)
                                                                                       : type_int(8, 1));
    if (e->lhs->is_const && e->op == OP_NEG && e->lhs->cval == INT64_MIN) {
        diag_error(S->C->d, e->loc, "-(%lld) is past the 64-bit range (%lld to %lld)", (long long)INT64_MIN,
                   (long long)INT64_MIN, (long long)INT64_MAX);
    } else if (e->lhs->is_const) {
        e->is_const = 1;
        e->ref = REF_CONST;
        e->cval = e->op == OP_NOT ? !e->lhs->cval : e->op == OP_BNOT ? ~e->lhs->cval : -e->lhs->cval;
    }
}

static void check_param(struct scope *S, struct expr *e)
{
    struct param *p = recipe_param(S->C->r, e->name);
    if (!p) {
        diag_error(S->C->d, e->loc, "unknown parameter '$%s'", e->name);
        const char **names = xcalloc((size_t)S->C->r->nparams + 1, sizeof *names);
        for (int i = 0; i < S->C->r->nparams; i++)
            names[i] = S->C->r->params[i].name;
        const char *near = closest_name(e->name, names, S->C->r->nparams);
        if (near)
            diag_hint(S->C->d, "did you mean '$%s'?", near);
        free(names);
        return;
    }
    switch (p->type) {
    case P_INT: set_const_int(e, T_INT, p->ival); break;
    case P_DURATION: set_const_int(e, T_DURATION, p->ival); break;
    case P_BOOL: set_const_int(e, T_BOOL, p->ival); break;
    case P_ENUM:
    case P_STRING:
        set_type(e, type_simple(T_STR));
        e->is_const = 1;
        e->ref = REF_CONST;
        e->cstr = xstrdup(p->sval ? p->sval : "");
        break;
    case P_ODP_FLOW:
        /* Only match(KEY, $flow) takes it; fn_match checks that. */
        set_type(e, type_simple(T_STR));
        e->ref = REF_CONST;
        e->is_const = 1;
        e->cstr = xstrdup(p->sval ? p->sval : "");
        e->data = p;
        break;
    case P_PROBE:
        diag_error(S->C->d, e->loc, "'$%s' is a probe; use it in on:, from:, to: or window:", e->name);
        break;
    }
}

int is_flow_param(const struct expr *e)
{
    return e->kind == E_PARAM && e->data && ((const struct param *)e->data)->type == P_ODP_FLOW;
}

static void check_call(struct scope *S, struct expr *e)
{
    const struct function *f = function_lookup(e->name);
    if (!f) {
        const char **names = xcalloc((size_t)function_count, sizeof *names);
        for (int i = 0; i < function_count; i++)
            names[i] = functions[i].name;
        diag_error(S->C->d, e->loc, "unknown function '%s'", e->name);
        const char *near = closest_name(e->name, names, function_count);
        if (near)
            diag_hint(S->C->d, "did you mean '%s'?", near);
        free(names);
        return;
    }
    if (f->aggregate && !S->allow_agg) {
        diag_error(S->C->d, e->loc, "%s() aggregates: use it as an aggregate's 'value:'", e->name);
        return;
    }
    if (e->nargs < f->min_args || e->nargs > f->max_args) {
        if (f->min_args == f->max_args)
            diag_error(S->C->d, e->loc, "%s() takes %d argument%s, not %d", e->name, f->min_args,
                       f->min_args == 1 ? "" : "s", e->nargs);
        else
            diag_error(S->C->d, e->loc, "%s() takes %d to %d arguments, not %d", e->name, f->min_args, f->max_args,
                       e->nargs);
        return;
    }
    int allow = S->allow_agg;
    S->allow_agg = 0;
    int bad = 0;
    /* watched()'s first argument names a watch list, not a value. */
    for (int i = f->names_watch_list; i < e->nargs; i++) {
        check_expr(S, e->args[i]);
        bad |= e->args[i]->type.kind == T_VOID;
        if (is_flow_param(e->args[i]) && !f->takes_flow) {
            diag_error(S->C->d, e->args[i]->loc, "an odp_flow parameter is only used as match(KEY, $%s)",
                       e->args[i]->name);
            bad = 1;
        }
    }
    S->allow_agg = allow;
    if (!bad)
        f->check(S, e);
}

void check_expr(struct scope *S, struct expr *e)
{
    switch (e->kind) {
    case E_INT: set_const_int(e, T_INT, (int64_t)e->ival); break;
    case E_DURATION: set_const_int(e, T_DURATION, (int64_t)e->ival); break;
    case E_BOOL: set_const_int(e, T_BOOL, (int64_t)e->ival); break;
    case E_STRING:
        set_type(e, type_simple(T_STR));
        e->is_const = 1;
        e->ref = REF_CONST;
        e->cstr = xstrdup(e->str);
        break;
    case E_IPV4: set_const_int(e, T_IPV4, ipv4_raw(e->addr)); break;
    case E_IPV6: set_type(e, type_simple(T_IPV6)); e->is_const = 1; e->ref = REF_CONST; break;
    case E_MAC: set_type(e, type_simple(T_MAC)); e->is_const = 1; e->ref = REF_CONST; break;
    case E_NAME: check_name(S, e); break;
    case E_PARAM: check_param(S, e); break;
    case E_MEMBER: check_member(S, e); break;
    case E_INDEX:
        check_expr(S, e->lhs);
        diag_error(S->C->d, e->loc, "indexing ([...]) is not supported yet");
        break;
    case E_CALL: check_call(S, e); break;
    case E_UNARY: check_unary(S, e); break;
    case E_BINARY: check_binary(S, e); break;
    }
}

void check_condition(struct scope *S, struct expr *e)
{
    if (!e)
        return;
    check_expr(S, e);
    if (e->type.kind != T_VOID && !type_is_integer(&e->type)) {
        char t[64];
        diag_error(S->C->d, e->loc, "a condition must be true or false, not %s", type_a(&e->type, t, sizeof t));
    }
}
