// SPDX-License-Identifier: Apache-2.0
// Check pass, the script to be made: a checked recipe in; which of its parts the parameters
// leave out (live or not), and errors for the rules that hold only for the parts left, as
// lowering makes them: the string literals bpftrace takes, the columns printed in pieces, the
// events run holds, a uprobe's binary. Lowering then reports only resource limits (the stack).
#include "check_internal.h"
#include "btir.h"
#include "probespec.h"

#include <string.h>

/* ---- what is left out ---- */

/* An end whose condition is false at compile time (`where: $kernel && ...` with kernel=false)
 * is left out, and its probe is not attached for it. */
int end_live(const struct span_end *e)
{
    return (e->on.probe || e->on.target_name) && !(e->where && e->where->is_const && !e->where->cval);
}

/* A span that can start and end; outputs on one that cannot are left out with it. */
int span_live(const struct span *s)
{
    int from = 0, to = 0;
    for (int i = 0; i < s->nfroms; i++)
        from |= end_live(&s->froms[i]);
    for (int i = 0; i < s->ntos; i++)
        to |= end_live(&s->tos[i]);
    return from && to;
}

/* An output on a live span (or on a probe), whose condition is not false at compile time. */
int output_live(const struct output *o)
{
    if (o->on.span && !span_live(o->on.span))
        return 0;
    return !(o->where && o->where->is_const && !o->where->cval);
}

int column_shown(const struct column *c)
{
    return !c->when || c->when->cval;
}

int format_in_pieces(const char *f)
{
    return f && (!strcmp(f, "odp") || !strcmp(f, "nl_flow") || !strcmp(f, "nl_packet"));
}

/* ---- string literals ---- */

/* Every string constant of E that reaches the script as a literal: one not folded into
 * another constant, and not an odp_flow parameter (match() reads its masks, not its text). */
static void check_literals(struct checker *C, const struct expr *e)
{
    if (!e || is_flow_param(e))
        return;
    if (e->is_const) {
        if (e->type.kind == T_STR && e->cstr && strlen(e->cstr) > BT_STRING_MAX)
            diag_error(C->d, e->loc, "a string of %zu bytes: bpftrace 0.17 takes string literals of at most %d",
                       strlen(e->cstr), BT_STRING_MAX);
        return;
    }
    check_literals(C, e->lhs);
    check_literals(C, e->rhs);
    for (int i = 0; i < e->nargs; i++)
        check_literals(C, e->args[i]);
}

/* The expressions of live span ends and starts: their conditions, keys and captures. */
static void span_literals(struct checker *C, const struct span *s)
{
    for (int j = 0; j < span_nends(s); j++) {
        const struct span_end *e = span_end_at(s, j);
        if (!end_live(e))
            continue;
        check_literals(C, e->where);
        for (int k = 0; k < s->nkeys; k++)
            check_literals(C, e->keys[k]);
        for (int c = 0; c < s->ncaptures && j < s->nfroms; c++)
            check_literals(C, s->captures[c].values[j]);
    }
    for (int c = 0; c < s->ncounts; c++)
        for (int k = 0; k < s->nkeys && s->counts[c].keys; k++)
            check_literals(C, s->counts[c].keys[k]);
}

static void output_literals(struct checker *C, const struct output *o)
{
    check_literals(C, o->where);
    check_literals(C, o->value);
    for (int i = 0; i < o->ncols; i++)
        if (column_shown(&o->cols[i]))
            check_literals(C, o->cols[i].value);
    for (int i = 0; i < o->nby; i++)
        check_literals(C, o->by[i]);
}

/* ---- events ---- */

/* Is column C printed in pieces: its format's, or a flow key's by default? */
static int in_pieces(const struct column *c)
{
    const char *f = c->format ? c->format : c->value && c->value->type.kind == T_ODP_KEY ? "odp" : NULL;
    return format_in_pieces(f);
}

/* A flow key or netlink message printed whole is printed in pieces after the event's other
 * columns, as it happens: it is the last column, and the event is not held for the report.
 * Under run, only the first RECIPE_MAX_HELD outputs can be held (run keeps them by index). */
static void check_event(struct checker *C, const struct output *o)
{
    int last = -1;
    for (int i = 0; i < o->ncols; i++)
        if (column_shown(&o->cols[i]))
            last = i;
    if (last >= 0 && in_pieces(&o->cols[last]) && o->after_report)
        diag_error(C->d, o->print_loc, "an event with a flow key printed as odp is printed in pieces, as it "
                   "happens: it cannot be 'print: after_report'");
    for (int i = 0; i < last; i++)
        if (column_shown(&o->cols[i]) && o->cols[i].format && format_in_pieces(o->cols[i].format))
            diag_error(C->d, o->cols[i].format_loc, "%s printed as %s must be the last column of its event (it is "
                       "printed in pieces)", strcmp(o->cols[i].format, "odp") ? "a netlink message" : "a flow key",
                       o->cols[i].format);
    if (C->opt && C->opt->for_run && o->after_report && o - C->r->outputs >= RECIPE_MAX_HELD)
        diag_error(C->d, o->loc, "only the first %d outputs of a recipe can be 'print: after_report'", RECIPE_MAX_HELD);
}

/* ---- a uprobe's binary ---- */

/* U's probe, the first time it is seen (SEEN: those before): a uprobe names its binary. */
static void binary_for(struct checker *C, struct vec *seen, const struct probe_use *u)
{
    u = probe_attach(u);
    for (int i = 0; i < seen->n; i++)
        if (probe_same(seen->v[i], u))
            return;
    vec_push(seen, (void *)u);
    if (probe_kind_info(u->kind)->binary == BINARY_NEEDED)
        diag_error(C->d, u->loc, "a uprobe needs the binary: compile with --target PATH or --pid PID");
}

/* Without --target or --pid a uprobe has no binary to attach to: said once per probe, at the
 * use lowering makes its block for (span ends, outputs, counters, span starts, window). */
static void check_binaries(struct checker *C)
{
    const struct recipe *r = C->r;
    struct vec seen = { 0 };
    for (int i = 0; i < r->nspans; i++)
        for (int j = 0; j < r->spans[i].ntos && span_live(&r->spans[i]); j++)
            if (end_live(&r->spans[i].tos[j]))
                binary_for(C, &seen, &r->spans[i].tos[j].on);
    for (int i = 0; i < r->noutputs; i++)
        if (!r->outputs[i].on.span && output_live(&r->outputs[i]))
            binary_for(C, &seen, &r->outputs[i].on);
    for (int i = 0; i < r->nspans; i++)
        for (int j = 0; j < r->spans[i].ncounts && span_live(&r->spans[i]); j++)
            binary_for(C, &seen, &r->spans[i].counts[j].on);
    for (int i = 0; i < r->nspans; i++)
        for (int j = 0; j < r->spans[i].nfroms && span_live(&r->spans[i]); j++)
            if (end_live(&r->spans[i].froms[j]))
                binary_for(C, &seen, &r->spans[i].froms[j].on);
    if (r->window.present && r->window.has_start)
        binary_for(C, &seen, &r->window.start);
    if (r->window.present && r->window.has_stop)
        binary_for(C, &seen, &r->window.stop);
    vec_free(&seen);
}

void check_script(struct checker *C)
{
    const struct recipe *r = C->r;
    for (int i = 0; i < r->nspans; i++)
        if (span_live(&r->spans[i]))
            span_literals(C, &r->spans[i]);
    for (int i = 0; i < r->noutputs; i++) {
        if (!output_live(&r->outputs[i]))
            continue;
        output_literals(C, &r->outputs[i]);
        if (r->outputs[i].kind == OUT_EVENT)
            check_event(C, &r->outputs[i]);
    }
    if (C->opt && C->opt->no_binary)
        check_binaries(C);
}
