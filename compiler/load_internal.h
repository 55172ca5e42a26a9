// SPDX-License-Identifier: Apache-2.0
// The load pass's own declarations, for load*.c only: its state, the shape checks every
// part of a recipe is read with, and the section loaders load.c's document calls.
#ifndef OVSTRACE_LOAD_INTERNAL_H
#define OVSTRACE_LOAD_INTERNAL_H

#include "load.h"
#include "util.h"

struct loader {
    struct recipe *r;
    struct diag *d;
};

/* load.c: shape checks. Each reports what is wrong in the recipe and returns what it could
 * read (NULL or 0 when nothing). */
void check_keys(struct loader *L, const struct ynode *map, const char *const *allowed, const char *what);
const struct ynode *want(struct loader *L, const struct ynode *n, enum ynode_kind kind, const char *what);
int too_many(struct loader *L, const struct ynode *n, int max, const char *what);
char *text_of(struct loader *L, const struct ynode *map, const char *key);
char *printable_of(struct loader *L, const struct ynode *map, const char *key, int multiline);
int valid_ident(struct loader *L, const struct ynode *key, const char *what);
struct expr *expr_at(struct loader *L, const struct ynode *map, const char *key);
void load_probe_use(struct loader *L, const struct ynode *n, struct probe_use *u, const char *what);
int named_entry(struct loader *L, const struct ynode *key, const struct ynode *spec, const char *what,
                const char *const *keys, char **name, struct loc *loc);

/* load_params.c: the `params:` mapping. */
void load_params(struct loader *L, const struct ynode *map);

/* load_spans.c: the `spans:` and `watch:` mappings. */
void load_spans(struct loader *L, const struct ynode *map);
void load_watches(struct loader *L, const struct ynode *map);

/* load_outputs.c: `events:`, `aggregates:`, `report:` and `window:`. */
void load_events(struct loader *L, const struct ynode *seq);
void load_aggregates(struct loader *L, const struct ynode *map);
void load_report(struct loader *L, const struct ynode *n);
void load_window(struct loader *L, const struct ynode *n);

#endif
