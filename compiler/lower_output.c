// SPDX-License-Identifier: Apache-2.0
// Lower pass, outputs: an event in, its printf (one column after another, a flow key in
// pieces) and its column header in BEGIN out; an aggregate in, its map update out; and the
// report that prints the aggregates.
#include "lower_internal.h"
#include "output_protocol.h"    /* the tags run reads back, and the held-event bound */
#include "stack_budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(RECIPE_MAX_HELD <= OUTPUT_HELD_MAX, "run holds the events check lets through");

/* ------------------------------------------------------------------ columns */

/* A printf being built: bpftrace 0.17 lays its arguments out on the BPF stack
 * (stack_budget.h says how much each takes). */
struct printf_line {
    struct strbuf fmt;
    struct bt_expr *args;    /* a BX_LIST, NULL: none yet */
    struct stack_use stack;
};

/* One more argument ARG (taken over), printed by FMT_PIECE. */
static void pf_arg(struct printf_line *p, const char *fmt_piece, struct bt_expr *arg, struct stack_cost cost)
{
    sb_add(&p->fmt, fmt_piece);
    if (!p->args)
        p->args = bx_list(0);
    bx_list_add(p->args, arg);
    stack_add(&p->stack, cost);
}

static int default_width(const struct column *c)
{
    const struct type *t = &c->value->type;
    const char *f = c->format ? c->format : "";
    int w;
    if (!strcmp(f, "ufid") || t->kind == T_UFID || t->kind == T_UFID_PTR) w = 36;
    else if (!strcmp(f, "time") || t->kind == T_TIMESTAMP) w = 18;
    else if (t->kind == T_IPV6) w = 39;
    else if (t->kind == T_MAC) w = 17;
    else if (t->kind == T_IPV4) w = 15;
    else if (t->kind == T_ENUM || type_is_string(t)) w = 16;
    else if (t->kind == T_DURATION) w = 14;
    else w = 8;
    int n = (int)strlen(c->name);
    return c->width ? c->width : (n > w ? n : w);
}

static const char *column_format(const struct lower *L, const struct column *c)
{
    if (c->format)
        return c->format;
    const struct type *t = &c->value->type;
    switch (t->kind) {
    case T_ENUM: return enum_prints_text(L->cat, t) ? "enum" : "hex";
    case T_UFID: case T_UFID_PTR: return "ufid";
    case T_IPV4: return "ipv4";
    case T_IPV6: return "ipv6";
    case T_MAC: return "mac";
    case T_TIMESTAMP: return "time";
    case T_DURATION: return "duration";
    case T_STACK: return "stack";
    case T_STR: case T_CSTR: case T_CHARS: case T_DLSTR: return "str";
    case T_ODP_KEY: return "odp";
    case T_PTR: case T_STRUCT_PTR: case T_BYTES: return "hex";
    default: return "int";
    }
}

static void column_ufid(struct lctx *X, const struct column *c, struct printf_line *p)
{
    struct bt_expr *r = lower_ref(X, c->value);
    int is_ptr = c->value->type.kind == T_UFID_PTR;
    sb_add(&p->fmt, "%08x-%04x-%04x-%04x-%04x%08x");
    struct bt_expr *words = bx_list(0);
    bx_list_add(words, ufid_word(r, is_ptr, 0));
    for (int i = 1; i <= 2; i++) {
        bx_list_add(words, bx_binary(ufid_word(r, is_ptr, i), ">>", bx_int(16)));
        bx_list_add(words, bx_binary(ufid_word(r, is_ptr, i), "&", bx_hex(0xffff, 4)));
    }
    bx_list_add(words, ufid_word(r, is_ptr, 3));
    bx_free(r);
    if (!p->args)
        p->args = bx_list(0);
    bx_list_add(p->args, words);
    for (int i = 0; i < 6; i++)
        stack_add(&p->stack, stack_number());
}

static void column_mac(struct lctx *X, const struct column *c, struct printf_line *p)
{
    struct bt_expr *r = lower_ref(X, c->value);
    sb_add(&p->fmt, "%02x:%02x:%02x:%02x:%02x:%02x");
    for (int i = 0; i < 6; i++)
        pf_arg(p, "", bx_index(bx_ref(r), bx_int(i)), stack_number());
    bx_free(r);
}

/* "%-16s", or "%s" for width 0 (the last column is not padded). */
static void left(char *piece, size_t n, int width, const char *conv)
{
    if (width)
        snprintf(piece, n, "%%-%d%s", width, conv);
    else
        snprintf(piece, n, "%%%s", conv);
}

/* @_enum_E[V]: the name of enum value V, from the table BEGIN fills (lower_enums). */
static struct bt_expr *enum_name(struct lower *L, const struct cat_enum *en, struct bt_expr *v)
{
    vec_add_unique(&L->enums, en);
    return bx_mapf(v, "@_enum_%s", en->name);
}

/* V / PER and V % PER (V taken over): whole units and the rest, for two printf arguments. */
static struct bt_expr *units_and_rest(struct bt_expr *whole, long long unit, struct bt_expr *part, long long per)
{
    return bx_list(2, bx_binary(whole, "/", bx_int(unit)), bx_binary(part, "%", bx_int(per)));
}

static void add_column(struct lctx *X, const struct column *c, int last, struct printf_line *p)
{
    const char *f = column_format(X->L, c);
    int w = last ? 0 : default_width(c);
    const struct type *t = &c->value->type;
    char piece[32];
    if (!strcmp(f, "ufid")) {
        column_ufid(X, c, p);
    } else if (!strcmp(f, "mac")) {
        column_mac(X, c, p);
    } else if (!strcmp(f, "ipv4") || !strcmp(f, "ipv6")) {
        left(piece, sizeof piece, w, "s");
        pf_arg(p, piece, bx_call("ntop", lower_ref(X, c->value)), stack_ntop());
    } else if (!strcmp(f, "enum")) {
        const struct cat_enum *en = catalog_enum(X->L->cat, t->ref);
        struct bt_expr *name = enum_name(X->L, en, lower_value(X, c->value));
        left(piece, sizeof piece, w, "s");
        pf_arg(p, piece, name, stack_enum_name(en));
    } else if (!strcmp(f, "time") || !strcmp(f, "duration")) {
        struct bt_expr *v = lower_value(X, c->value);
        snprintf(piece, sizeof piece, "%%%dlu.%%09lu", w > 10 ? w - 10 : 1);
        pf_arg(p, piece, units_and_rest(bx_ref(v), 1000000000, v, 1000000000), (struct stack_cost){ 16, 0 });
    } else if (!strcmp(f, "ns")) {
        left(piece, sizeof piece, w, "ld");
        pf_arg(p, piece, lower_value(X, c->value), stack_number());
    } else if (!strcmp(f, "us") || !strcmp(f, "ms")) {
        /* Three decimals: 500.720 ms reads better than 500 or 500720 us. */
        struct bt_expr *v = lower_value(X, c->value);
        long long unit = !strcmp(f, "us") ? 1000 : 1000000, milli = !strcmp(f, "us") ? 1 : 1000;
        struct bt_expr *thousandths = bx_paren(bx_binary(v, "/", bx_int(milli)));
        snprintf(piece, sizeof piece, "%%%dld.%%03ld", w > 4 ? w - 4 : 1);
        pf_arg(p, piece, units_and_rest(bx_ref(v), unit, thousandths, 1000), (struct stack_cost){ 16, 0 });
    } else if ((!strcmp(f, "hex") || format_in_pieces(f)) && (t->kind == T_ODP_KEY || t->kind == T_BYTES)) {
        /* A key before the last column: its first 64 bytes in hex (only the last prints whole). */
        struct bt_expr *v = lower_value(X, c->value);
        struct bt_expr *len = lower_value(X, c->value->rhs);
        pf_arg(p, "%rh", bx_call("buf", bx_list(2, v, len)), stack_buf());
    } else if (!strcmp(f, "hex")) {
        snprintf(piece, sizeof piece, "0x%%-%dlx", w > 2 ? w - 2 : 1);
        pf_arg(p, piece, lower_value(X, c->value), stack_number());
    } else if (!strcmp(f, "str") || !strcmp(f, "stack")) {
        left(piece, sizeof piece, w, "s");
        /* A stack prints from its 8-byte id. */
        pf_arg(p, piece, lower_value(X, c->value), !strcmp(f, "stack") ? stack_number() : stack_value(c->value));
    } else {
        left(piece, sizeof piece, w, t->is_signed || t->kind == T_DURATION ? "ld" : "lu");
        pf_arg(p, piece, lower_value(X, c->value), stack_number());
    }
    if (!last)
        sb_addc(&p->fmt, ' ');
}

/* The printf P has built, into B; P starts again, empty. */
static void emit_printf(struct bt_block *b, struct printf_line *p)
{
    bt_eval(b, bx_printf(p->fmt.s ? p->fmt.s : "", p->args));
    sb_free(&p->fmt);
    p->args = NULL;
    p->stack = (struct stack_use){ 0 };
}

static int last_shown(const struct output *o)
{
    int last = -1;
    for (int i = 0; i < o->ncols; i++)
        if (column_shown(&o->cols[i]))
            last = i;
    return last;
}

/* A flow key as `odp`: its bytes in 64-byte hex pieces (buf() holds 64 unless
 * BPFTRACE_STRLEN is raised, which would grow every str() on the printf stack), up to
 * 2048 bytes. For `ovstrace run` every piece starts with RS CPU US, so pieces of events
 * from different CPUs can be put back together, and the key sits between STX and ETX:
 * run prints it decoded, as dump-flows does. */
#define KEY_PIECE 64
#define KEY_PIECES 32

/* printf(FMT, cpu, MORE) under run (the tag's CPU), printf(FMT, MORE) for plain bpftrace;
 * MORE (taken over) may be NULL. */
static struct bt_expr *tagged_printf(const struct lower *L, const char *fmt, struct bt_expr *more)
{
    struct bt_expr *args = bx_list(0);
    if (L->opt->for_run)
        bx_list_add(args, bx_builtin("cpu"));
    if (more)
        bx_list_add(args, more);
    return bx_printf(fmt, args);
}

static void key_pieces(struct lctx *X, const struct column *c, struct bt_block *b, const char *tag)
{
    char var[16];
    snprintf(var, sizeof var, "k%d", ++X->L->nvars);
    struct bt_expr *key = lower_value(X, c->value);
    struct bt_expr *len = lower_value(X, c->value->rhs);
    struct bt_expr *p = bx_varf("$%s_p", var), *n = bx_varf("$%s_len", var), *off = bx_varf("$%s_off", var);
    bt_assign(b, bx_ref(p), bx_cast("uint64", key, 0));
    bt_assign(b, bx_ref(n), bx_cast("uint64", len, value_u64(c->value->rhs)));
    bt_assign(b, bx_ref(off), bx_cast("uint64", bx_int(0), 0));
    /* After STX, run's decoder: a flow key, or a netlink message of the flow or packet family
     * and its length. A message is read in whole pieces: Linux 6.1's verifier loses the bound
     * of a piece's length computed from a size read out of memory (ofpbuf.size) and refuses
     * the program, so the length goes first and run decodes that much. */
    const char *f = column_format(X->L, c);
    int msg = strcmp(f, "odp") != 0;
    char fmt[64];
    if (msg && X->L->opt->for_run) {
        snprintf(fmt, sizeof fmt, "%s\002%s%%lu:", tag, !strcmp(f, "nl_flow") ? "F" : "P");
        bt_eval(b, tagged_printf(X->L, fmt, bx_ref(n)));
    } else if (msg) {
        bt_eval(b, bx_printf("(%lu bytes) ", bx_list(1, bx_ref(n))));
    } else if (X->L->opt->for_run) {
        snprintf(fmt, sizeof fmt, "%s\002", tag);
        bt_eval(b, tagged_printf(X->L, fmt, NULL));
    }
    bt_unroll(b, KEY_PIECES);
    bt_if(b, bx_binary(bx_ref(off), "<", bx_ref(n)));
    struct bt_expr *piece = bx_int(KEY_PIECE);
    if (!msg) {    /* the key's last piece is what is left of it */
        struct bt_expr *rest = bx_usub(bx_ref(n), bx_ref(off));
        piece = bx_ternary(bx_binary(bx_ref(rest), ">", bx_int(KEY_PIECE)), piece, rest);
    }
    snprintf(fmt, sizeof fmt, "%s%%rh ", tag);
    bt_eval(b, tagged_printf(X->L, fmt, bx_call("buf", bx_list(2, bx_binary(p, "+", bx_ref(off)), piece))));
    bt_assign(b, bx_ref(off), bx_binary(bx_ref(off), "+", bx_int(KEY_PIECE)));
    bt_end(b);
    bt_end(b);
    snprintf(fmt, sizeof fmt, "%s%s\n", tag, X->L->opt->for_run ? "\003" : "");
    bt_eval(b, tagged_printf(X->L, fmt, NULL));
    bx_free(n);
    bx_free(off);
}

/* Under run, an event printed `after_report` is tagged GS 'h' (its title and header) or
 * 'e' (one event), its index, US: run holds them and prints them after the next report
 * (run_render.c). Plain bpftrace prints them as they come. */
static int held_event(const struct lower *L, const struct output *o)
{
    return o->after_report && L->opt->for_run;
}

static void held_tag(const struct lower *L, const struct output *o, char kind, struct strbuf *fmt)
{
    if (held_event(L, o))    /* only outputs below RECIPE_MAX_HELD (check_script.c) */
        sb_printf(fmt, OUTPUT_GS "%c%d" OUTPUT_US, kind, (int)(o - L->r->outputs));
}

static void event_line(struct lctx *X, const struct output *o, struct bt_block *b)
{
    struct printf_line p = { 0 };
    int last = last_shown(o);
    /* A key in odp format (or a netlink message), last, is printed in pieces after the other columns. */
    const struct column *key =
        last >= 0 && format_in_pieces(column_format(X->L, &o->cols[last])) ? &o->cols[last] : NULL;
    /* The run-mode tag: record separator, the CPU, unit separator. */
    const char *tag = X->L->opt->for_run ? OUTPUT_RS "%d" OUTPUT_US : "";
    held_tag(X->L, o, 'e', &p.fmt);
    if (key && X->L->opt->for_run)
        pf_arg(&p, OUTPUT_RS "%d" OUTPUT_US, bx_builtin("cpu"), (struct stack_cost){ 0 });
    for (int i = 0; i < o->ncols; i++) {
        if (!column_shown(&o->cols[i]) || &o->cols[i] == key)
            continue;
        add_column(X, &o->cols[i], i == last, &p);
    }
    int need = stack_printf_total(&p.stack, X->L->opt->bpftrace);
    if (need > STACK_MAX)
        diag_error(X->L->d, o->loc, "this event's columns need %d bytes of BPF stack; bpftrace 0.17's printf has "
                   "room for %d (numbers take 8, strings read with str() 64 and hex dumps 72, plus the buffer "
                   "the biggest is read into): drop or split columns", need, STACK_MAX);
    stack_budget_statement(&b->stack, need, o->loc, "an event's printf");
    stack_budget_pile(&b->stack, stack_printf_piled(&p.stack, X->L->opt->bpftrace), o->loc);
    if (!key)
        sb_add(&p.fmt, "\n");
    if (p.fmt.len)
        emit_printf(b, &p);
    if (key)
        key_pieces(X, key, b, tag);
    sb_free(&p.fmt);
    bx_free(p.args);
}

/* One literal of an event's header. A header's literals can pass the printf's room on
 * the BPF stack (eight 63-byte column names and a long title do): then what came before
 * is printed on its own, without a newline, and the header goes on in another printf;
 * under run, held headers go on with the tag 'H' (append, not replace). */
static void header_arg(struct lower *L, const struct output *o, struct printf_line *p, const char *piece,
                       const char *text)
{
    struct stack_use after = p->stack;
    stack_add(&after, stack_literal(text));
    if (p->args && stack_use_total(&after) > STACK_MAX) {
        emit_printf(L->P->begin, p);
        held_tag(L, o, 'H', &p->fmt);
    }
    pf_arg(p, piece, bx_str(text), stack_literal(text));
}

/* The column header (after the event's title), printed once in BEGIN; names go in as %s
 * arguments, never into the format. */
void event_header(struct lower *L, const struct output *o)
{
    struct printf_line p = { 0 };
    held_tag(L, o, 'h', &p.fmt);
    /* A title may be longer than one bpftrace string literal: one %s per piece. */
    size_t tlen = o->title ? strlen(o->title) : 0;
    for (size_t off = 0; o->title && (off < tlen || off == 0); off += BT_STRING_MAX) {
        char *piece = xstrndup(o->title + off, tlen - off < BT_STRING_MAX ? tlen - off : BT_STRING_MAX);
        header_arg(L, o, &p, off + BT_STRING_MAX >= tlen ? "%s\n" : "%s", piece);
        free(piece);
    }
    int lastcol = last_shown(o);
    for (int i = 0; i < o->ncols; i++) {
        if (!column_shown(&o->cols[i]))
            continue;
        char piece[16];
        if (i == lastcol)
            snprintf(piece, sizeof piece, "%%s");
        else
            snprintf(piece, sizeof piece, "%%-%ds ", default_width(&o->cols[i]));
        header_arg(L, o, &p, piece, o->cols[i].name);
    }
    sb_add(&p.fmt, "\n");
    emit_printf(L->P->begin, &p);
}

/* ----------------------------------------------------------- aggregates */

static struct bt_expr *agg_key(struct lctx *X, const struct expr *e)
{
    /* Under run, an enum key stays a number and run names it (render_enum): no name table
     * to fill in BEGIN, which for the 360 syscalls costs bpftrace 2 s of start-up. */
    if (e->type.kind == T_ENUM && enum_prints_text(X->L->cat, &e->type) && !X->L->opt->for_run)
        return enum_name(X->L, catalog_enum(X->L->cat, e->type.ref), lower_value(X, e));
    if (e->type.kind == T_IPV4)
        return bx_call("ntop", lower_ref(X, e));
    return lower_value(X, e);
}

/* What key part E takes in a map's key on the stack, as agg_key() writes it. */
static struct stack_cost agg_key_cost(const struct lctx *X, const struct expr *e)
{
    if (e->type.kind == T_ENUM && enum_prints_text(X->L->cat, &e->type) && !X->L->opt->for_run)
        return stack_enum_name(catalog_enum(X->L->cat, e->type.ref));
    return stack_value(e);
}

static void aggregate_line(struct lctx *X, const struct output *o, struct bt_block *b)
{
    struct bt_expr *keys = bx_list(0);
    struct stack_use key_stack = { 0 };
    int over = -1;    /* the key that passes the stack */
    for (int i = 0; i < o->nby; i++) {
        bx_list_add(keys, agg_key(X, o->by[i]));
        stack_add(&key_stack, agg_key_cost(X, o->by[i]));
        if (over < 0 && stack_key_total(&key_stack, X->L->opt->bpftrace) > STACK_MAX)
            over = i;
    }
    int need = stack_key_total(&key_stack, X->L->opt->bpftrace);
    if (over >= 0)
        diag_error(X->L->d, expr_extent(o->by[over]), "aggregate '%s' has keys that need %d bytes of BPF stack; "
                   "bpftrace %s has room for %d, which this key passes (numbers take 8, strings read with str() 64%s): "
                   "use fewer string keys", o->name, need, bt_scopes_variables(X->L->opt->bpftrace) ? "0.21 and later" : "0.17",
                   STACK_MAX, bt_scopes_variables(X->L->opt->bpftrace) ? "" : ", plus the buffer the biggest is read into");
    stack_budget_statement(&b->stack, need, o->nby ? o->by[0]->loc : o->loc, "an aggregate's key");
    struct bt_expr *v = lower_value(X, o->value);
    if (o->nby) {
        bt_assign(b, bx_mapf(keys, "@%s", o->name), v);
        return;
    }
    bx_free(keys);
    if (o->fn == AGG_HIST || o->fn == AGG_LHIST)
        bt_assign(b, bx_mapf(NULL, "@%s", o->name), v);
    else    /* a keyless count() survives clear() as "@x: 0" in bpftrace 0.17's exit dump; an empty key does not */
        bt_assign(b, bx_mapf(bx_str(""), "@%s", o->name), v);
}

static int window_gated(const struct lower *L) { return L->r->window.present; }

/* An output: skipped when its condition is false at compile time. */
void lower_output(struct lower *L, const struct output *o, const struct probe_use *at, struct bt_block *b)
{
    struct lctx X = { L, at, b };
    int guarded = (o->where && !o->where->is_const) || window_gated(L);
    if (o->where && o->where->is_const && !o->where->cval)
        return;
    if (guarded) {
        struct bt_expr *open = window_gated(L) ? window_is("==", 1) : NULL;
        bt_if(b, bx_join(open, "&&", o->where && !o->where->is_const ? lower_value(&X, o->where) : NULL));
    }
    if (o->kind == OUT_EVENT)
        event_line(&X, o, b);
    else
        aggregate_line(&X, o, b);
    if (guarded)
        bt_end(b);
}

static int has_held_events(const struct lower *L)
{
    for (int i = 0; i < L->r->noutputs; i++)
        if (L->r->outputs[i].kind == OUT_EVENT && output_live(&L->r->outputs[i]) && held_event(L, &L->r->outputs[i]))
            return 1;
    return 0;
}

/* Print aggregates (a window's end, a periodic report, or the final one). */
void report_lines(struct lower *L, struct bt_block *b, int reset)
{
    for (int i = 0; i < L->r->noutputs; i++) {
        const struct output *o = &L->r->outputs[i];
        if (o->kind != OUT_AGG || !output_live(o))
            continue;
        /* Under run, a table's title is printed by run, with the joined table. */
        if (o->title && !(o->table && L->opt->for_run))
            bt_print_text(b, "\n", o->title);
        bt_eval(b, bx_call("print", bx_mapf(NULL, "@%s", o->name)));
        if (reset)
            bt_eval(b, bx_call("clear", bx_mapf(NULL, "@%s", o->name)));
    }
    if (L->r->uses_threads && L->r->report_by_thread && L->opt->for_run)
        bt_eval(b, bx_call("print", bx_map("@_exited", NULL)));
    if (L->opt->for_run && (L->r->ntables || has_held_events(L)))
        bt_eval(b, bx_printf(OUTPUT_DUMP_END "\n", NULL))->text = xstrdup("run: the report is complete");
}

