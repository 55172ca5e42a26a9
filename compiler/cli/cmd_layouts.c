// SPDX-License-Identifier: Apache-2.0
// `ovstrace layouts`: the struct layouts recipes read: the default release's, another bundled
// release's (--layouts), or a binary's (--binary), each field marked against the default;
// with --yaml, a binary's DWARF layouts as a bundle (templates/layouts/).
#include "catalog.h"
#include "cli.h"
#include "host/elf_notes.h"
#include "host/layouts.h"

#include <getopt.h>

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

/* One line per field: struct, field, offset, type; against BUNDLED (the default release's),
 * its offset when it differs. */
static void print_layouts(const struct catalog *now, const struct catalog *bundled, char **names, int n)
{
    char vs[32];
    snprintf(vs, sizeof vs, "VS %s", bundled ? bundled->layouts_release : "");
    printf("%-18s %-22s %6s  %-28s %s\n", "STRUCT", "FIELD", "OFFSET", "TYPE", bundled ? vs : "");
    for (int i = 0; i < now->nstructs; i++) {
        const struct cat_struct *s = &now->structs[i];
        if (!wanted(s->name, names, n))
            continue;
        const struct cat_struct *b = bundled ? &bundled->structs[i] : NULL;
        const char *from = s->source == LAYOUT_NOT_IN_DWARF ? "  (not in the debug info: bundled)"
                           : s->source == LAYOUT_UNKNOWN    ? "  (unknown: a recipe reading it is refused)"
                                                            : "";
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
                snprintf(cmp, sizeof cmp, "missing (%s: %d)", bundled->layouts_release, b->fields[j].offset);
            else if (b)
                snprintf(cmp, sizeof cmp, b->fields[j].offset == f->offset ? "same" : "differs (%s: %d)",
                         bundled->layouts_release, b->fields[j].offset);
            printf("%-18s %-22s %6s  %-28s %s\n", s->name, f->name, off, tn, cmp);
        }
    }
}

/* The bundle format (templates/layouts/ovs-X.Y.yaml, read by layouts_bundled.c): every catalog
 * struct's size and every field's offset, or "absent", as BINARY's DWARF has them. */
static int print_bundle(const struct catalog *cat, const char *binary, struct diag *d)
{
    char version[32], series[32];
    if (elf_read_ovs_version(binary, version, sizeof version) < 0) {
        diag_error(d, loc_make(NULL, 0, 0), "--yaml: %s has no Open vSwitch version text to name the release by",
                   binary);
        return -1;
    }
    int dwarf = 0;
    for (int i = 0; i < cat->nstructs; i++)
        dwarf |= cat->structs[i].source == LAYOUT_DWARF;
    if (!dwarf) {
        diag_error(d, loc_make(NULL, 0, 0), "--yaml: %s has no DWARF debug info to take the layouts from", binary);
        return -1;
    }
    for (int i = 0; i < cat->nstructs; i++)
        if (cat->structs[i].source != LAYOUT_DWARF) {
            diag_error(d, loc_make(NULL, 0, 0), "--yaml: the debug info of %s does not describe struct %s: a bundle "
                       "must come from a build that has every struct", binary, cat->structs[i].name);
            return -1;
        }
    layouts_series(version, series, sizeof series);
    printf("# Struct layouts of Open vSwitch %s (x86_64, non-DPDK), from the DWARF of its ovs-vswitchd:\n"
           "#   ovstrace layouts --binary ovs-vswitchd --yaml > templates/layouts/ovs-%s.yaml\n"
           "# Generated: do not edit. tests/layouts/bundled.sh regenerates every bundle from the builds\n"
           "# and fails on a difference; docs/layouts.md says how to add a release.\n"
           "release: \"%s\"\nversion: \"%s\"\nstructs:\n", version, series, series, version);
    for (int i = 0; i < cat->nstructs; i++) {
        const struct cat_struct *s = &cat->structs[i];
        printf("  %s:\n    size: %d\n    fields:\n", s->name, s->size);
        for (int j = 0; j < s->nfields; j++) {
            if (s->fields[j].offset == LAYOUT_MISSING)
                printf("      %s: absent\n", s->fields[j].name);
            else
                printf("      %s: %d\n", s->fields[j].name, s->fields[j].offset);
        }
    }
    return 0;
}

int cmd_layouts(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "binary", required_argument, NULL, 'b' }, { "layouts", required_argument, NULL, 'l' },
        { "yaml", no_argument, NULL, 'y' }, { NULL, 0, NULL, 0 },
    };
    const char *binary = NULL, *release = NULL;
    int yaml = 0, ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "b:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'b': binary = optarg; break;
        case 'l': release = optarg; break;
        case 'y': yaml = 1; break;
        default: return cli_option_error("layouts", argv, "b");
        }
    }
    int first = optind;
    if (yaml && (!binary || release || first < argc))
        return cli_usage("layouts", "--yaml writes a bundle from --binary's DWARF, of every struct");
    if (binary && release)
        return cli_usage("layouts", "--binary shows that binary's layouts, --layouts a bundled release's: one of them");
    struct diag d;
    diag_init(&d);
    struct catalog *cat = catalog_load(&d), *bundled = NULL;
    char *desc = NULL;
    if ((binary || release) && !d.errors) {
        bundled = catalog_load(&d);
        desc = layouts_apply(cat, binary, 0, release, &d);
    }
    if (yaml && !d.errors)
        print_bundle(cat, binary, &d);
    diag_flush(&d, stderr);
    int rc = d.errors ? 1 : 0;
    if (!rc && !yaml) {
        char *shown = desc ? text_escaped(desc) : NULL;    /* it names files: escaped (util.h) */
        if (shown)
            printf("# %s\n", shown);
        else
            printf("# bundled struct layouts of Open vSwitch %s (x86_64)\n", cat->layouts_release);
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
    char *list = layouts_bundled_list();
    printf("usage: ovstrace layouts [--binary PATH | --layouts X.Y] [STRUCT...]\n"
           "       ovstrace layouts --binary PATH --yaml\n"
           "\n"
           "Without options: the struct layouts compile uses without --target (those of Open vSwitch\n"
           LAYOUTS_DEFAULT_RELEASE ", x86_64), the fields recipes may read and their offsets.\n"
           "With --layouts X.Y: the bundled layouts of that release (ovstrace has those of %s),\n"
           "each field marked same or differs against the default.\n"
           "With --binary PATH: the layouts compile --target PATH and run use for that binary: its\n"
           "DWARF debug info (its own, or the debug file found by build-id under\n"
           "/usr/lib/debug/.build-id or in debuginfod's cache), else the bundled layouts of the\n"
           "release its version text names; each field marked same or differs against the default.\n"
           "With --yaml: PATH's layouts from its DWARF in the format of templates/layouts/ovs-X.Y.yaml,\n"
           "the bundled layouts (docs/layouts.md).\n", list);
    free(list);
}
