// SPDX-License-Identifier: Apache-2.0
// `ovstrace run` renders what bpftrace -f json prints: the script's own text (printf,
// time) passes through, pieced together per CPU where an event was printed in pieces,
// with flow keys decoded to dump-flows text; maps, histograms and stats come out as
// sorted, aligned tables with thousands separators and thread names beside thread ids.
#ifndef OVSTRACE_RUN_RENDER_H
#define OVSTRACE_RUN_RENDER_H

#include "bt_version.h"

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

void render_plan_free(struct render_plan *p);

/* `print: after_report` events of outputs 0..RENDER_MAX_HELD-1 (lower.c checks the bound). */
#define RENDER_MAX_HELD 64

/* The line the script prints after a report's maps, under run, when the recipe has tables
 * or events held until the report. */
#define RENDER_DUMP_END "\036dump\037"


struct run_output;
/* One line of bpftrace -f json output. */
void run_render_json(struct run_output *r, const char *line);
/* Print what is still held back (an event cut short by the end of the run). */
void run_render_flush(struct run_output *r);

/* Pieces of text: "1,234,567". */
void render_thousands(char *out, unsigned long outlen, long long v);

#endif
