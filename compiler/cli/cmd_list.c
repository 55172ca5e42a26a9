// SPDX-License-Identifier: Apache-2.0
// `ovstrace list` and `ovstrace help RECIPE`: what recipes there are, and what
// one of them shows, its parameters and an example run, read from its header.
#include "cli.h"
#include "load.h"
#include "params.h"
#include "recipe_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_list(int argc, char **argv)
{
    if (argc > 1)
        return cli_usage("list", "list takes no arguments");
    (void)argv;
    struct vec paths = { 0 };
    recipe_path_list(&paths);
    int rc = 0;
    for (int i = 0; i < paths.n; i++) {
        struct diag d;
        diag_init(&d);
        struct recipe *r = load_recipe(paths.v[i], &d);
        if (r && !d.errors && r->name) {
            printf("%-22s %s\n", r->name, r->summary ? r->summary : "");
        } else {
            diag_flush(&d, stderr);
            rc = 1;
        }
        recipe_free(r);
        diag_free(&d);
        free(paths.v[i]);
    }
    if (paths.n == 0)
        fprintf(stderr, "ovstrace: no recipes found (set OVSTRACE_PATH to a directory of .recipe files)\n");
    vec_free(&paths);
    return rc;
}

static void print_indented(const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        printf("  %.*s\n", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

static void print_param(const struct param *p)
{
    char *v = param_value_text(p);
    printf("  %-20s %s, default %s", p->name, param_type_name(p->type), *v ? v : "(empty)");
    if (p->has_min && p->has_max)
        printf(", %lld..%lld", (long long)p->min, (long long)p->max);
    else if (p->has_min)
        printf(", at least %lld", (long long)p->min);
    else if (p->has_max)
        printf(", at most %lld", (long long)p->max);
    if (p->type == P_ENUM) {
        printf(", one of:");
        for (int j = 0; j < p->nchoices; j++)
            printf(" %s", p->choices[j]);
    }
    printf("\n");
    if (p->help)
        printf("  %-20s %s\n", "", p->help);
    free(v);
}

int cmd_help_recipe(int argc, char **argv)
{
    if (argc != 2)
        return cli_usage("help", "help takes one recipe name (ovstrace list shows them)");
    char *path = recipe_path_resolve(argv[1]);
    if (!path) {
        fprintf(stderr, "ovstrace: no recipe '%s' (ovstrace list shows the bundled ones)\n", argv[1]);
        return 1;
    }
    struct diag d;
    diag_init(&d);
    struct recipe *r = load_recipe(path, &d);
    if (r && !d.errors)
        params_bind(r, NULL, 0, NULL, &d);
    int rc = d.errors ? 1 : 0;
    if (!rc) {
        printf("%s: %s\n", r->name, r->summary);
        if (r->about) {
            printf("\n");
            print_indented(r->about);
        }
        printf("\nusage: %s\n", r->usage ? r->usage : "ovstrace run RECIPE [-p NAME=VALUE]...");
        if (r->ovs)
            printf("needs: Open vSwitch %s\n", r->ovs);
        if (r->nparams) {
            printf("\nparameters (-p NAME=VALUE):\n");
            for (int i = 0; i < r->nparams; i++)
                print_param(&r->params[i]);
        }
        if (r->example) {
            printf("\nexample:\n");
            print_indented(r->example);
        }
        if (r->origin) {
            char *shown = text_escaped(path);
            printf("\norigin: %s\nfile: %s\n", r->origin, shown);
            free(shown);
        }
    }
    diag_flush(&d, stderr);
    diag_free(&d);
    recipe_free(r);
    free(path);
    return rc;
}

void help_list(void)
{
    printf("usage: ovstrace list\n\nList the recipes found in $OVSTRACE_PATH and the bundled recipes, with a\n"
           "one-line summary each. 'ovstrace help NAME' explains one.\n");
}

void help_help(void)
{
    printf("usage: ovstrace help RECIPE\n\nShow what RECIPE traces, its parameters with types and defaults, the OVS\n"
           "version it needs and an example of its output.\n");
}
