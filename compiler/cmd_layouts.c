// SPDX-License-Identifier: Apache-2.0
// `ovstrace layouts`: the struct layouts recipes read, from the catalog or, with
// --binary, from that binary's DWARF, each field marked against the catalog.
#include "catalog.h"
#include "cli.h"
#include "layouts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wanted(const char *name, char **names, int n)
{
    if (n == 0)
        return 1;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* One line per field: struct, field, offset, type; with a binary, the catalog's offset when it differs. */
static void print_layouts(const struct catalog *now, const struct catalog *bundled, char **names, int n)
{
    printf("%-18s %-22s %6s  %-28s %s\n", "STRUCT", "FIELD", "OFFSET", "TYPE", bundled ? "CATALOG" : "");
    for (int i = 0; i < now->nstructs; i++) {
        const struct cat_struct *s = &now->structs[i];
        if (!wanted(s->name, names, n))
            continue;
        const struct cat_struct *b = bundled ? &bundled->structs[i] : NULL;
        const char *from = s->source == LAYOUT_NOT_IN_DWARF ? "  (not in the debug info: bundled)" : "";
        printf("%-18s %-22s %6d  %-28s %s%s\n", s->name, "(size)", s->size, "",
               b ? (b->size == s->size ? "same" : "differs") : "", from);
        for (int j = 0; j < s->nfields; j++) {
            const struct cat_field *f = &s->fields[j];
            char tn[64], off[16], cmp[48] = "";
            type_name(&f->type, tn, sizeof tn);
            if (f->offset == LAYOUT_MISSING)
                snprintf(off, sizeof off, "-");
            else
                snprintf(off, sizeof off, "%d", f->offset);
            if (b && f->offset == LAYOUT_MISSING)
                snprintf(cmp, sizeof cmp, "missing (catalog: %d)", b->fields[j].offset);
            else if (b)
                snprintf(cmp, sizeof cmp, b->fields[j].offset == f->offset ? "same" : "differs (catalog: %d)",
                         b->fields[j].offset);
            printf("%-18s %-22s %6s  %-28s %s\n", s->name, f->name, off, tn, cmp);
        }
    }
}

int cmd_layouts(int argc, char **argv)
{
    const char *binary;
    int first, rc = cli_binary_option("layouts", argc, argv, &binary, &first);
    if (rc)
        return rc;
    struct diag d;
    diag_init(&d);
    struct catalog *cat = catalog_load(&d), *bundled = NULL;
    char *desc = NULL;
    if (binary && !d.errors) {
        bundled = catalog_load(&d);
        desc = layouts_apply(cat, binary, &d);
    }
    diag_flush(&d, stderr);
    rc = d.errors ? 1 : 0;
    if (!rc) {
        char *shown = desc ? text_escaped(desc) : NULL;    /* it names files: escaped (util.h) */
        if (shown)
            printf("# %s\n", shown);
        free(shown);
        print_layouts(cat, bundled, argv + first, argc - first);
    }
    free(desc);
    catalog_free(cat);
    catalog_free(bundled);
    diag_free(&d);
    return rc;
}

void help_layouts(void)
{
    printf("usage: ovstrace layouts [--binary PATH] [STRUCT...]\n"
           "\n"
           "Without --binary: the struct layouts of the catalog (x86_64, Open vSwitch 3.5), the\n"
           "fields recipes may read and their offsets.\n"
           "With --binary PATH: the same structs as PATH's DWARF debug info describes them (its own,\n"
           "or the debug file found by build-id under /usr/lib/debug/.build-id), each field marked\n"
           "same or differs against the catalog. compile --target and run use these layouts.\n");
}
