// SPDX-License-Identifier: Apache-2.0
// `ovstrace run` renders what bpftrace -f json prints: the script's own text (printf,
// time) passes through, pieced together per CPU where an event was printed in pieces,
// with flow keys decoded to dump-flows text; maps, histograms and stats come out as
// sorted, aligned tables with thousands separators and thread names beside thread ids.
#ifndef OVSTRACE_RUN_RENDER_H
#define OVSTRACE_RUN_RENDER_H

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
    struct render_enum *key_enums[RENDER_MAX_KEYS];   /* key i: an enum number run names, or NULL */
};

struct render_plan {
    struct render_map *maps;
    int nmaps;
    int pid;                 /* the traced process: thread names come from /proc/PID/task */
};

void render_plan_free(struct render_plan *p);

struct run_output;
/* One line of bpftrace -f json output. */
void run_render_json(struct run_output *r, const char *line);
/* Print what is still held back (an event cut short by the end of the run). */
void run_render_flush(struct run_output *r);

/* Pieces of text: "1,234,567". */
void render_thousands(char *out, unsigned long outlen, long long v);

#endif
