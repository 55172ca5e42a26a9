// SPDX-License-Identifier: Apache-2.0
// The probe catalog: parse the embedded templates/*.yaml with the recipe YAML
// loader, validate them, and answer lookups by probe, struct and enum name.
#include "catalog.h"
#include "host/layouts.h"
#include "probespec.h"
#include "templates_embedded.h"
#include "util.h"
#include "yamltree.h"

#include <stdlib.h>
#include <string.h>

static const char *scalar(const struct ynode *map, const char *key)
{
    const struct ynode *n = ymap_get(map, key);
    return n && n->kind == Y_SCALAR ? n->value : NULL;
}

static char *scalar_dup(const struct ynode *map, const char *key)
{
    const char *s = scalar(map, key);
    return s ? xstrdup(s) : NULL;
}

static int parse_typed(struct diag *d, const struct ynode *entry, struct type *t)
{
    const char *ts = scalar(entry, "type");
    const char *size = scalar(entry, "size");
    char err[160];
    if (!ts) {
        diag_error(d, entry->loc, "catalog entry without a type");
        return -1;
    }
    if (type_parse(ts, size ? atoi(size) : 0, t, err, sizeof err) < 0) {
        diag_error(d, ymap_get(entry, "type")->loc, "%s", err);
        return -1;
    }
    return 0;
}

/* A catalog probe's spec, parsed as a recipe's are (probespec.h). */
static int split_spec(const char *spec, struct cat_probe *p)
{
    struct probe_spec s;
    char err[256];
    if (probespec_parse(spec, &s, err, sizeof err) < 0)
        return -1;
    p->kind = s.kind;
    p->provider = s.provider;    /* taken over */
    p->name = s.name;
    return 0;
}

static void load_probes(struct catalog *c, const struct ynode *root, struct diag *d)
{
    const struct ynode *list = ymap_get(root, "probes");
    if (!list || list->kind != Y_SEQ) {
        diag_error(d, root->loc, "probes.yaml: expected a 'probes' list");
        return;
    }
    c->probes = xcalloc((size_t)list->n, sizeof *c->probes);
    for (int i = 0; i < list->n; i++) {
        const struct ynode *e = list->items[i];
        struct cat_probe *p = &c->probes[c->nprobes++];
        p->spec = scalar_dup(e, "probe");
        if (!p->spec || split_spec(p->spec, p) < 0) {
            diag_error(d, e->loc, "malformed probe spec");
            continue;
        }
        p->since = scalar_dup(e, "since");
        p->datapath = scalar_dup(e, "datapath");
        p->doc = scalar_dup(e, "doc");
        const char *task = scalar(e, "task");
        p->any_task = task && strcmp(task, "any") == 0;
        p->flow_end = scalar_dup(e, "flow_end");
        const struct ynode *args = ymap_get(e, "args");
        if (!args || args->kind != Y_SEQ)
            continue;
        p->args = xcalloc((size_t)args->n, sizeof *p->args);
        for (int j = 0; j < args->n; j++) {
            struct cat_arg *a = &p->args[p->nargs];
            a->name = scalar_dup(args->items[j], "name");
            a->bpftrace = scalar_dup(args->items[j], "bpftrace");
            a->index = j;
            if (!a->name || parse_typed(d, args->items[j], &a->type) < 0) {
                free(a->name);
                free(a->bpftrace);
                continue;
            }
            p->nargs++;
        }
    }
}

static void load_structs(struct catalog *c, const struct ynode *root, struct diag *d)
{
    const struct ynode *map = ymap_get(root, "structs");
    if (!map || map->kind != Y_MAP) {
        diag_error(d, root->loc, "structs.yaml: expected a 'structs' mapping");
        return;
    }
    c->structs = xcalloc((size_t)map->n, sizeof *c->structs);
    for (int i = 0; i < map->n; i++) {
        struct cat_struct *s = &c->structs[c->nstructs++];
        const struct ynode *e = map->items[i];
        s->name = xstrdup(map->keys[i]->value);
        s->where = scalar_dup(e, "where");
        const struct ynode *fields = ymap_get(e, "fields");
        if (!fields || fields->kind != Y_SEQ)
            continue;
        s->fields = xcalloc((size_t)fields->n, sizeof *s->fields);
        for (int j = 0; j < fields->n; j++) {
            const struct ynode *fe = fields->items[j];
            struct cat_field *f = &s->fields[s->nfields];
            f->name = scalar_dup(fe, "name");
            if (!f->name || parse_typed(d, fe, &f->type) < 0) {
                diag_error(d, fe->loc, "struct field needs name and type");
                free(f->name);
                continue;
            }
            /* Offsets and sizes are each release's: templates/layouts/, applied after loading. */
            if (ymap_get(fe, "offset"))
                diag_error(d, fe->loc, "structs.yaml gives no offsets: they come from templates/layouts/");
            f->offset = LAYOUT_MISSING;
            f->since = scalar_dup(fe, "since");
            f->c_name = scalar_dup(fe, "c_name");
            if (!f->c_name)
                f->c_name = xstrdup(f->name);
            s->nfields++;
        }
    }
}

static void load_enums(struct catalog *c, const struct ynode *root, struct diag *d)
{
    const struct ynode *map = ymap_get(root, "enums");
    if (!map || map->kind != Y_MAP) {
        diag_error(d, root->loc, "expected an 'enums' mapping");
        return;
    }
    /* enums.yaml, then syscalls.yaml: each adds to the list. */
    c->enums = xrealloc(c->enums, (size_t)(c->nenums + map->n) * sizeof *c->enums);
    memset(c->enums + c->nenums, 0, (size_t)map->n * sizeof *c->enums);
    for (int i = 0; i < map->n; i++) {
        struct cat_enum *en = &c->enums[c->nenums++];
        const struct ynode *e = map->items[i];
        en->name = xstrdup(map->keys[i]->value);
        const char *size = scalar(e, "size");
        const char *flags = scalar(e, "flags");
        en->size = size ? atoi(size) : 4;
        en->flags = flags && strcmp(flags, "true") == 0;
        const struct ynode *vals = ymap_get(e, "values");
        if (!vals || vals->kind != Y_SEQ)
            continue;
        en->values = xcalloc((size_t)vals->n, sizeof *en->values);
        for (int j = 0; j < vals->n; j++) {
            const struct ynode *ve = vals->items[j];
            struct cat_enum_value *v = &en->values[en->nvalues];
            const char *value = scalar(ve, "value");
            v->name = scalar_dup(ve, "name");
            if (!value || !v->name) {
                diag_error(d, ve->loc, "enum value needs value and name");
                free(v->name);
                continue;
            }
            v->value = strtoll(value, NULL, 0);
            v->c = scalar_dup(ve, "c");
            v->text = scalar_dup(ve, "text");
            v->since = scalar_dup(ve, "since");
            en->nvalues++;
        }
    }
}

static struct ynode *load_template(const struct embedded_file *f, struct diag *d, struct source **keep)
{
    *keep = source_from_string(f->path, f->text, f->len);
    return ytree_load(*keep, d);
}

struct catalog *catalog_load(struct diag *d)
{
    struct catalog *c = xcalloc(1, sizeof *c);
    static void (*const loaders[])(struct catalog *, const struct ynode *, struct diag *) = {
        load_probes, load_structs, load_enums, load_enums,
    };
    const struct embedded_file *files[] = { &template_probes, &template_structs, &template_enums,
                                            &template_syscalls };
    for (int i = 0; i < 4; i++) {
        struct source *src;
        struct ynode *root = load_template(files[i], d, &src);
        if (root)
            loaders[i](c, root, d);
        ytree_free(root);
        /* Catalog errors are internal: flush now, while the source is alive. */
        if (d->errors)
            diag_flush(d, stderr);
        source_free(src);
    }
    if (!d->errors && layouts_use_bundled(c, LAYOUTS_DEFAULT_RELEASE, d) < 0)
        diag_error(d, loc_make(NULL, 0, 0), "no bundled struct layouts of Open vSwitch %s", LAYOUTS_DEFAULT_RELEASE);
    return c;
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->nprobes; i++) {
        struct cat_probe *p = &c->probes[i];
        for (int j = 0; j < p->nargs; j++) {
            free(p->args[j].name);
            free(p->args[j].bpftrace);
            type_release(&p->args[j].type);
        }
        free(p->args);
        free(p->spec); free(p->provider); free(p->name); free(p->since); free(p->datapath); free(p->doc);
        free(p->flow_end);
    }
    for (int i = 0; i < c->nstructs; i++) {
        struct cat_struct *s = &c->structs[i];
        for (int j = 0; j < s->nfields; j++) {
            free(s->fields[j].name);
            free(s->fields[j].c_name);
            free(s->fields[j].since);
            type_release(&s->fields[j].type);
        }
        free(s->fields); free(s->name); free(s->where);
    }
    for (int i = 0; i < c->nenums; i++) {
        struct cat_enum *e = &c->enums[i];
        for (int j = 0; j < e->nvalues; j++) {
            free(e->values[j].name); free(e->values[j].c); free(e->values[j].text); free(e->values[j].since);
        }
        free(e->values); free(e->name);
    }
    free(c->probes); free(c->structs); free(c->enums);
    free(c->layouts_release); free(c->layouts_unknown);
    free(c);
}

const struct cat_probe *catalog_probe(const struct catalog *c, enum probe_kind kind, const char *provider,
                                      const char *name)
{
    for (int i = 0; i < c->nprobes; i++) {
        const struct cat_probe *p = &c->probes[i];
        if (p->kind != kind || strcmp(p->name, name) != 0)
            continue;
        if (!provider || !p->provider || strcmp(p->provider, provider) == 0)
            return p;
    }
    return NULL;
}

const struct cat_struct *catalog_struct(const struct catalog *c, const char *name)
{
    for (int i = 0; i < c->nstructs; i++)
        if (strcmp(c->structs[i].name, name) == 0)
            return &c->structs[i];
    return NULL;
}

const struct cat_field *catalog_field(const struct cat_struct *s, const char *name)
{
    for (int i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return &s->fields[i];
    return NULL;
}

const struct cat_enum *catalog_enum(const struct catalog *c, const char *name)
{
    for (int i = 0; i < c->nenums; i++)
        if (strcmp(c->enums[i].name, name) == 0)
            return &c->enums[i];
    return NULL;
}

const struct cat_enum_value *catalog_enum_lookup(const struct cat_enum *e, const char *name)
{
    for (int i = 0; i < e->nvalues; i++)
        if (strcmp(e->values[i].name, name) == 0 || (e->values[i].c && strcmp(e->values[i].c, name) == 0))
            return &e->values[i];
    return NULL;
}

const struct cat_arg *cat_probe_arg(const struct cat_probe *p, const char *name)
{
    for (int i = 0; i < p->nargs; i++)
        if (strcmp(p->args[i].name, name) == 0)
            return &p->args[i];
    return NULL;
}

int version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
        if (!*a && !*b)
            break;
        if ((*a && !(*a >= '0' && *a <= '9')) || (*b && !(*b >= '0' && *b <= '9')))
            break;
    }
    return 0;
}
