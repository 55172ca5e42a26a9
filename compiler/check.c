// SPDX-License-Identifier: Apache-2.0
// Check pass: resolve probes against the catalog, names against probe
// arguments, struct fields, builtins, spans and parameters; type every
// expression and fold what is known at compile time (parameters, literals).
// This file checks the recipe's parts (probes, spans, outputs, the window, watch lists) and
// the rules across them (unique names, text lengths, the OVS version); check_expr.c checks
// the expressions inside them.
#include "check_internal.h"
#include "functions.h"
#include "params.h"
#include "parse.h"
#include "probespec.h"
#include "btir.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ probes */

void need_version(struct checker *C, const char *since, const char *what)
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
    if (!u->probe && probe_kind_info(spec.kind)->cataloged) {
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
    if (e->any_task && !probe_kind_info(e->on.kind)->kernel)
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
    const struct function *fn = function_lookup(o->value->name);
    if (!fn || !fn->aggregate) {
        diag_error(C->d, o->value->loc, "'%s' is not an aggregation; use count, sum, min, max, avg, stats, hist or lhist",
                   o->value->name);
        return;
    }
    o->fn = fn->agg;
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

int check_recipe(struct recipe *r, const struct catalog *cat, const struct check_options *opt, struct diag *d,
                 struct check_result *out)
{
    memset(out, 0, sizeof *out);
    struct checker C = { r, cat, d, out, opt };
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
    /* Last, as lowering (which held these rules before) ran only on a recipe without errors. */
    if (!d->errors)
        check_script(&C);
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
