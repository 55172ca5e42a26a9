// SPDX-License-Identifier: Apache-2.0
// Load pass: a recipe file in, the recipe model out. Reads the YAML tree, checks
// its shape (known keys, right node kinds, valid names) and parses every
// embedded expression; names, types and probes are left to the checker.
// This file holds the shape checks every part is read with, the document's top level and
// the entry points; load_params.c, load_spans.c and load_outputs.c read the sections.
#include "load_internal.h"
#include "parse.h"
#include "recipe_path.h"    /* a bundled recipe's text is the binary's own */

#include <ctype.h>
#include <string.h>

/* Unknown keys are the most common typo in YAML: point at them and suggest. */
void check_keys(struct loader *L, const struct ynode *map, const char *const *allowed, const char *what)
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

const struct ynode *want(struct loader *L, const struct ynode *n, enum ynode_kind kind, const char *what)
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
int too_many(struct loader *L, const struct ynode *n, int max, const char *what)
{
    if (!n || n->kind == Y_SCALAR || n->n <= max)
        return 0;
    const struct ynode *at = n->kind == Y_MAP ? n->keys[max] : n->items[max];
    diag_error(L->d, at->loc, "at most %d %s", max, what);
    return 1;
}

char *text_of(struct loader *L, const struct ynode *map, const char *key)
{
    const struct ynode *n = want(L, ymap_get(map, key), Y_SCALAR, key);
    return n ? xstrdup(n->value) : NULL;
}

/* Text printed by the script or by ovstrace (titles, the summary, help): printable, one line
 * unless MULTILINE. A control character could end a line early or reach a terminal raw. */
char *printable_of(struct loader *L, const struct ynode *map, const char *key, int multiline)
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
int valid_ident(struct loader *L, const struct ynode *key, const char *what)
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

struct expr *expr_at(struct loader *L, const struct ynode *map, const char *key)
{
    const struct ynode *n = ymap_get(map, key);
    if (!n)
        return NULL;
    return parse_expr(n, L->d);
}

void load_probe_use(struct loader *L, const struct ynode *n, struct probe_use *u, const char *what)
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
int named_entry(struct loader *L, const struct ynode *key, const struct ynode *spec, const char *what,
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
