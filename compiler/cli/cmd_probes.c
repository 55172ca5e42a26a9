// SPDX-License-Identifier: Apache-2.0
// `ovstrace probes`: the probe catalog, or with --binary the USDT probes an ELF
// file really has (its .note.stapsdt), each marked against the catalog.
#include "catalog.h"
#include "cli.h"
#include "host/elf_notes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_args(const struct cat_probe *p)
{
    for (int i = 0; i < p->nargs; i++) {
        char tn[64];
        const char *t = type_name(&p->args[i].type, tn, sizeof tn);
        printf("%s%s%s%s", i ? ", " : "(", t, t[strlen(t) - 1] == '*' ? "" : " ", p->args[i].name);
    }
    printf("%s", p->nargs ? ")" : "()");
}

static void list_catalog(const struct catalog *c)
{
    printf("%-46s %-7s %s\n", "PROBE", "SINCE", "ARGUMENTS");
    for (int i = 0; i < c->nprobes; i++) {
        const struct cat_probe *p = &c->probes[i];
        printf("%-46s %-7s ", p->spec, p->since ? p->since : "-");
        print_args(p);
        printf("\n");
    }
}

/* Every catalog USDT probe: present or missing; then binary probes the catalog lacks. The
 * notes' strings are the binary's, printed escaped (util.h). */
static int list_binary(const struct catalog *c, const char *path)
{
    struct elf_usdt_list l;
    char err[256];
    char *shown_path = text_escaped(path);
    if (elf_read_usdt(path, &l, err, sizeof err) < 0) {
        char *shown_err = text_escaped(err);
        fprintf(stderr, "ovstrace: %s: %s\n", shown_path, shown_err);
        free(shown_err);
        free(shown_path);
        return 1;
    }
    int present = 0, total = 0;
    printf("%-8s %-46s %-7s %s\n", "STATUS", "PROBE", "SINCE", "NOTE ARGUMENTS");
    for (int i = 0; i < c->nprobes; i++) {
        const struct cat_probe *p = &c->probes[i];
        if (p->kind != PK_USDT)
            continue;
        total++;
        const struct elf_usdt_probe *hit = NULL;
        for (int j = 0; j < l.n && !hit; j++)
            if (!strcmp(l.probes[j].provider, p->provider) && !strcmp(l.probes[j].name, p->name))
                hit = &l.probes[j];
        present += hit != NULL;
        char *args = text_escaped(hit ? hit->args_text : "");
        printf("%-8s %-46s %-7s %s\n", hit ? "present" : "missing", p->spec, p->since ? p->since : "-", args);
        free(args);
    }
    for (int j = 0; j < l.n; j++) {
        if (catalog_probe(c, PK_USDT, l.probes[j].provider, l.probes[j].name))
            continue;
        char *spec = xasprintf("usdt:%s:%s", l.probes[j].provider, l.probes[j].name);
        char *shown_spec = text_escaped(spec), *args = text_escaped(l.probes[j].args_text);
        printf("%-8s %-46s %-7s %s\n", "unknown", shown_spec, "-", args);
        free(args);
        free(shown_spec);
        free(spec);
    }
    printf("\n%s: %d of the %d Open vSwitch probes ovstrace knows%s\n", shown_path, present, total,
           l.n == 0 ? " (no USDT notes: built without --enable-usdt-probes?)" : "");
    elf_usdt_list_free(&l);
    free(shown_path);
    return 0;
}

int cmd_probes(int argc, char **argv)
{
    const char *binary;
    int first, rc = cli_binary_option("probes", argc, argv, &binary, &first);
    if (rc)
        return rc;
    if (first < argc)
        return cli_usage("probes", "unexpected argument '%s'", argv[first]);
    struct diag d;
    diag_init(&d);
    struct catalog *c = catalog_load(&d);
    rc = d.errors ? 1 : binary ? list_binary(c, binary) : (list_catalog(c), 0);
    catalog_free(c);
    diag_free(&d);
    return rc;
}

void help_probes(void)
{
    printf("usage: ovstrace probes [--binary PATH]\n"
           "\n"
           "Without options: every probe recipes can name, with the Open vSwitch release that\n"
           "added it and its typed arguments.\n"
           "With --binary PATH: read the USDT notes of PATH (an ovs-vswitchd or a library) and\n"
           "mark each known probe present or missing; probes the catalog does not know are\n"
           "listed as unknown.\n");
}
