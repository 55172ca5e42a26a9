// SPDX-License-Identifier: Apache-2.0
// Load pass: a recipe file in, the recipe model out. Reads the YAML tree, checks
// its shape (known keys, right node kinds, valid names) and parses every
// embedded expression; names, types and probes are left to the checker.
#include "load.h"
#include "functions.h"
#include "params.h"
#include "parse.h"
#include "recipe_path.h"    /* a bundled recipe's text is the binary's own */
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct loader {
    struct recipe *r;
    struct diag *d;
};

/* Unknown keys are the most common typo in YAML: point at them and suggest. */
static void check_keys(struct loader *L, const struct ynode *map, const char *const *allowed, const char *what)
{
    int n = 0;
    while (allowed[n])
        n++;
    for (int i = 0; i < map->n; i++) {
        const char *key = map->keys[i]->value;
        int ok = 0;
        for (int j = 0; j < n && !ok; j++)
            ok = strcmp(key, allowed[j]) == 0;
        if (ok)
            continue;
        diag_error(L->d, map->keys[i]->loc, "unknown key '%s' in %s", key, what);
        const char *near = closest_name(key, allowed, n);
        if (near)
            diag_hint(L->d, "did you mean '%s'?", near);
    }
}

static const struct ynode *want(struct loader *L, const struct ynode *n, enum ynode_kind kind, const char *what)
{
    if (!n)
        return NULL;
    if (n->kind != kind) {
        diag_error(L->d, n->loc, "%s must be %s, not %s", what, ynode_kind_name(kind), ynode_kind_name(n->kind));
        return NULL;
    }
    return n;
}

/* A list or mapping of more than MAX entries is refused before anything compares its entries
 * with one another: the error is on the first entry too many. */
static int too_many(struct loader *L, const struct ynode *n, int max, const char *what)
{
    if (!n || n->kind == Y_SCALAR || n->n <= max)
        return 0;
    const struct ynode *at = n->kind == Y_MAP ? n->keys[max] : n->items[max];
    diag_error(L->d, at->loc, "at most %d %s", max, what);
    return 1;
}

static char *text_of(struct loader *L, const struct ynode *map, const char *key)
{
    const struct ynode *n = want(L, ymap_get(map, key), Y_SCALAR, key);
    return n ? xstrdup(n->value) : NULL;
}

/* Text printed by the script or by ovstrace (titles, the summary, help): printable, one line
 * unless MULTILINE. A control character could end a line early or reach a terminal raw. */
static char *printable_of(struct loader *L, const struct ynode *map, const char *key, int multiline)
{
    char *text = text_of(L, map, key);
    if (!text)
        return NULL;
    const struct ynode *n = ymap_get(map, key);
    for (size_t i = 0, at; i < n->vlen; i = at + 1) {
        const char *bad = text_problem(text + i, n->vlen - i, &at);
        at += i;
        if (!bad)
            break;
        if (multiline && (text[at] == '\n' || text[at] == '\t'))
            continue;
        diag_error(L->d, n->loc, "'%s' holds %s at byte %zu; it must be printable%s text", key,
                   bad[0] == 'c' ? "a control character" : "invalid UTF-8", at, multiline ? "" : ", one-line");
        break;
    }
    return text;
}

/* Names that become bpftrace identifiers: a strict alphabet keeps them inert. */
static int valid_ident(struct loader *L, const struct ynode *key, const char *what)
{
    const char *s = key->value;
    if (key->vlen > 48) {
        diag_error(L->d, key->loc, "%s name longer than 48 characters", what);
        return 0;
    }
    int ok = islower((unsigned char)s[0]);
    for (const char *p = s; ok && *p; p++)
        ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
    if (!ok) {
        diag_error(L->d, key->loc, "invalid %s name '%s'", what, s);
        diag_hint(L->d, "use lower-case letters, digits and '_', starting with a lower-case letter (at most 48)");
    }
    return ok;
}

static struct expr *expr_at(struct loader *L, const struct ynode *map, const char *key)
{
    const struct ynode *n = ymap_get(map, key);
    if (!n)
        return NULL;
    return parse_expr(n, L->d);
}

static void load_probe_use(struct loader *L, const struct ynode *n, struct probe_use *u, const char *what)
{
    if (!want(L, n, Y_SCALAR, what))
        return;
    if (n->vlen == 0) {
        diag_error(L->d, n->loc, "'%s' is empty: name a probe, like usdt:main:run_start", what);
        return;
    }
    u->node = n;
    u->text = xstrdup(n->value);
    u->loc = n->loc;
}

/* An entry NAME: SPEC of a named section (params, spans, watch, aggregates): its name
 * kept and checked, SPEC checked to be a mapping of known KEYS. 0 when SPEC is no mapping. */
static int named_entry(struct loader *L, const struct ynode *key, const struct ynode *spec, const char *what,
                       const char *const *keys, char **name, struct loc *loc)
{
    char a_what[64];
    snprintf(a_what, sizeof a_what, "%s %s", strchr("aeiou", what[0]) ? "an" : "a", what);
    *name = xstrdup(key->value);
    *loc = key->loc;
    valid_ident(L, key, what);
    if (!want(L, spec, Y_MAP, a_what))
        return 0;
    check_keys(L, spec, keys, a_what);
    return 1;
}

/* ---- params ---- */

static const char *const param_types[] = { "int", "duration", "bool", "enum", "string", "odp_flow", "probe", NULL };

static void load_param(struct loader *L, const struct ynode *key, const struct ynode *spec, struct param *p)
{
    static const char *const keys[] = { "type", "default", "min", "max", "values", "help", NULL };
    if (!named_entry(L, key, spec, "parameter", keys, &p->name, &p->loc))
        return;
    const struct ynode *t = want(L, ymap_get(spec, "type"), Y_SCALAR, "type");
    if (!t) {
        if (!ymap_get(spec, "type"))
            diag_error(L->d, key->loc, "parameter '%s' has no type", p->name);
        return;
    }
    int i = 0;
    while (param_types[i] && strcmp(param_types[i], t->value) != 0)
        i++;
    if (!param_types[i]) {
        diag_error(L->d, t->loc, "unknown parameter type '%s'", t->value);
        const char *near = closest_name(t->value, param_types, 7);
        diag_hint(L->d, near ? "did you mean '%s'?" : "types are int, duration, bool, enum, string, odp_flow, probe%s",
                  near ? near : "");
        return;
    }
    p->type = (enum param_type)i;
    p->help = printable_of(L, spec, "help", 1);
    p->default_node = ymap_get(spec, "default");
    const struct ynode *values = ymap_get(spec, "values");
    if (p->type == P_ENUM) {
        if (too_many(L, values, RECIPE_MAX_ENTRIES, "values in an enum"))
            return;
        if (!want(L, values, Y_SEQ, "values") || values->n == 0) {
            if (!values)
                diag_error(L->d, t->loc, "an enum parameter needs a 'values' list");
            else if (values->kind == Y_SEQ)
                diag_error(L->d, values->loc, "an enum parameter needs at least one value");
            return;
        }
        p->choices = xcalloc((size_t)values->n, sizeof *p->choices);
        for (int j = 0; j < values->n; j++) {
            const struct ynode *v = want(L, values->items[j], Y_SCALAR, "an enum value");
            if (!v)
                continue;
            size_t at;
            if (text_problem(v->value, v->vlen, &at))
                diag_error(L->d, v->loc, "an enum value must be printable, one-line text");
            for (int k = 0; k < p->nchoices; k++)
                if (!strcmp(p->choices[k], v->value)) {
                    diag_error(L->d, v->loc, "enum value '%s' is listed twice", v->value);
                    break;
                }
            p->choices[p->nchoices++] = xstrdup(v->value);
        }
    } else if (values) {
        diag_error(L->d, ymap_key(spec, "values")->loc, "'values' is only for enum parameters");
    }
    for (int m = 0; m < 2; m++) {
        const char *mk = m ? "max" : "min";
        const struct ynode *v = want(L, ymap_get(spec, mk), Y_SCALAR, mk);
        if (!v)
            continue;
        if (p->type != P_INT) {
            diag_error(L->d, ymap_key(spec, mk)->loc, "'%s' is only for int parameters", mk);
            continue;
        }
        long long x;
        char err[160];
        if (parse_int64(v->value, &x, err, sizeof err) < 0) {
            diag_error(L->d, v->loc, "'%s' must be an integer: %s", mk, err);
            continue;
        }
        if (m) { p->has_max = 1; p->max = x; } else { p->has_min = 1; p->min = x; }
    }
    if (p->has_min && p->has_max && p->min > p->max)
        diag_error(L->d, ymap_get(spec, "max")->loc, "'max' (%lld) is below 'min' (%lld)", (long long)p->max,
                   (long long)p->min);
}

static void load_params(struct loader *L, const struct ynode *map)
{
    if (!want(L, map, Y_MAP, "params") || too_many(L, map, RECIPE_MAX_ENTRIES, "parameters in a recipe"))
        return;
    L->r->params = xcalloc((size_t)map->n, sizeof *L->r->params);
    for (int i = 0; i < map->n; i++)
        load_param(L, map->keys[i], map->items[i], &L->r->params[L->r->nparams++]);
}

/* ---- spans ---- */

/* A list of key expressions (one, or a YAML list); syntax errors are reported here, once. */
static const struct ynode **load_key_nodes(struct loader *L, const struct ynode *k, int *n)
{
    int max = k->kind == Y_SEQ ? k->n : 1;
    if (too_many(L, k, RECIPE_MAX_KEYS, "parts in a key"))
        max = RECIPE_MAX_KEYS;
    const struct ynode **nodes = xcalloc((size_t)max + 1, sizeof *nodes);
    *n = 0;
    for (int i = 0; i < max; i++) {
        const struct ynode *kn = k->kind == Y_SEQ ? k->items[i] : k;
        struct expr *probe_parse = parse_expr(kn, L->d);
        if (probe_parse)
            nodes[(*n)++] = kn;
        expr_free(probe_parse);
    }
    return nodes;
}

/* A span end: `PROBE`, or `{probe: PROBE, key: K, where: COND, task: any}`. */
static void load_span_end(struct loader *L, const struct ynode *n, struct span_end *e, const char *what)
{
    static const char *const keys[] = { "probe", "key", "where", "task", NULL };
    if (n->kind != Y_MAP) {
        load_probe_use(L, n, &e->on, what);
        return;
    }
    check_keys(L, n, keys, "a span end");
    if (!ymap_get(n, "probe"))
        diag_error(L->d, n->loc, "a span end in a mapping needs 'probe:'");
    load_probe_use(L, ymap_get(n, "probe"), &e->on, "probe");
    if (ymap_get(n, "key"))
        e->key_nodes = load_key_nodes(L, ymap_get(n, "key"), &e->nkeys);
    e->where = expr_at(L, n, "where");
    const struct ynode *task = want(L, ymap_get(n, "task"), Y_SCALAR, "task");
    if (task) {
        if (strcmp(task->value, "any") && strcmp(task->value, "traced"))
            diag_error(L->d, task->loc, "'task' is 'any' (every task on the system) or 'traced' (the default)");
        e->any_task = strcmp(task->value, "any") == 0;
    }
}

/* A span's `slots:` or `queue:` bound: an integer 1..MAX (0 when absent). */
static int64_t span_bound(struct loader *L, const struct ynode *spec, const char *what, int64_t max)
{
    const struct ynode *n = want(L, ymap_get(spec, what), Y_SCALAR, what);
    if (!n)
        return 0;
    char *end;
    long long v = strtoll(n->value, &end, 10);
    if (*end || end == n->value || v < 1 || v > max) {
        diag_error(L->d, n->loc, "'%s' is a number of spans, 1 to %lld", what, (long long)max);
        return 0;
    }
    return v;
}

static void load_span(struct loader *L, const struct ynode *key, const struct ynode *spec, struct span *s)
{
    static const char *const keys[] = { "from", "to", "key", "capture", "count", "slots", "queue", "restart", NULL };
    if (!named_entry(L, key, spec, "span", keys, &s->name, &s->loc))
        return;
    s->slots = span_bound(L, spec, "slots", SPAN_MAX_SLOTS);
    s->queue = span_bound(L, spec, "queue", SPAN_MAX_QUEUE);
    if (s->slots && s->queue)
        diag_error(L->d, ymap_get(spec, "queue")->loc, "span '%s' has 'slots' or a 'queue', not both", s->name);
    const struct ynode *restart = want(L, ymap_get(spec, "restart"), Y_SCALAR, "restart");
    if (restart) {
        if (strcmp(restart->value, "true") && strcmp(restart->value, "false"))
            diag_error(L->d, restart->loc, "'restart' is true (a start while the span is open starts it again, the "
                       "default) or false (it is ignored: the span runs from its first start)");
        s->keep_first = strcmp(restart->value, "false") == 0;
        if (s->keep_first && (s->slots || s->queue))
            diag_error(L->d, restart->loc, "'restart: false' is for a span in a map, not in slots or a queue");
    }
    const struct ynode *from = ymap_get(spec, "from"), *to = ymap_get(spec, "to");
    if (!from || !to)
        diag_error(L->d, key->loc, "span '%s' needs both 'from' and 'to' probes", s->name);
    if ((from && from->kind == Y_SEQ && !from->n) || (to && to->kind == Y_SEQ && !to->n))
        diag_error(L->d, (from && from->kind == Y_SEQ && !from->n ? from : to)->loc,
                   "an empty list: a span end needs at least one probe");
    if (too_many(L, from, SPAN_MAX_ENDS, "probes in a span's 'from'"))
        from = NULL;
    if (too_many(L, to, SPAN_MAX_ENDS, "probes in a span's 'to'"))
        to = NULL;
    if (from) {
        int n = from->kind == Y_SEQ ? from->n : 1;
        s->froms = xcalloc((size_t)n, sizeof *s->froms);
        for (int i = 0; i < n; i++)
            load_span_end(L, from->kind == Y_SEQ ? from->items[i] : from, &s->froms[s->nfroms++], "from");
    }
    if (to) {
        int n = to->kind == Y_SEQ ? to->n : 1;
        s->tos = xcalloc((size_t)n, sizeof *s->tos);
        for (int i = 0; i < n; i++)
            load_span_end(L, to->kind == Y_SEQ ? to->items[i] : to, &s->tos[s->ntos++], "to");
    }
    /* The span's key is each end's default; every end must have one. */
    const struct ynode *k = ymap_get(spec, "key");
    const struct ynode **common = NULL;
    int ncommon = 0;
    if (k)
        common = s->key_nodes = load_key_nodes(L, k, &ncommon);
    int missing = 0;
    for (int i = 0; i < span_nends(s); i++) {
        struct span_end *e = span_end_at(s, i);
        if (!e->key_nodes && common) {
            e->key_nodes = xcalloc((size_t)ncommon + 1, sizeof *e->key_nodes);
            memcpy(e->key_nodes, common, (size_t)ncommon * sizeof *common);
            e->nkeys = ncommon;
        }
        missing |= !e->key_nodes && e->on.text;
        if (e->key_nodes && e->nkeys != (s->nkeys ? s->nkeys : e->nkeys))
            diag_error(L->d, e->on.loc, "span '%s' has %d key parts at one end and %d at this one", s->name,
                       s->nkeys, e->nkeys);
        if (e->key_nodes && !s->nkeys)
            s->nkeys = e->nkeys;
    }
    if (missing)
        diag_error(L->d, key->loc, "span '%s' needs a 'key' (e.g. tid) to pair its start with its end", s->name);
    if (s->slots && s->nkeys > 1)
        diag_error(L->d, ymap_get(spec, "slots")->loc, "a span in slots has a one-part key (one number, e.g. "
                   "fingerprint(packet)), not %d parts", s->nkeys);
    const struct ynode *cap = want(L, ymap_get(spec, "capture"), Y_MAP, "capture");
    if (cap && !too_many(L, cap, RECIPE_MAX_COLUMNS, "captures in a span")) {
        s->captures = xcalloc((size_t)cap->n, sizeof *s->captures);
        for (int i = 0; i < cap->n; i++) {
            struct capture *c = &s->captures[s->ncaptures++];
            c->name = xstrdup(cap->keys[i]->value);
            c->loc = cap->keys[i]->loc;
            c->node = cap->items[i];
            valid_ident(L, cap->keys[i], "capture");
        }
    }
    const struct ynode *cnt = want(L, ymap_get(spec, "count"), Y_MAP, "count");
    if (cnt && !too_many(L, cnt, RECIPE_MAX_COLUMNS, "counts in a span")) {
        s->counts = xcalloc((size_t)cnt->n, sizeof *s->counts);
        for (int i = 0; i < cnt->n; i++) {
            struct span_count *c = &s->counts[s->ncounts++];
            c->name = xstrdup(cnt->keys[i]->value);
            c->loc = cnt->keys[i]->loc;
            valid_ident(L, cnt->keys[i], "count");
            load_probe_use(L, cnt->items[i], &c->on, "a counted probe");
        }
        if (s->queue)
            diag_error(L->d, cnt->loc, "a span with a queue cannot count probes (which of its open spans would a "
                       "hit count for?)");
    }
}

static void load_spans(struct loader *L, const struct ynode *map)
{
    if (!want(L, map, Y_MAP, "spans") || too_many(L, map, RECIPE_MAX_ENTRIES, "spans in a recipe"))
        return;
    L->r->spans = xcalloc((size_t)map->n, sizeof *L->r->spans);
    for (int i = 0; i < map->n; i++)
        load_span(L, map->keys[i], map->items[i], &L->r->spans[L->r->nspans++]);
}

/* ---- watch lists ---- */

static void load_watch(struct loader *L, const struct ynode *key, const struct ynode *spec, struct watch *w)
{
    static const char *const keys[] = { "id", "follow", "capacity", NULL };
    if (!named_entry(L, key, spec, "watch list", keys, &w->name, &w->loc))
        return;
    const struct ynode *id = want(L, ymap_get(spec, "id"), Y_SCALAR, "id");
    if (id && valid_ident(L, id, "id field")) {
        w->id = xstrdup(id->value);
        w->id_loc = id->loc;
    } else if (!ymap_get(spec, "id")) {
        diag_error(L->d, key->loc, "watch list '%s' needs an 'id', the field that names an entry (e.g. ufid)",
                   w->name);
    }
    if (!ymap_get(spec, "follow"))
        diag_error(L->d, key->loc, "watch list '%s' needs 'follow:', the condition that decides which to follow "
                   "(e.g. match(key, $filter))", w->name);
    w->follow = expr_at(L, spec, "follow");
    w->capacity = expr_at(L, spec, "capacity");
}

static void load_watches(struct loader *L, const struct ynode *map)
{
    if (!want(L, map, Y_MAP, "watch") || too_many(L, map, RECIPE_MAX_ENTRIES, "watch lists in a recipe"))
        return;
    L->r->watches = xcalloc((size_t)map->n, sizeof *L->r->watches);
    for (int i = 0; i < map->n; i++)
        load_watch(L, map->keys[i], map->items[i], &L->r->watches[L->r->nwatches++]);
}

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

static void load_events(struct loader *L, const struct ynode *seq)
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

static void load_aggregates(struct loader *L, const struct ynode *map)
{
    if (!want(L, map, Y_MAP, "aggregates") || too_many(L, map, RECIPE_MAX_ENTRIES, "aggregates in a recipe"))
        return;
    for (int i = 0; i < map->n; i++)
        load_aggregate(L, map->keys[i], map->items[i]);
}

/* ---- report and window ---- */

static void load_report(struct loader *L, const struct ynode *n)
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

static void load_window(struct loader *L, const struct ynode *n)
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

/* ---- the document ---- */

/* The length of a release at S: two or three numbers of at most 4 digits joined by dots, or 0. */
static size_t release_len(const char *s)
{
    size_t i = 0;
    for (int part = 0; part < 3; part++) {
        if (part && s[i] != '.')
            return part >= 2 ? i : 0;
        i += part != 0;
        size_t digits = strspn(s + i, "0123456789");
        if (!digits || digits > 4)
            return 0;
        i += digits;
    }
    return i;
}

/* `ovs: ">= 3.4"`: the releases the recipe works with. Checked here, since ovstrace help prints
 * it and check compares it with what the probes need. */
static void load_ovs(struct loader *L, const struct ynode *n)
{
    if (!want(L, n, Y_SCALAR, "ovs"))
        return;
    const char *v = n->value;
    size_t at = strncmp(v, ">=", 2) == 0 ? 2 : 0;
    at += strspn(v + at, " ");
    size_t len = at == 0 ? 0 : release_len(v + at);
    if (!len || at + len != n->vlen) {
        diag_error(L->d, n->loc, "'ovs' must name the Open vSwitch releases the recipe works with, as \">= 3.4\" "
                   "or \">= 3.4.1\"");
        return;
    }
    L->r->ovs = xstrdup(v);
    L->r->ovs_loc = n->loc;
}

static void load_document(struct loader *L, const struct ynode *root)
{
    static const char *const keys[] = {
        "name", "summary", "about", "usage", "example", "origin", "ovs",
        "params", "watch", "spans", "events", "aggregates", "report", "window", "event_buffer_pages", NULL,
    };
    struct recipe *r = L->r;
    if (!want(L, root, Y_MAP, "a recipe"))
        return;
    if (root->n == 0) {
        diag_error(L->d, loc_make(r->src, 0, 0), "the recipe is empty");
        diag_hint(L->d, "a recipe is a YAML mapping with at least 'name', 'summary' and an event or aggregate "
                  "(see docs/language.md)");
        return;
    }
    check_keys(L, root, keys, "a recipe");
    r->name = text_of(L, root, "name");
    r->summary = printable_of(L, root, "summary", 0);
    r->about = printable_of(L, root, "about", 1);
    r->usage = printable_of(L, root, "usage", 1);
    r->example = printable_of(L, root, "example", 1);
    r->origin = printable_of(L, root, "origin", 1);
    load_ovs(L, ymap_get(root, "ovs"));
    /* A name or summary given as a list has had its error from text_of. */
    if (!r->name && !ymap_get(root, "name"))
        diag_error(L->d, loc_make(r->src, 0, 0), "a recipe needs a 'name'");
    else if (r->name)
        valid_ident(L, ymap_get(root, "name"), "recipe");
    if (!r->summary && !ymap_get(root, "summary"))
        diag_error(L->d, loc_make(r->src, 0, 0), "a recipe needs a one-line 'summary'");
    load_params(L, ymap_get(root, "params"));
    load_watches(L, ymap_get(root, "watch"));
    load_spans(L, ymap_get(root, "spans"));
    load_events(L, ymap_get(root, "events"));
    load_aggregates(L, ymap_get(root, "aggregates"));
    if (ymap_get(root, "report"))
        load_report(L, ymap_get(root, "report"));
    if (ymap_get(root, "window"))
        load_window(L, ymap_get(root, "window"));
    r->event_buffer_node = ymap_get(root, "event_buffer_pages");    /* checked with the parameters */
    if (r->noutputs == 0 && !L->d->errors)
        diag_error(L->d, loc_make(r->src, 0, 0), "a recipe needs at least one event or aggregate to output");
}

struct recipe *load_recipe_source(struct source *src, struct diag *d)
{
    struct recipe *r = xcalloc(1, sizeof *r);
    r->src = src;
    r->root = ytree_load(src, d);
    if (!r->root)
        return r;
    struct loader L = { r, d };
    load_document(&L, r->root);
    return r;
}

struct recipe *load_recipe(const char *path, struct diag *d)
{
    char err[512];
    struct source *src = recipe_source_load(path, err, sizeof err);
    if (!src) {
        diag_error(d, loc_make(NULL, 0, 0), "%s", err);
        return NULL;
    }
    return load_recipe_source(src, d);
}
