// SPDX-License-Identifier: Apache-2.0
// Load pass, spans and watch lists: a recipe's `spans:` and `watch:` mappings in, struct span
// (its ends, key, captures, counts, slots) and struct watch entries out, expressions parsed.
#include "load_internal.h"
#include "parse.h"

#include <stdlib.h>
#include <string.h>

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

void load_spans(struct loader *L, const struct ynode *map)
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

void load_watches(struct loader *L, const struct ynode *map)
{
    if (!want(L, map, Y_MAP, "watch") || too_many(L, map, RECIPE_MAX_ENTRIES, "watch lists in a recipe"))
        return;
    L->r->watches = xcalloc((size_t)map->n, sizeof *L->r->watches);
    for (int i = 0; i < map->n; i++)
        load_watch(L, map->keys[i], map->items[i], &L->r->watches[L->r->nwatches++]);
}
