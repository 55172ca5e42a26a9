// SPDX-License-Identifier: Apache-2.0
// Load pass, outputs: a recipe's `events:`, `aggregates:` (plain or as tables), `report:` and
// `window:` in, its struct output and struct table entries, report settings and window out.
#include "load_internal.h"
#include "functions.h"
#include "parse.h"

#include <stdlib.h>
#include <string.h>

/* ---- outputs ---- */

static void load_column(struct loader *L, const struct ynode *n, struct column *c)
{
    static const char *const keys[] = { "name", "value", "format", "width", "when", NULL };
    if (!want(L, n, Y_MAP, "a column"))
        return;
    c->loc = n->loc;
    const struct ynode *value;
    if (ymap_get(n, "value")) {
        check_keys(L, n, keys, "a column");
        c->name = text_of(L, n, "name");
        value = ymap_get(n, "value");
        const struct ynode *f = want(L, ymap_get(n, "format"), Y_SCALAR, "format");
        if (f) {
            c->format = xstrdup(f->value);
            c->format_loc = f->loc;
        }
        const struct ynode *w = want(L, ymap_get(n, "width"), Y_SCALAR, "width");
        if (w) {
            char *end;
            long x = strtol(w->value, &end, 10);
            if (*end || x < 1 || x > 200)
                diag_error(L->d, w->loc, "column width must be an integer from 1 to 200");
            else
                c->width = (int)x;
        }
        if (!c->name)
            diag_error(L->d, n->loc, "a column needs a 'name'");
        c->when = expr_at(L, n, "when");
    } else if (n->n == 1) {
        /* The short form `- TID: tid`. */
        c->name = xstrdup(n->keys[0]->value);
        value = n->items[0];
    } else {
        diag_error(L->d, n->loc, "a column is `- NAME: expression` or a mapping with 'name' and 'value'");
        return;
    }
    /* An event's column names go into the script, a table's are printed by run: printable both. */
    size_t at;
    if (c->name && text_problem(c->name, strlen(c->name), &at))
        diag_error(L->d, c->loc, "column names must be printable text");
    c->value_node = value;
    c->value = parse_expr(value, L->d);
}

static void load_event(struct loader *L, const struct ynode *n, struct output *o)
{
    static const char *const keys[] = { "on", "where", "columns", "title", "print", NULL };
    o->kind = OUT_EVENT;
    o->loc = n->loc;
    if (!want(L, n, Y_MAP, "an event"))
        return;
    check_keys(L, n, keys, "an event");
    o->title = printable_of(L, n, "title", 0);
    const struct ynode *print = want(L, ymap_get(n, "print"), Y_SCALAR, "print");
    if (print) {
        if (strcmp(print->value, "live") && strcmp(print->value, "after_report"))
            diag_error(L->d, print->loc, "'print' is 'live' (each event as it happens, the default) or "
                       "'after_report' (ovstrace run holds them and prints them after the next report)");
        o->after_report = strcmp(print->value, "after_report") == 0;
        o->print_loc = print->loc;
    }
    if (!ymap_get(n, "on"))
        diag_error(L->d, n->loc, "an event needs 'on:', the probe or span it prints at");
    load_probe_use(L, ymap_get(n, "on"), &o->on, "on");
    o->where = expr_at(L, n, "where");
    const struct ynode *cols = want(L, ymap_get(n, "columns"), Y_SEQ, "columns");
    if (!cols || cols->n == 0 || too_many(L, cols, RECIPE_MAX_COLUMNS, "columns per event")) {
        if (!ymap_get(n, "columns"))
            diag_error(L->d, n->loc, "an event needs a 'columns' list");
        return;
    }
    o->cols = xcalloc((size_t)cols->n, sizeof *o->cols);
    for (int i = 0; i < cols->n; i++)
        load_column(L, cols->items[i], &o->cols[o->ncols++]);
}

/* Events and aggregates share one list, in the order the recipe gives them. */
static struct output *add_outputs(struct loader *L, int n)
{
    struct recipe *r = L->r;
    r->outputs = xrealloc(r->outputs, (size_t)(r->noutputs + n) * sizeof *r->outputs);
    struct output *first = &r->outputs[r->noutputs];
    memset(first, 0, (size_t)n * sizeof *first);
    r->noutputs += n;
    return first;
}

void load_events(struct loader *L, const struct ynode *seq)
{
    if (!want(L, seq, Y_SEQ, "events") || too_many(L, seq, RECIPE_MAX_ENTRIES, "events in a recipe"))
        return;
    struct output *o = add_outputs(L, seq->n);
    for (int i = 0; i < seq->n; i++)
        load_event(L, seq->items[i], &o[i]);
}

static void load_by(struct loader *L, const struct ynode *by, struct output *o)
{
    if (!by)
        return;
    int cnt = by->kind == Y_SEQ ? by->n : 1;
    o->by = xcalloc((size_t)cnt, sizeof *o->by);
    for (int i = 0; i < cnt; i++) {
        struct expr *e = parse_expr(by->kind == Y_SEQ ? by->items[i] : by, L->d);
        if (e)
            o->by[o->nby++] = e;
    }
}

static int is_aggregation(const struct expr *e)
{
    const struct function *f = e && e->kind == E_CALL ? function_lookup(e->name) : NULL;
    return f && f->aggregate;
}

/* A table aggregate: each key column is parsed once per value column, whose own aggregate
 * (NAME_FN) it keys. */
static void load_table(struct loader *L, const struct ynode *n, const char *name, struct loc loc)
{
    struct recipe *r = L->r;
    const struct ynode *cols = want(L, ymap_get(n, "columns"), Y_SEQ, "columns");
    if (!cols || !cols->n || too_many(L, cols, RECIPE_MAX_COLUMNS, "columns per table"))
        return;
    r->tables = xrealloc(r->tables, (size_t)(r->ntables + 1) * sizeof *r->tables);
    struct table *t = &r->tables[r->ntables++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    t->loc = loc;
    t->title = printable_of(L, n, "title", 0);
    int tindex = r->ntables;
    struct column *parsed = xcalloc((size_t)cols->n, sizeof *parsed);
    const struct ynode **key_nodes = xcalloc((size_t)cols->n, sizeof *key_nodes);
    int nkeys = 0, nvalues = 0;
    t->cols = xcalloc((size_t)cols->n, sizeof *t->cols);
    for (int i = 0; i < cols->n; i++) {
        struct column *c = &parsed[i];
        load_column(L, cols->items[i], c);
        struct table_col *tc = &t->cols[t->ncols++];
        tc->name = c->name ? xstrdup(c->name) : xstrdup("");
        for (int j = 0; j < i && c->name; j++)
            if (parsed[j].name && !strcmp(parsed[j].name, c->name)) {
                diag_error(L->d, c->loc, "column '%s' is already in this table", c->name);
                break;
            }
        tc->key = tc->part = -1;
        if (c->when || c->width)
            diag_error(L->d, c->loc, "a table column takes a name, a value and a format only");
        if (!c->value)
            continue;
        if (is_aggregation(c->value)) {
            if (!function_lookup(c->value->name)->one_number)
                diag_error(L->d, c->value->loc, "a table's value columns are count(), sum(), min(), max() or avg(): "
                           "one number each");
            if (c->format)
                diag_error(L->d, c->format_loc, "a table's value columns print numbers; 'format' is for key columns");
            nvalues++;
            continue;
        }
        if (c->format && strcmp(c->format, "int"))
            diag_error(L->d, c->format_loc, "a key column's format is 'int' (an enum key shown as its number) or none");
        tc->as_number = c->format != NULL;
        /* The same key expression twice (a syscall's name and its number) is one map key. */
        for (int k = 0; k < nkeys && tc->key < 0; k++)
            if (key_nodes[k]->vlen == c->value_node->vlen && !strcmp(key_nodes[k]->value, c->value_node->value))
                tc->key = k;
        if (tc->key < 0) {
            tc->key = nkeys;
            key_nodes[nkeys++] = c->value_node;
        }
    }
    if (!nvalues)
        diag_error(L->d, ymap_get(n, "columns")->loc, "a table needs a value column, e.g. - COUNT: count()");
    if (nkeys > TABLE_MAX_KEYS)
        diag_error(L->d, ymap_get(n, "columns")->loc, "a table has at most %d key columns", TABLE_MAX_KEYS);
    if (nvalues > TABLE_MAX_VALUES)
        diag_error(L->d, ymap_get(n, "columns")->loc, "a table has at most %d value columns", TABLE_MAX_VALUES);
    const struct ynode *total = want(L, ymap_get(n, "total"), Y_MAP, "total");
    if (total) {
        static const char *const tkeys[] = { "label", "except", NULL };
        check_keys(L, total, tkeys, "total");
        t->total_label = printable_of(L, total, "label", 0);
        t->total_except = printable_of(L, total, "except", 0);
        if (!t->total_label)
            diag_error(L->d, total->loc, "a total needs a 'label', e.g. \"TOTAL:\"");
    }
    /* One aggregate per value column. */
    for (int i = 0; i < t->ncols; i++) {
        if (!parsed[i].value || !is_aggregation(parsed[i].value))
            continue;
        int index = r->noutputs;
        struct output *o = add_outputs(L, 1);
        o->kind = OUT_AGG;
        o->loc = parsed[i].loc;
        o->table = tindex;
        t->cols[i].part = index;
        int same = 0;
        for (int j = 0; j < i; j++)
            same += t->cols[j].part >= 0 && !strcmp(r->outputs[t->cols[j].part].value->name, parsed[i].value->name);
        o->name = same ? xasprintf("%s_%s%d", name, parsed[i].value->name, same + 1)
                       : xasprintf("%s_%s", name, parsed[i].value->name);
        load_probe_use(L, ymap_get(n, "on"), &o->on, "on");
        o->where = expr_at(L, n, "where");
        o->value = parsed[i].value;
        parsed[i].value = NULL;
        o->fn_loc = parsed[i].loc;
        o->by = xcalloc((size_t)nkeys + 1, sizeof *o->by);
        for (int k = 0; k < nkeys; k++) {
            struct expr *e = parse_expr(key_nodes[k], L->d);
            if (e)
                o->by[o->nby++] = e;
        }
    }
    /* Plain bpftrace prints the title once, before the first of the table's maps. */
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].part >= 0) {
            r->outputs[t->cols[i].part].title = t->title ? xstrdup(t->title) : xasprintf("%s:", name);
            break;
        }
    for (int i = 0; i < cols->n; i++) {
        free(parsed[i].name);
        free(parsed[i].format);
        expr_free(parsed[i].value);
        expr_free(parsed[i].when);
    }
    free(parsed);
    free(key_nodes);
}

static void load_aggregate(struct loader *L, const struct ynode *key, const struct ynode *n)
{
    static const char *const keys[] = { "on", "where", "value", "by", "title", "columns", "total", NULL };
    char *name = NULL;
    struct loc loc;
    if (!named_entry(L, key, n, "aggregate", keys, &name, &loc)) {
        free(name);
        return;
    }
    if (!ymap_get(n, "on"))
        diag_error(L->d, key->loc, "aggregate '%s' needs 'on:', the probe or span it counts", name);
    if (ymap_get(n, "columns")) {
        if (ymap_get(n, "value") || ymap_get(n, "by"))
            diag_error(L->d, key->loc, "aggregate '%s' has 'columns': its keys and values are columns, not 'by' "
                       "and 'value'", name);
        load_table(L, n, name, loc);
        free(name);
        return;
    }
    if (ymap_get(n, "total"))
        diag_error(L->d, ymap_key(n, "total")->loc, "'total' is for aggregates written with 'columns'");
    struct output *o = add_outputs(L, 1);
    o->kind = OUT_AGG;
    o->name = name;
    o->loc = loc;
    if (!ymap_get(n, "value"))
        diag_error(L->d, key->loc, "aggregate '%s' needs 'value:', e.g. count() or hist(EXPR)", o->name);
    load_probe_use(L, ymap_get(n, "on"), &o->on, "on");
    o->where = expr_at(L, n, "where");
    o->value = expr_at(L, n, "value");
    o->title = printable_of(L, n, "title", 0);
    load_by(L, ymap_get(n, "by"), o);
}

void load_aggregates(struct loader *L, const struct ynode *map)
{
    if (!want(L, map, Y_MAP, "aggregates") || too_many(L, map, RECIPE_MAX_ENTRIES, "aggregates in a recipe"))
        return;
    for (int i = 0; i < map->n; i++)
        load_aggregate(L, map->keys[i], map->items[i]);
}

/* ---- report and window ---- */

void load_report(struct loader *L, const struct ynode *n)
{
    static const char *const keys[] = { "every", "reset", "layout", NULL };
    if (!want(L, n, Y_MAP, "report"))
        return;
    check_keys(L, n, keys, "report");
    const struct ynode *layout = want(L, ymap_get(n, "layout"), Y_SCALAR, "layout");
    if (layout) {
        if (strcmp(layout->value, "threads") && strcmp(layout->value, "tables"))
            diag_error(L->d, layout->loc, "'layout' is 'threads' (tables keyed by a thread first, grouped under each "
                       "thread) or 'tables' (the default)");
        L->r->report_by_thread = strcmp(layout->value, "threads") == 0;
    }
    L->r->report_every_ns = 0;
    const struct ynode *every = ymap_get(n, "every");
    if (every) {
        struct expr *e = parse_expr(every, L->d);
        if (e && e->kind == E_DURATION && e->ival >= 1000000)
            L->r->report_every_ns = e->ival;
        else if (e)
            diag_error(L->d, every->loc, "'every' must be a duration of at least 1ms, like 1s or 500ms");
        expr_free(e);
    }
    const struct ynode *reset = want(L, ymap_get(n, "reset"), Y_SCALAR, "reset");
    if (reset) {
        if (strcmp(reset->value, "true") && strcmp(reset->value, "false"))
            diag_error(L->d, reset->loc, "'reset' must be true or false");
        L->r->report_reset = strcmp(reset->value, "true") == 0;
    }
}

void load_window(struct loader *L, const struct ynode *n)
{
    static const char *const keys[] = { "start", "stop", "time", "interval", "count", "min_delta", "spans", NULL };
    struct window *w = &L->r->window;
    if (!want(L, n, Y_MAP, "window"))
        return;
    check_keys(L, n, keys, "window");
    w->present = 1;
    w->loc = n->loc;
    if (ymap_get(n, "start")) {
        w->has_start = 1;
        load_probe_use(L, ymap_get(n, "start"), &w->start, "start");
    }
    if (ymap_get(n, "stop")) {
        w->has_stop = 1;
        load_probe_use(L, ymap_get(n, "stop"), &w->stop, "stop");
    }
    w->time_node = ymap_get(n, "time");
    w->interval_node = ymap_get(n, "interval");
    w->count_node = ymap_get(n, "count");
    w->min_delta_node = ymap_get(n, "min_delta");
    w->count = 1;
    const struct ynode *spans = want(L, ymap_get(n, "spans"), Y_SCALAR, "spans");
    if (spans) {
        if (strcmp(spans->value, "inside") && strcmp(spans->value, "ending"))
            diag_error(L->d, spans->loc, "'spans' is 'inside' (count spans that start and end in a window) or "
                       "'ending' (count spans that end in a window; the default)");
        w->spans_inside = strcmp(spans->value, "inside") == 0;
    }
}
