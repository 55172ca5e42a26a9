// SPDX-License-Identifier: Apache-2.0
// Check pass: resolve probes against the catalog, names against probe
// arguments, struct fields, builtins, spans and parameters; type every
// expression and fold what is known at compile time (parameters, literals).
#include "check.h"
#include "params.h"
#include "probespec.h"
#include "parse.h"
#include "btir.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct checker {
    struct recipe *r;
    const struct catalog *cat;
    struct diag *d;
    struct check_result *res;
};

/* What an expression may refer to. */
struct scope {
    struct checker *C;
    const struct probe_use *probe;
    const struct span *spans[16];   /* spans whose values are known here */
    int nspans;
    const struct span *ends;        /* outputs of a span with several ends: no probe arguments */
    int allow_agg;
};

static void check_expr(struct scope *S, struct expr *e);
static void check_condition(struct scope *S, struct expr *e);

/* ------------------------------------------------------------------ probes */

const struct probe_use *probe_attach(const struct probe_use *u)
{
    return u->span ? &u->span->tos[0].on : u;
}

int probe_same(const struct probe_use *a, const struct probe_use *b)
{
    a = probe_attach(a);
    b = probe_attach(b);
    if (a->kind != b->kind)
        return 0;
    if (a->probe || b->probe)
        return a->probe == b->probe;
    return a->target_name && b->target_name && strcmp(a->target_name, b->target_name) == 0;
}

static void need_version(struct checker *C, const char *since, const char *what)
{
    if (!since)
        return;
    if (!C->res->needs_ovs || version_cmp(since, C->res->needs_ovs) > 0) {
        free(C->res->needs_ovs);
        C->res->needs_ovs = xstrdup(since);
        C->res->needs_ovs_for = what;
    }
}

static void suggest_probe(struct checker *C, const struct probe_spec *spec)
{
    const char **names = xcalloc((size_t)C->cat->nprobes, sizeof *names);
    int n = 0;
    for (int i = 0; i < C->cat->nprobes; i++)
        if (C->cat->probes[i].kind == spec->kind)
            names[n++] = C->cat->probes[i].spec;
    char *canon = probespec_canonical(spec);
    const char *near = closest_name(canon, names, n);
    /* A bare name match is the most useful hint: "flow_result" is revalidate:flow_result. */
    for (int i = 0; !near && i < C->cat->nprobes; i++)
        if (C->cat->probes[i].kind == spec->kind && strcmp(C->cat->probes[i].name, spec->name) == 0)
            near = C->cat->probes[i].spec;
    if (near)
        diag_hint(C->d, "did you mean '%s'? (ovstrace probes lists them all)", near);
    else
        diag_hint(C->d, "ovstrace probes lists the probes it knows");
    free(canon);
    free(names);
}

/* Resolve `on:`-style text: a span name, a probe spec, or a probe parameter. */
static void resolve_probe(struct checker *C, struct probe_use *u, int allow_span)
{
    if (!u->text)
        return;
    const char *text = u->text;
    if (text[0] == '$') {
        struct param *p = recipe_param(C->r, text + 1);
        if (!p || p->type != P_PROBE) {
            diag_error(C->d, u->loc, p ? "parameter '%s' is of type %s, not a probe" : "unknown parameter '%s'", text + 1,
                       p ? param_type_name(p->type) : "");
            return;
        }
        if (!p->sval)
            return;
        if (!p->sval[0]) {
            diag_error(C->d, u->loc, "parameter '%s' is empty: a probe is needed here", p->name);
            diag_hint(C->d, "give one with -p %s=PROBE, e.g. -p %s=usdt:main:poll_block", p->name, p->name);
            return;
        }
        text = p->sval;
    }
    if (!strchr(text, ':')) {
        struct span *s = recipe_span(C->r, text);
        if (s && allow_span) {
            u->span = s;
            u->kind = s->tos[0].on.kind;
            return;
        }
        diag_error(C->d, u->loc, s ? "a span cannot be used here; name a probe" : "unknown probe or span '%s'", text);
        if (!s && C->r->nspans) {
            const char **names = xcalloc((size_t)C->r->nspans, sizeof *names);
            for (int i = 0; i < C->r->nspans; i++)
                names[i] = C->r->spans[i].name;
            const char *near = closest_name(text, names, C->r->nspans);
            if (near)
                diag_hint(C->d, "did you mean span '%s'?", near);
            free(names);
        }
        return;
    }
    struct probe_spec spec;
    char err[256];
    if (probespec_parse(text, &spec, err, sizeof err) < 0) {
        diag_error(C->d, u->loc, "%s", err);
        return;
    }
    u->kind = spec.kind;
    u->probe = catalog_probe(C->cat, spec.kind, spec.provider, spec.name);
    if (!u->probe && (spec.kind == PK_USDT || spec.kind == PK_TRACEPOINT)) {
        char *canon = probespec_canonical(&spec);
        diag_error(C->d, u->loc, "unknown probe '%s'", canon);
        free(canon);
        suggest_probe(C, &spec);
    } else if (!u->probe) {
        u->target_name = xstrdup(spec.name);
    } else {
        need_version(C, u->probe->since, u->probe->spec);
    }
    probespec_release(&spec);
}

/* ------------------------------------------------------------ expressions */

static void set_type(struct expr *e, struct type t)
{
    type_release(&e->type);
    e->type = t;
}

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
        int is_ret = u->kind == PK_KRETPROBE || u->kind == PK_URETPROBE;
        if (is_ret && strcmp(e->name, "retval") == 0) {
            e->ref = REF_BUILTIN;
            e->builtin = "retval";
            e->type = type_int(8, 1);
            return;
        }
        if (!is_ret && u->kind != PK_TRACEPOINT && strncmp(e->name, "arg", 3) == 0 && e->name[3] >= '0' &&
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
        e->index = -1;
        e->type = type_simple(T_DURATION);
        return;
    }
    if (strcmp(e->name, "start") == 0) {
        e->index = -2;
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

/* ---- functions ---- */

struct function {
    const char *name;
    int min_args, max_args;
    int aggregate;
    void (*check)(struct scope *S, struct expr *e);
};

static void fn_str(struct scope *S, struct expr *e)
{
    struct expr *a = e->args[0];
    if (!type_is_string(&a->type)) {
        char t[64];
        diag_error(S->C->d, a->loc, "str() takes a string field, not %s", type_a(&a->type, t, sizeof t));
        return;
    }
    set_type(e, type_simple(T_STR));
}

static void fn_stack(struct scope *S, struct expr *e)
{
    if (e->nargs && !(e->args[0]->is_const && e->args[0]->cval >= 1 && e->args[0]->cval <= 127)) {
        diag_error(S->C->d, e->args[0]->loc, "%s() takes a depth from 1 to 127", e->name);
        return;
    }
    set_type(e, type_simple(T_STACK));
}

static void fn_agg_value(struct scope *S, struct expr *e)
{
    if (e->nargs == 0) {
        set_type(e, type_int(8, 0));
        return;
    }
    struct expr *a = e->args[0];
    if (!type_is_integer(&a->type)) {
        char t[64];
        diag_error(S->C->d, a->loc, "%s() needs a number, not %s", e->name, type_a(&a->type, t, sizeof t));
        return;
    }
    for (int i = 1; i < e->nargs; i++) {
        if (!e->args[i]->is_const || !type_is_integer(&e->args[i]->type)) {
            diag_error(S->C->d, e->args[i]->loc, "lhist() bounds must be constant numbers");
            return;
        }
    }
    if (e->nargs == 4) {
        int64_t lo = e->args[1]->cval, hi = e->args[2]->cval, step = e->args[3]->cval;
        if (lo < 0 || hi <= lo || step <= 0 || (hi - lo) / step > 1000) {
            diag_error(S->C->d, e->loc, "lhist(value, min, max, step) needs 0 <= min < max, step > 0 and at most "
                       "1000 buckets");
            return;
        }
    }
    set_type(e, type_int(8, 0));
}

/* match(KEY, $flow): does the netlink-encoded flow key match an odp_flow parameter? */
static void fn_match(struct scope *S, struct expr *e)
{
    struct expr *key = e->args[0], *flow = e->args[1];
    const struct param *p = flow->kind == E_PARAM ? flow->data : NULL;
    if (key->type.kind != T_ODP_KEY) {
        char t[64];
        diag_error(S->C->d, key->loc, "match() takes a flow key first (like ukey.key or key), not %s",
                   type_a(&key->type, t, sizeof t));
        return;
    }
    if (!p || p->type != P_ODP_FLOW) {
        diag_error(S->C->d, flow->loc, "match() takes an odp_flow parameter second, like $filter");
        return;
    }
    set_type(e, type_simple(T_BOOL));
    e->data = p;
    /* An empty filter, or one whose masks are all zero, matches every flow: no walk at all. */
    if (!p->flow || p->flow->n == 0) {
        e->is_const = 1;
        e->ref = REF_CONST;
        e->cval = 1;
    }
}

/* `follow:` of a watch list, bound to the struct HOLDER: each bare name is one of its fields. */
static void bind_to_holder(struct expr *e, const struct expr *holder)
{
    if (!e)
        return;
    if (e->kind == E_NAME) {
        e->kind = E_MEMBER;
        e->lhs = expr_clone(holder);
        return;
    }
    if (e->kind == E_MEMBER) {
        bind_to_holder(e->lhs, holder);
        return;
    }
    bind_to_holder(e->lhs, holder);
    bind_to_holder(e->rhs, holder);
    for (int i = 0; i < e->nargs; i++)
        bind_to_holder(e->args[i], holder);
}

static void hint_watch_use(struct scope *S, const struct watch *w, const struct expr *use)
{
    int line = 0, col = 0;
    if (use->loc.src)
        source_linecol(use->loc.src, use->loc.off, &line, &col);
    diag_hint(S->C->d, "in watch list '%s', followed through '%s' at line %d", w->name,
              use->args[1]->name ? use->args[1]->name : "a struct", line);
}

/* watched(LIST, S): is S (a flow, ...) one the watch list follows? LIST's `id` and `follow`
 * are read as fields of S; the decision is made the first time S's id is seen. */
static void fn_watched(struct scope *S, struct expr *e)
{
    struct expr *name = e->args[0], *holder = e->args[1];
    struct watch *w = name->kind == E_NAME ? recipe_watch(S->C->r, name->name) : NULL;
    if (!w) {
        if (name->kind == E_NAME)
            diag_error(S->C->d, name->loc, "watched() takes a watch list first; '%s' is not one", name->name);
        else
            diag_error(S->C->d, name->loc, "watched() takes the name of a watch list first");
        const char **names = xcalloc((size_t)S->C->r->nwatches + 1, sizeof *names);
        for (int i = 0; i < S->C->r->nwatches; i++)
            names[i] = S->C->r->watches[i].name;
        const char *near = name->kind == E_NAME ? closest_name(name->name, names, S->C->r->nwatches) : NULL;
        if (near)
            diag_hint(S->C->d, "did you mean '%s'?", near);
        else if (!S->C->r->nwatches)
            diag_hint(S->C->d, "declare watch lists under watch:, each with id: and follow:");
        free(names);
        return;
    }
    w->used = 1;
    if (holder->type.kind != T_STRUCT && holder->type.kind != T_STRUCT_PTR) {
        char t[64];
        diag_error(S->C->d, holder->loc, "watched() follows a struct (like ukey or put), not %s",
                   type_a(&holder->type, t, sizeof t));
        return;
    }
    if (!w->id || !w->follow)
        return;
    int errors = S->C->d->errors;
    struct expr *id = expr_new(E_MEMBER, w->id_loc);
    id->name = xstrdup(w->id);
    id->lhs = expr_clone(holder);
    check_expr(S, id);
    e->lhs = id;
    const struct type *it = &id->type;
    if (S->C->d->errors == errors && it->kind != T_UFID && it->kind != T_UFID_PTR && !type_is_integer(it)) {
        char t[64];
        diag_error(S->C->d, w->id_loc, "a watch list's id is a UFID or a number, not %s", type_a(it, t, sizeof t));
    }
    if (S->C->d->errors != errors) {
        hint_watch_use(S, w, e);
        return;
    }
    struct expr *follow = expr_clone(w->follow);
    bind_to_holder(follow, holder);
    check_condition(S, follow);
    e->rhs = follow;
    if (S->C->d->errors != errors) {
        hint_watch_use(S, w, e);
        return;
    }
    e->data = w;
    set_type(e, type_simple(T_BOOL));
    /* An empty filter follows everything: nothing to remember. */
    if (follow->is_const) {
        e->is_const = 1;
        e->ref = REF_CONST;
        e->cval = !!follow->cval;
    }
}

/* thread(X): is thread id X one of the traced process's threads? For kernel probes that
 * name another task than the one running (sched_switch's next_pid, sched_wakeup's pid). */
static void fn_thread(struct scope *S, struct expr *e)
{
    struct expr *a = e->args[0];
    if (!type_is_integer(&a->type) || a->type.kind != T_INT) {
        char t[64];
        diag_error(S->C->d, a->loc, "thread() takes a thread id (like next_pid), not %s", type_a(&a->type, t, sizeof t));
        return;
    }
    S->C->r->uses_threads = 1;
    set_type(e, type_simple(T_BOOL));
}

/* fingerprint(BYTES[, N]): a 64-bit hash of a packet's length and its first N bytes (a
 * multiple of 8, at most 64; 40 by default: Ethernet, an IPv4 header and the L4 ports, but
 * not the TCP/UDP checksums the kernel may fill in after its upcall tracepoint), so the same
 * packet seen by the kernel and by ovs-vswitchd gives the same number. */
static void fn_fingerprint(struct scope *S, struct expr *e)
{
    struct expr *b = e->args[0];
    if (b->type.kind != T_BYTES || !b->rhs) {
        char t[64];
        diag_error(S->C->d, b->loc, "fingerprint() takes packet bytes (like packet), not %s",
                   type_a(&b->type, t, sizeof t));
        return;
    }
    if (e->nargs == 2) {
        struct expr *n = e->args[1];
        if (!n->is_const || n->type.kind != T_INT || n->cval < 8 || n->cval > FINGERPRINT_MAX || n->cval % 8) {
            diag_error(S->C->d, n->loc, "fingerprint()'s byte count is a multiple of 8, from 8 to %d", FINGERPRINT_MAX);
            return;
        }
    }
    set_type(e, type_int(8, 0));
}

static const struct function functions[] = {
    { "thread", 1, 1, 0, fn_thread },
    { "fingerprint", 1, 2, 0, fn_fingerprint },
    { "match", 2, 2, 0, fn_match },
    { "watched", 2, 2, 0, fn_watched },
    { "str", 1, 1, 0, fn_str },
    { "ustack", 0, 1, 0, fn_stack },
    { "kstack", 0, 1, 0, fn_stack },
    { "count", 0, 0, 1, fn_agg_value },
    { "sum", 1, 1, 1, fn_agg_value },
    { "min", 1, 1, 1, fn_agg_value },
    { "max", 1, 1, 1, fn_agg_value },
    { "avg", 1, 1, 1, fn_agg_value },
    { "stats", 1, 1, 1, fn_agg_value },
    { "hist", 1, 1, 1, fn_agg_value },
    { "lhist", 4, 4, 1, fn_agg_value },
};

static int is_flow_param(const struct expr *e)
{
    return e->kind == E_PARAM && e->data && ((const struct param *)e->data)->type == P_ODP_FLOW;
}

static void check_call(struct scope *S, struct expr *e)
{
    const struct function *f = NULL;
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (strcmp(functions[i].name, e->name) == 0)
            f = &functions[i];
    if (!f) {
        const char *names[sizeof functions / sizeof functions[0]];
        for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
            names[i] = functions[i].name;
        diag_error(S->C->d, e->loc, "unknown function '%s'", e->name);
        const char *near = closest_name(e->name, names, (int)(sizeof names / sizeof names[0]));
        if (near)
            diag_hint(S->C->d, "did you mean '%s'?", near);
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
    for (int i = strcmp(e->name, "watched") == 0; i < e->nargs; i++) {
        check_expr(S, e->args[i]);
        bad |= e->args[i]->type.kind == T_VOID;
        if (is_flow_param(e->args[i]) && strcmp(e->name, "match") != 0) {
            diag_error(S->C->d, e->args[i]->loc, "an odp_flow parameter is only used as match(KEY, $%s)",
                       e->args[i]->name);
            bad = 1;
        }
    }
    S->allow_agg = allow;
    if (!bad)
        f->check(S, e);
}

static void check_expr(struct scope *S, struct expr *e)
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

/* ------------------------------------------------------------------ scopes */

static void scope_for(struct scope *S, struct checker *C, const struct probe_use *u)
{
    memset(S, 0, sizeof *S);
    S->C = C;
    S->probe = u;
    /* Every span ending at this probe has its values here (computed first). */
    for (int i = 0; i < C->r->nspans && S->nspans < 16; i++) {
        const struct span *s = &C->r->spans[i];
        for (int j = 0; j < s->ntos && S->nspans < 16; j++) {
            const struct probe_use *to = &s->tos[j].on;
            if (to->text && (to->probe || to->target_name) && probe_same(to, u)) {
                S->spans[S->nspans++] = s;
                break;
            }
        }
    }
}

static void check_condition(struct scope *S, struct expr *e)
{
    if (!e)
        return;
    check_expr(S, e);
    if (e->type.kind != T_VOID && !type_is_integer(&e->type)) {
        char t[64];
        diag_error(S->C->d, e->loc, "a condition must be true or false, not %s", type_a(&e->type, t, sizeof t));
    }
}

static int valid_key_type(const struct type *t)
{
    /* A tracepoint's __data_loc string is read with str(), as a const char * is. */
    return type_is_integer(t) || type_is_pointer(t) || t->kind == T_STR || t->kind == T_CHARS ||
           t->kind == T_DLSTR || t->kind == T_IPV4;
}

static struct expr **check_keys_in(struct checker *C, const struct ynode **nodes, int nkeys,
                                   const struct probe_use *u)
{
    struct expr **keys = xcalloc((size_t)nkeys + 1, sizeof *keys);
    struct scope S;
    scope_for(&S, C, u);
    S.nspans = 0;    /* a key is about the probe itself */
    for (int i = 0; i < nkeys; i++) {
        keys[i] = parse_expr(nodes[i], C->d);
        if (!keys[i])
            continue;
        check_expr(&S, keys[i]);
        if (keys[i]->type.kind != T_VOID && !valid_key_type(&keys[i]->type)) {
            char t[64];
            diag_error(C->d, keys[i]->loc, "a span key must be a number, pointer or short string, not %s",
                       type_a(&keys[i]->type, t, sizeof t));
        }
    }
    return keys;
}

/* An end's condition is about its probe; spans ending there are not readable yet at a start. */
static void check_span_end(struct checker *C, struct span_end *e)
{
    e->keys = check_keys_in(C, e->key_nodes, e->nkeys, &e->on);
    if (e->where) {
        struct scope S;
        scope_for(&S, C, &e->on);
        S.nspans = 0;
        check_condition(&S, e->where);
    }
    if (e->any_task && e->on.kind != PK_TRACEPOINT && e->on.kind != PK_KPROBE && e->on.kind != PK_KRETPROBE)
        diag_error(C->d, e->on.loc, "'task: any' is for kernel probes; USDT probes and uprobes fire in the traced "
                   "process only");
}

/* Capture C as start F of its span evaluates it, in scope S. */
static void check_capture(struct checker *C, struct scope *S, struct capture *c, int f)
{
    struct expr *v = c->values[f] = parse_expr(c->node, C->d);
    if (!v)
        return;
    check_expr(S, v);
    if (v->type.kind != T_VOID && !valid_key_type(&v->type) && v->type.kind != T_TIMESTAMP &&
        v->type.kind != T_DURATION && v->type.kind != T_DLSTR && v->type.kind != T_CSTR) {
        char t[64];
        diag_error(C->d, v->loc, "a capture must be a number or short string, not %s", type_a(&v->type, t, sizeof t));
    }
    if (f && v->type.kind != T_VOID && c->values[0] && c->values[0]->type.kind != v->type.kind)
        diag_error(C->d, v->loc, "capture '%s' has another type at this start than at the first", c->name);
}

static void check_span(struct checker *C, struct span *s)
{
    for (int i = 0; i < s->nfroms; i++)
        resolve_probe(C, &s->froms[i].on, 0);
    for (int i = 0; i < s->ntos; i++)
        resolve_probe(C, &s->tos[i].on, 0);
    if (C->d->errors)
        return;
    for (int i = 0; i < span_nends(s); i++)
        check_span_end(C, span_end_at(s, i));
    for (int i = 0; i < s->ncaptures; i++)
        s->captures[i].values = xcalloc((size_t)s->nfroms, sizeof *s->captures[i].values);
    /* Each start evaluates the captures in its own probe's context: one scope for them all
     * (a scope looks at every span's ends, too slow to do again for each capture). */
    for (int f = 0; f < s->nfroms; f++) {
        struct scope S;
        scope_for(&S, C, &s->froms[f].on);
        for (int i = 0; i < s->ncaptures; i++)
            check_capture(C, &S, &s->captures[i], f);
    }
    for (int i = 0; i < s->ncounts; i++) {
        resolve_probe(C, &s->counts[i].on, 0);
        if (!s->key_nodes && (s->counts[i].on.probe || s->counts[i].on.target_name))
            diag_error(C->d, s->counts[i].loc, "a span with counted probes needs its own 'key:' for them");
        else if (s->counts[i].on.probe || s->counts[i].on.target_name)
            s->counts[i].keys = check_keys_in(C, s->key_nodes, s->nkeys, &s->counts[i].on);
    }
}

/* ---- outputs ---- */

static const char *const formats[] = {
    "int", "hex", "str", "enum", "ufid", "ipv4", "ipv6", "mac", "time", "duration", "ns", "us", "ms", "stack", "odp",
    "nl_flow", "nl_packet", NULL,
};

static int format_fits(const char *f, const struct type *t)
{
    enum tkind k = t->kind;
    if (!strcmp(f, "int")) return type_is_integer(t);
    if (!strcmp(f, "hex")) return type_is_integer(t) || k == T_ODP_KEY || k == T_BYTES || type_is_pointer(t);
    if (!strcmp(f, "str")) return type_is_string(t);
    if (!strcmp(f, "enum")) return k == T_ENUM;
    if (!strcmp(f, "ufid")) return k == T_UFID || k == T_UFID_PTR;
    if (!strcmp(f, "ipv4")) return k == T_IPV4;
    if (!strcmp(f, "ipv6")) return k == T_IPV6;
    if (!strcmp(f, "mac")) return k == T_MAC;
    if (!strcmp(f, "time")) return k == T_TIMESTAMP;
    if (!strcmp(f, "duration") || !strcmp(f, "ns") || !strcmp(f, "us") || !strcmp(f, "ms")) return k == T_DURATION;
    if (!strcmp(f, "stack")) return k == T_STACK;
    if (!strcmp(f, "odp")) return k == T_ODP_KEY;
    if (!strcmp(f, "nl_flow") || !strcmp(f, "nl_packet")) return k == T_BYTES || k == T_ODP_KEY;
    return 0;
}

static void check_column(struct scope *S, struct column *c)
{
    struct checker *C = S->C;
    if (c->name && strlen(c->name) > BT_STRING_MAX)
        diag_error(C->d, c->loc, "column name longer than %d bytes", BT_STRING_MAX);
    if (c->when) {
        check_expr(S, c->when);
        if (c->when->type.kind != T_VOID && (!c->when->is_const || !type_is_integer(&c->when->type)))
            diag_error(C->d, c->when->loc, "'when' is decided at compile time: use parameters and constants only");
    }
    if (!c->value)
        return;
    check_expr(S, c->value);
    if (c->value->type.kind == T_VOID)
        return;
    if (c->format) {
        int known = 0;
        for (int i = 0; formats[i]; i++)
            known |= strcmp(formats[i], c->format) == 0;
        if (!known) {
            diag_error(C->d, c->format_loc, "unknown format '%s'", c->format);
            const char *near = closest_name(c->format, formats, 15);
            diag_hint(C->d, near ? "did you mean '%s'?" : "formats: int, hex, str, enum, ufid, ipv4, ipv6, mac, time, "
                      "duration, ns, us, ms, stack, odp%s", near ? near : "");
        } else if (!format_fits(c->format, &c->value->type)) {
            char t[64];
            diag_error(C->d, c->format_loc, "format '%s' does not fit a value of type %s", c->format,
                       type_name(&c->value->type, t, sizeof t));
        }
    } else if (c->value->type.kind == T_STRUCT || c->value->type.kind == T_STRUCT_PTR) {
        char t[64];
        diag_error(C->d, c->value->loc, "cannot print a whole %s; pick one of its fields",
                   type_name(&c->value->type, t, sizeof t));
    }
}

static void check_aggregate(struct scope *S, struct output *o)
{
    struct checker *C = S->C;
    if (!o->value)
        return;
    if (o->value->kind != E_CALL) {
        diag_error(C->d, o->value->loc, "an aggregate's value is count(), sum(x), min(x), max(x), avg(x), stats(x), "
                   "hist(x) or lhist(x, min, max, step)");
        return;
    }
    static const char *const aggs[] = { "count", "sum", "min", "max", "avg", "stats", "hist", "lhist" };
    int fn = -1;
    for (int i = 0; i < 8; i++)
        if (strcmp(aggs[i], o->value->name) == 0)
            fn = i;
    if (fn < 0) {
        diag_error(C->d, o->value->loc, "'%s' is not an aggregation; use count, sum, min, max, avg, stats, hist or lhist",
                   o->value->name);
        return;
    }
    o->fn = (enum agg_fn)fn;
    S->allow_agg = 1;
    check_expr(S, o->value);
    S->allow_agg = 0;
    if (o->nby > 8)
        diag_error(C->d, o->by[8]->loc, "at most 8 'by' keys");
    for (int i = 0; i < o->nby; i++) {
        check_expr(S, o->by[i]);
        const struct type *t = &o->by[i]->type;
        if (t->kind != T_VOID && !valid_key_type(t)) {
            char tn[64];
            diag_error(C->d, o->by[i]->loc, "cannot aggregate by %s", type_a(t, tn, sizeof tn));
        }
    }
}

static void check_output(struct checker *C, struct output *o)
{
    resolve_probe(C, &o->on, 1);
    if (!o->on.probe && !o->on.span && !o->on.target_name)
        return;
    struct scope S;
    scope_for(&S, C, &o->on);
    if (o->on.span && o->on.span->ntos > 1) {
        /* Its outputs run at each end: only what every end has (the span's values, builtins). */
        S.ends = o->on.span;
        S.spans[0] = o->on.span;
        S.nspans = 1;
    }
    check_condition(&S, o->where);
    if (o->kind == OUT_EVENT) {
        for (int i = 0; i < o->ncols; i++)
            check_column(&S, &o->cols[i]);
        /* Two shown columns with one name (columns that exclude each other by `when:` may share it). */
        for (int i = 0; i < o->ncols; i++)
            for (int j = 0; j < i; j++)
                if (o->cols[i].name && o->cols[j].name && !strcmp(o->cols[i].name, o->cols[j].name) &&
                    (!o->cols[i].when || o->cols[i].when->cval) && (!o->cols[j].when || o->cols[j].when->cval)) {
                    int line, col;
                    source_linecol(o->cols[j].loc.src, o->cols[j].loc.off, &line, &col);
                    diag_error(C->d, o->cols[i].loc, "column '%s' is already in this event (line %d)",
                               o->cols[i].name, line);
                    break;
                }
    } else {
        check_aggregate(&S, o);
    }
}

/* ---- window ---- */

static void window_value(struct checker *C, const struct ynode *n, int duration, uint64_t *out)
{
    if (!n)
        return;
    struct expr *e = parse_expr(n, C->d);
    if (!e)
        return;
    struct scope S = { .C = C };
    struct probe_use none = { 0 };
    S.probe = &none;
    check_expr(&S, e);
    if (e->type.kind != T_VOID) {
        int ok = e->is_const && (duration ? e->type.kind == T_DURATION : e->type.kind == T_INT) && e->cval >= 0;
        if (!ok)
            diag_error(C->d, e->loc, duration ? "expected a duration like 500ms, or a duration parameter"
                                              : "expected a count (0 or more), or an int parameter");
        else
            *out = (uint64_t)e->cval;
    }
    expr_free(e);
}

static int empty_probe_param(struct checker *C, const struct probe_use *u)
{
    const struct param *p = u->text && u->text[0] == '$' ? recipe_param(C->r, u->text + 1) : NULL;
    return p && p->type == P_PROBE && (!p->sval || !p->sval[0]);
}

static void check_window(struct checker *C, struct window *w)
{
    if (!w->present)
        return;
    /* A probe parameter left empty means no such trigger. */
    if (w->has_start && !empty_probe_param(C, &w->start))
        resolve_probe(C, &w->start, 0);
    else
        w->has_start = 0;
    if (w->has_stop && !empty_probe_param(C, &w->stop))
        resolve_probe(C, &w->stop, 0);
    else
        w->has_stop = 0;
    window_value(C, w->time_node, 1, &w->time_ns);
    window_value(C, w->interval_node, 1, &w->interval_ns);
    window_value(C, w->min_delta_node, 1, &w->min_delta_ns);
    uint64_t count = 1;
    window_value(C, w->count_node, 0, &count);
    w->count = (int64_t)count;
    /* Nothing else closes a window: without either it would stay open, and its reopening
     * timer would read a close time never written (bpftrace refuses the map). */
    if (!w->has_stop && !w->time_ns && !C->d->errors) {
        if (w->time_node)
            diag_error(C->d, w->time_node->loc, "the window's time is 0 and it has no stop trigger: it would never "
                       "close; give it a time above 0 or a stop trigger");
        else
            diag_error(C->d, w->loc, "a window needs a stop trigger or a time, to close");
    }
}

static void check_event_buffer(struct checker *C, struct recipe *r)
{
    window_value(C, r->event_buffer_node, 0, &r->event_buffer_pages);
    if (r->event_buffer_pages > (1u << 24))
        diag_error(C->d, r->event_buffer_node->loc, "event_buffer_pages is %llu: at most %u (64 GiB)",
                   (unsigned long long)r->event_buffer_pages, 1u << 24);
}

static int mentions_call(const struct expr *e, const char *fn)
{
    if (!e)
        return 0;
    if (e->kind == E_CALL && strcmp(e->name, fn) == 0)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (mentions_call(e->args[i], fn))
            return 1;
    return mentions_call(e->lhs, fn) || mentions_call(e->rhs, fn);
}

/* The parts of a watch list that do not depend on where it is used; its id and follow are
 * checked at each watched(), against the struct followed there. */
static void check_watch(struct checker *C, struct watch *w)
{
    w->cap = WATCH_DEFAULT_CAPACITY;
    if (w->capacity) {
        static const struct probe_use nowhere;
        struct scope S;
        scope_for(&S, C, &nowhere);
        int errors = C->d->errors;
        check_expr(&S, w->capacity);
        if (C->d->errors != errors)
            return;
        if (!w->capacity->is_const || w->capacity->type.kind != T_INT || w->capacity->cval < 1 ||
            w->capacity->cval > WATCH_MAX_CAPACITY) {
            diag_error(C->d, w->capacity->loc, "a watch list's capacity is a number from 1 to %d (or an int "
                       "parameter)", WATCH_MAX_CAPACITY);
            return;
        }
        w->cap = w->capacity->cval;
    }
    if (w->follow && mentions_call(w->follow, "watched"))
        diag_error(C->d, w->follow->loc, "a watch list's follow: cannot itself use watched()");
}

static void check_watch_use(struct checker *C)
{
    for (int i = 0; i < C->r->nwatches; i++)
        if (!C->r->watches[i].used)
            diag_warn(C->d, C->r->watches[i].loc, "watch list '%s' is never used; test it with watched(%s, ...)",
                      C->r->watches[i].name, C->r->watches[i].name);
}

static void map_shared(void *ctx, int i, int first)
{
    struct checker *C = ctx;
    const struct output *o = &C->r->outputs[i], *before = &C->r->outputs[first];
    diag_error(C->d, o->loc, "aggregate '%s' would share the map @%s with the one on line %d (a table's value "
               "columns are named TABLE_count, TABLE_sum, ...); rename one", o->name, o->name,
               source_line_of(before->loc.src, before->loc.off));
}

static void check_names_unique(struct checker *C)
{
    struct recipe *r = C->r;
    /* A table's value columns are maps TABLE_FN: another aggregate may already have that name
     * (256 tables of 64 columns are 16000 maps: sorted, not each compared with each). */
    const char **names = xcalloc((size_t)r->noutputs + 1, sizeof *names);
    for (int i = 0; i < r->noutputs; i++)
        names[i] = r->outputs[i].name;
    find_duplicates(names, r->noutputs, map_shared, C);
    free(names);
    for (int i = 0; i < r->nwatches; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(r->watches[i].name, r->watches[j].name) == 0)
                diag_error(C->d, r->watches[i].loc, "watch list '%s' is defined twice", r->watches[i].name);
    for (int i = 0; i < r->nspans; i++) {
        for (int j = 0; j < r->nspans; j++)
            if (j != i && strcmp(r->spans[i].name, r->spans[j].name) == 0 && j < i)
                diag_error(C->d, r->spans[i].loc, "span '%s' is defined twice", r->spans[i].name);
        for (int k = 0; k < r->spans[i].ncaptures; k++)
            for (int m = 0; m < r->spans[i].ncounts; m++)
                if (strcmp(r->spans[i].captures[k].name, r->spans[i].counts[m].name) == 0)
                    diag_error(C->d, r->spans[i].counts[m].loc, "'%s' is both a capture and a count of span '%s'",
                               r->spans[i].counts[m].name, r->spans[i].name);
    }
}

/* Text that reaches the script is printed in chunks; keep it to what a printf can carry. */
static void check_texts(struct checker *C)
{
    struct recipe *r = C->r;
    const struct ynode *summary = ymap_get(r->root, "summary");
    if (r->summary && (strlen(r->summary) > 200 || strchr(r->summary, '\n')))
        diag_error(C->d, summary->loc, "the summary is one line of at most 200 characters");
    for (int i = 0; i < r->noutputs; i++) {
        const char *t = r->outputs[i].title;
        if (t && strlen(t) > BT_TEXT_MAX - 2) {
            /* Events have no name; a table's title is checked on its first value column. */
            if (r->outputs[i].name)
                diag_error(C->d, r->outputs[i].loc, "title of '%s' is longer than %d characters",
                           r->outputs[i].name, BT_TEXT_MAX - 2);
            else
                diag_error(C->d, r->outputs[i].loc, "this event's title is longer than %d characters",
                           BT_TEXT_MAX - 2);
        }
    }
}

/* A span's start and duration are read as SPAN.start and SPAN.duration: a capture or count
 * of either name could not be read. (Its maps and variables cannot clash with another's:
 * gen_names.h.) */
static void check_span_names(struct checker *C)
{
    struct recipe *r = C->r;
    for (int i = 0; i < r->nspans; i++) {
        const struct span *s = &r->spans[i];
        for (int k = 0; k < s->ncaptures + s->ncounts; k++) {
            int cap = k < s->ncaptures;
            const char *n = cap ? s->captures[k].name : s->counts[k - s->ncaptures].name;
            struct loc loc = cap ? s->captures[k].loc : s->counts[k - s->ncaptures].loc;
            if (!strcmp(n, "start") || !strcmp(n, "duration"))
                diag_error(C->d, loc, "'%s' is the span's own value; give the %s another name", n,
                           cap ? "capture" : "count");
        }
    }
}

static void check_version(struct checker *C)
{
    struct recipe *r = C->r;
    if (!r->ovs || !C->res->needs_ovs)
        return;
    const char *v = r->ovs + 2 + strspn(r->ovs + 2, " ");    /* ">= " (load.c checked it) */
    if (version_cmp(v, C->res->needs_ovs) < 0) {
        diag_error(C->d, r->ovs_loc, "the recipe says it works with OVS %s, but %s needs OVS %s", v,
                   C->res->needs_ovs_for, C->res->needs_ovs);
        diag_hint(C->d, "write ovs: \">= %s\"", C->res->needs_ovs);
    }
}

int check_recipe(struct recipe *r, const struct catalog *cat, struct diag *d, struct check_result *out)
{
    memset(out, 0, sizeof *out);
    struct checker C = { r, cat, d, out };
    check_names_unique(&C);
    check_texts(&C);
    check_span_names(&C);
    for (int i = 0; i < r->nwatches; i++)
        check_watch(&C, &r->watches[i]);
    for (int i = 0; i < r->nspans; i++)
        check_span(&C, &r->spans[i]);
    for (int i = 0; i < r->noutputs; i++)
        check_output(&C, &r->outputs[i]);
    check_window(&C, &r->window);
    check_event_buffer(&C, r);
    if (!d->errors)
        check_watch_use(&C);
    check_version(&C);
    return d->errors ? -1 : 0;
}

void check_result_free(struct check_result *c)
{
    free(c->needs_ovs);
    c->needs_ovs = NULL;
}

int enum_prints_text(const struct catalog *cat, const struct type *t)
{
    const struct cat_enum *e = t->kind == T_ENUM ? catalog_enum(cat, t->ref) : NULL;
    return e && !e->flags;
}
