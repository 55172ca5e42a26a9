// SPDX-License-Identifier: Apache-2.0
// The render plan: a checked recipe (and the catalog its types name) in; out, what run's
// renderer must know of its aggregates: map titles, which keys are thread ids, enums or
// unsigned, and how table columns join. The one place run reads the compiler's recipe.
#ifndef OVSTRACE_RUN_PLAN_H
#define OVSTRACE_RUN_PLAN_H

#include "bt_version.h"

struct recipe;
struct catalog;

/* An enum's names, for keys the script leaves as numbers. */
struct render_enum {
    long long *values;
    char **texts;
    int n;
};

/* What run knows about the recipe's aggregates, from the compiler. */
#define RENDER_MAX_KEYS 8
struct render_map {
    char *name;              /* the bpftrace map, without '@' */
    int has_title;           /* the script prints a title before it; else run prints "name:" */
    char *title;             /* that title: a map with nothing in it prints no record, so run
                              * says "(none)" under a title nothing followed */
    int nkeys;
    unsigned tid_keys;       /* bit i: key i is a thread id (shown with its thread name) */
    unsigned u64_keys;       /* bit i: key i is an unsigned 64-bit number (run_json_compat.h) */
    unsigned bool_keys;      /* bit i: key i is a truth value (run_json_compat.h) */
    struct render_enum *key_enums[RENDER_MAX_KEYS];   /* key i: an enum number run names, or NULL */
};

/* A table aggregate (recipe `columns:`): one map per value column, joined by key. */
#define RENDER_MAX_PARTS 16
struct render_table_col {
    char *header;
    int key;                 /* key index, or -1 */
    int part;                /* value column: index into parts, or -1 */
    int as_number;           /* an enum key shown as its number */
    int summed;              /* a count() or sum() column: added up in the total row */
};

struct render_table {
    char *title;
    char *parts[RENDER_MAX_PARTS];   /* the value columns' maps, without '@' */
    int nparts;
    struct render_table_col *cols;
    int ncols;
    int sort_part;           /* rows are sorted by this value column, largest first */
    char *total_label, *total_except;
};

struct render_plan {
    struct render_map *maps;
    int nmaps;
    struct render_table *tables;
    int ntables;
    int by_thread;           /* tables keyed first by a thread id are grouped under each thread */
    int pid;                 /* the traced process: thread names come from /proc/PID/task */
    struct bt_version bpftrace;   /* the bpftrace whose output is read (run_json_compat.h) */
};

/* The plan of R's aggregates and tables; pid and bpftrace are the caller's to set. Made to
 * be pipeline_options.checked (pipeline.h), with PLAN a struct render_plan *: the pipeline
 * hands the recipe over once it passed, while it is alive. */
void render_plan_build(const struct recipe *r, const struct catalog *cat, void *plan);
void render_plan_free(struct render_plan *p);

#endif
