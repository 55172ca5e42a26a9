// SPDX-License-Identifier: Apache-2.0
// What `ovstrace run` does with bpftrace's output: its stdout and stderr in; out,
// the same text with blank-line runs collapsed, the harmless RLIMIT_MEMLOCK line
// dropped, and a closing line saying how many events bpftrace lost.
#ifndef OVSTRACE_RUN_OUTPUT_H
#define OVSTRACE_RUN_OUTPUT_H

#include "run_render.h"
#include "util.h"

#include <stdio.h>

struct run_output {
    FILE *out, *err;
    int blank_pending;      /* a blank line held back: printed only if text follows */
    int printed;            /* any text printed yet */
    unsigned long lost;     /* events bpftrace reported lost ("Lost N events") */
    int stack_refused;      /* bpftrace said a probe passed the 512-byte BPF stack */
    int attached;           /* bpftrace attached its probes: tracing began (its attached_probes record) */
    char part[2][65536];    /* a partial line per stream (a JSON record with a 2 KiB key in hex fits) */
    size_t plen[2];
    /* With a plan, stdout is bpftrace's -f json output, rendered by run_render.c. */
    const struct render_plan *plan;
    struct strbuf text;     /* untagged printf text not yet ended by a newline */
    struct strbuf *cpu_text;    /* per CPU: pieces of an event printed in parts */
    int ncpu;
    int title_pending;      /* an aggregate's title was printed; its map has not come yet */
    struct json *exited;    /* the script's @_exited: tid -> name of threads that exited */
    struct json **held;     /* table parts received, [table * RENDER_MAX_PARTS + part], until the dump ends */
    FILE *record;           /* --record: bpftrace's stdout lines and the thread names looked up */
    int replay;             /* `ovstrace report`: thread names come from the recording only */
    struct vec names;       /* char *: "TID NAME" of threads named so far (NAME empty: gone) */
    struct run_held {       /* `print: after_report` events, by output index, until the report ends */
        struct strbuf heading, events;
    } held_events[RENDER_MAX_HELD];
};

void run_output_init(struct run_output *r, FILE *out, FILE *err);
/* Read stdout as bpftrace -f json and render it with PLAN (kept by the caller). */
void run_output_json(struct run_output *r, const struct render_plan *plan);
/* One line of report text, through the blank-line collapsing. */
void run_output_line(struct run_output *r, const char *line);
/* Feed bytes read from bpftrace's stdout (stream 0) or stderr (stream 1). */
void run_output_feed(struct run_output *r, int stream, const char *buf, size_t len);
/* Thread TID's name: the first one seen (from /proc, or the recording), "" when gone. */
void run_thread_name(struct run_output *r, long tid, char *out, size_t n);
/* A name the recording holds, for replay. */
void run_thread_named(struct run_output *r, long tid, const char *name);
/* Flush partial lines and print the lost-events line (when tracing began: a bpftrace that
 * never attached lost nothing, and saying "Lost events: 0" would suggest it traced). */
void run_output_finish(struct run_output *r);

#endif
