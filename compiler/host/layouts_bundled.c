// SPDX-License-Identifier: Apache-2.0
// The bundled struct layouts: one file per Open vSwitch release, templates/layouts/ovs-X.Y.yaml,
// written by `ovstrace layouts --binary BUILD --yaml` from that release's DWARF (never by hand)
// and embedded like the rest of the catalog. In goes a release, out come the catalog's struct
// sizes and field offsets as that release has them.
#include "layouts.h"
#include "templates_embedded.h"
#include "util.h"
#include "yamltree.h"

#include <stdlib.h>
#include <string.h>

void layouts_series(const char *release, char *out, size_t outlen)
{
    /* MAJOR.MINOR: up to the second dot. */
    const char *dot = strchr(release, '.');
    size_t n = dot ? strcspn(dot + 1, ".") + (size_t)(dot + 1 - release) : strlen(release);
    snprintf(out, outlen, "%.*s", (int)n, release);
}

/* "ovs-3.5.yaml" -> is it the bundle of SERIES? */
static int bundle_is(const struct embedded_file *f, const char *series)
{
    size_t n = strlen(series);
    return strncmp(f->path, "ovs-", 4) == 0 && strncmp(f->path + 4, series, n) == 0 &&
           strcmp(f->path + 4 + n, ".yaml") == 0;
}

char *layouts_bundled_list(void)
{
    struct strbuf b = { 0 };
    for (int i = 0; template_layouts[i]; i++) {
        const char *p = template_layouts[i]->path + 4;    /* after "ovs-" */
        sb_printf(&b, "%s%.*s", b.len ? ", " : "", (int)(strlen(p) - 5), p);
    }
    return sb_steal(&b);
}

static const char *scalar(const struct ynode *map, const char *key)
{
    const struct ynode *n = ymap_get(map, key);
    return n && n->kind == Y_SCALAR ? n->value : NULL;
}

/* A bundle's number: digits only (a broken bundle must not pass for offset 0). */
static int number(const char *s, int *out)
{
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 7)
        return -1;
    *out = atoi(s);
    return 0;
}

/* One catalog struct from its entry in the bundle. */
static void apply_struct(struct cat_struct *s, const struct ynode *e, const char *file, struct diag *d)
{
    const struct ynode *fields = e ? ymap_get(e, "fields") : NULL;
    int size;
    if (!e || number(scalar(e, "size"), &size) < 0 || !fields || fields->kind != Y_MAP) {
        diag_error(d, e ? e->loc : loc_make(NULL, 0, 0), "%s: no size and fields for struct %s: regenerate it "
                   "(docs/layouts.md)", file, s->name);
        return;
    }
    s->size = size;
    s->source = LAYOUT_BUNDLED;
    for (int i = 0; i < s->nfields; i++) {
        struct cat_field *f = &s->fields[i];
        const char *v = scalar(fields, f->name);
        if (v && strcmp(v, "absent") == 0)
            f->offset = LAYOUT_MISSING;    /* the release has no such member */
        else if (number(v, &f->offset) < 0)
            diag_error(d, fields->loc, "%s: no offset for %s.%s: regenerate it (docs/layouts.md)", file, s->name,
                       f->name);
    }
}

int layouts_use_bundled(struct catalog *cat, const char *release, struct diag *d)
{
    char series[32];
    layouts_series(release, series, sizeof series);
    const struct embedded_file *f = NULL;
    for (int i = 0; template_layouts[i] && !f; i++)
        if (bundle_is(template_layouts[i], series))
            f = template_layouts[i];
    if (!f)
        return -1;
    int errors = d->errors;
    struct source *src = source_from_string(f->path, f->text, f->len);
    struct ynode *root = ytree_load(src, d);
    const struct ynode *structs = root ? ymap_get(root, "structs") : NULL;
    const char *said = root ? scalar(root, "release") : NULL;
    if (!said || strcmp(said, series) != 0 || !structs || structs->kind != Y_MAP) {
        diag_error(d, root ? root->loc : loc_make(NULL, 0, 0), "%s: expected release: \"%s\" and a structs mapping",
                   f->path, series);
    } else {
        for (int i = 0; i < cat->nstructs; i++)
            apply_struct(&cat->structs[i], ymap_get(structs, cat->structs[i].name), f->path, d);
        free(cat->layouts_release);
        cat->layouts_release = xstrdup(series);
    }
    /* Errors here are internal (a broken bundle): print them while the source is alive. */
    if (d->errors > errors)
        diag_flush(d, stderr);
    ytree_free(root);
    source_free(src);
    return 0;
}
