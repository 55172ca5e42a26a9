// SPDX-License-Identifier: Apache-2.0
// The recipe model: what the load pass builds from a recipe's YAML, the checker
// annotates (types, probes, params) and the lowering pass turns into bpftrace.
#ifndef OVSTRACE_RECIPE_H
#define OVSTRACE_RECIPE_H

#include "ast.h"
#include "catalog.h"
#include "odp/odp_filter.h"
#include "yamltree.h"

#include <stdint.h>
#include "util.h"

enum param_type { P_INT, P_DURATION, P_BOOL, P_ENUM, P_STRING, P_ODP_FLOW, P_PROBE };

struct param {
    char *name;
    struct loc loc;
    enum param_type type;
    int has_min, has_max;
    int64_t min, max;
    char **choices;          /* P_ENUM */
    int nchoices;
    char *help;
    const struct ynode *default_node;
    /* The value in force: the default, or what -p set. */
    int set;
    int64_t ival;            /* int, duration (ns), bool, enum (index) */
    char *sval;              /* string, odp_flow, probe, enum (the choice) */
    struct odp_filter *flow; /* odp_flow: the parsed filter; NULL when empty (matches every flow) */
};

/* A probe named in the recipe: `on:`, `from:`, `to:`, window triggers. */
struct probe_use {
    const struct ynode *node;
    char *text;
    struct loc loc;
    /* Set by the checker. */
    enum probe_kind kind;
    const struct cat_probe *probe;     /* NULL for uprobes and other non-catalog probes */
    struct span *span;                 /* `on:` naming a span: outputs at the span's end */
    char *target_name;                 /* uprobe function / non-catalog probe name */
};

struct capture {
    char *name;
    struct loc loc;
    const struct ynode *node;
    struct expr **values;              /* one per `from` end, checked in that probe's context */
};

struct span_count {
    char *name;
    struct loc loc;
    struct probe_use on;
    struct expr **keys;                /* the span key, checked in this probe's context */
};

/* One end of a span: the probe, the key there (the span's own key unless the end names
 * one: sched_switch starts a thread's run under next_pid and ends it under prev_pid), a
 * condition, and whether the end concerns any task rather than the traced process. */
struct span_end {
    struct probe_use on;
    const struct ynode **key_nodes;    /* re-parsed per probe context */
    int nkeys;
    struct expr **keys;                /* set by the checker */
    struct expr *where;
    int any_task;                      /* `task: any`: no automatic pid filter at this end */
};

struct span {
    char *name;
    struct loc loc;
    struct span_end *froms;            /* where it starts: one or more probes */
    int nfroms;
    struct span_end *tos;              /* where it ends: one or more probes, whichever comes first */
    int ntos;
    const struct ynode **key_nodes;    /* the span's `key:`, each end's default; counted probes use it */
    int nkeys;
    struct capture *captures;
    int ncaptures;
    struct span_count *counts;
    int ncounts;
    int64_t slots;                     /* `slots: N`: a table of N open spans, by key modulo N (0: a map) */
    int64_t queue;                     /* `queue: N`: up to N open spans per key, ended oldest first */
    int keep_first;                    /* `restart: false`: a start while the span is open is ignored */
};

/* A span's ends, starts first: J in 0 .. nfroms + ntos - 1. */
static inline int span_nends(const struct span *s) { return s->nfroms + s->ntos; }
static inline struct span_end *span_end_at(const struct span *s, int j)
{
    return j < s->nfroms ? &s->froms[j] : &s->tos[j - s->nfroms];
}

/* How many entries a recipe's lists and mappings hold at most, checked as they are loaded:
 * far above what recipes need (the bundled ones have at most 15 aggregates and 4 ends to a
 * span), and small enough that the checks comparing each entry with the others stay fast (a
 * 4 MiB recipe holds 100000 aggregates: that took minutes). */
#define RECIPE_MAX_ENTRIES 256        /* parameters, enum values, watch lists, spans, events, aggregates */
#define RECIPE_MAX_COLUMNS 64         /* columns of an event or a table; captures and counts of a span */
#define SPAN_MAX_ENDS 16              /* probes in a span's from: or to: */
#define RECIPE_MAX_KEYS 8             /* parts of a span's key (as of an aggregate's by:) */

#define FINGERPRINT_MAX 64            /* fingerprint(): bytes hashed at most */
#define TABLE_MAX_KEYS 8              /* a table's key and value columns: what run joins */
#define TABLE_MAX_VALUES 16
#define RECIPE_MAX_HELD 64            /* outputs that may be `print: after_report`, the first ones: run holds
                                       * their events (output_protocol.h's OUTPUT_HELD_MAX) */
#define FINGERPRINT_DEFAULT 40
#define SPAN_MAX_SLOTS 65536
#define SPAN_MAX_QUEUE 1024

enum agg_fn { AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG, AGG_STATS, AGG_HIST, AGG_LHIST };

struct column {
    char *name;
    struct loc loc;
    const struct ynode *value_node;
    struct expr *value;
    struct expr *when;                 /* compile-time condition: the column exists only if true */
    char *format;                      /* NULL: from the value's type */
    struct loc format_loc;
    int width;
};

enum output_kind { OUT_EVENT, OUT_AGG };

struct output {
    enum output_kind kind;
    struct loc loc;
    struct probe_use on;
    struct expr *where;
    /* OUT_EVENT */
    struct column *cols;
    int ncols;
    int after_report;                  /* `print: after_report`: run prints them after the next report */
    struct loc print_loc;
    /* OUT_AGG */
    char *name;
    char *title;                       /* printed before the aggregate, or an event's header */
    enum agg_fn fn;
    struct loc fn_loc;
    struct expr *value;
    struct expr **by;
    int nby;
    int64_t lmin, lmax, lstep;
    int table;                         /* 1 + index into the recipe's tables, or 0 */
};

/* An aggregate written as a table (`columns:`): the key columns key every value column's
 * map; each value column is an aggregate of its own (NAME_count, NAME_sum, ...), printed
 * one after the other by plain bpftrace and joined back into one table by `ovstrace run`. */
struct table_col {
    char *name;
    int key;                           /* index into the parts' `by`, or -1 */
    int part;                          /* index into the recipe's outputs of a value column, or -1 */
    int as_number;                     /* a key column with `format: int`: an enum key shown as its number */
};

struct table {
    char *name, *title;
    struct loc loc;
    struct table_col *cols;
    int ncols;
    char *total_label;                 /* a last row summing the count and sum columns, or NULL */
    char *total_except;                /* rows whose first key shows as this text are not summed */
};

struct window {
    int present;
    struct loc loc;
    int has_start, has_stop;           /* cleared by the checker when a probe parameter is empty */
    struct probe_use start, stop;
    uint64_t time_ns;                  /* 0: until the stop trigger / Ctrl-C; unused with a stop trigger */
    uint64_t interval_ns;
    int64_t count;                     /* windows reported before exit; 0 = forever */
    uint64_t min_delta_ns;             /* start and stop triggers: skip windows shorter than this */
    int spans_inside;                  /* `spans: inside`: count only spans that start and end in a window */
    const struct ynode *time_node, *interval_node, *count_node, *min_delta_node;
};

/* A watch list: the flows (or other objects) a recipe follows, keyed by one of their
 * fields. Whether to follow one is decided once, the first time a probe sees it, and
 * remembered until the object ends (a datapath flow's deletion), so the decision costs
 * one map lookup afterwards. At most `capacity` entries are remembered at once. */
struct watch {
    char *name;
    struct loc loc;
    char *id;                          /* the field that identifies an entry, e.g. ufid */
    struct loc id_loc;
    struct expr *follow;               /* over the watched struct's fields, e.g. match(key, $filter) */
    struct expr *capacity;             /* a constant: a number or an int parameter */
    int64_t cap;                       /* set by the checker */
    int used;                          /* set by the checker: some watched() names it */
};

struct recipe {
    struct source *src;
    struct ynode *root;
    char *name, *summary, *about, *usage, *example, *origin, *ovs;
    struct loc ovs_loc;
    struct param *params;
    int nparams;
    struct span *spans;
    int nspans;
    struct output *outputs;
    int noutputs;
    struct watch *watches;
    int nwatches;
    struct table *tables;
    int ntables;
    uint64_t report_every_ns;
    int report_reset;
    int report_by_thread;    /* report: {layout: threads}: run groups tables under each thread */
    struct window window;
    /* `event_buffer_pages`: pages of the event buffer over all CPUs (upstream's
     * --buffer-page-count); 0 leaves bpftrace's default. */
    const struct ynode *event_buffer_node;
    uint64_t event_buffer_pages;
    int uses_threads;        /* set by the checker: thread() is used, the script keeps a thread set */
    struct vec cli_sources;  /* -p values as sources, so diagnostics can point into them */
};

/* recipe.c: the model's own helpers; the load pass (load.h) builds it. */
void recipe_free(struct recipe *r);

struct param *recipe_param(struct recipe *r, const char *name);
struct span *recipe_span(struct recipe *r, const char *name);
struct watch *recipe_watch(const struct recipe *r, const char *name);
/* The BPFTRACE_MAP_KEYS_MAX the recipe's watch lists need, 0 when bpftrace's default does. */
long recipe_map_keys_max(const struct recipe *r);

/* The probe an output, span end or counter attaches to (a span's `to`). */
const struct probe_use *probe_attach(const struct probe_use *u);
/* Do two uses attach to the same probe? */
int probe_same(const struct probe_use *a, const struct probe_use *b);

/* Watch lists hold up to this many entries unless the recipe says otherwise: bpftrace's
 * default map size (BPFTRACE_MAP_KEYS_MAX). */
#define WATCH_DEFAULT_CAPACITY 4096
#define WATCH_MAX_CAPACITY (1 << 20)

#endif
