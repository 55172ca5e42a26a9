// SPDX-License-Identifier: Apache-2.0
// The state of one run's output, and the printer every part of the report writes through:
// report lines in; out, the same lines escaped, with runs of blank lines collapsed, and the
// names of the threads the report names (from /proc, or from a recording).
#ifndef OVSTRACE_RUN_PRINTER_H
#define OVSTRACE_RUN_PRINTER_H

#include "plan.h"
#include "output_protocol.h"
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
        int heading_shown;      /* its heading is printed under the report just ended */
    } held_events[OUTPUT_HELD_MAX];
    /* Lines printed so far, and their number when a report's held events were printed: an
     * event left at the end of the run goes on under that report if nothing came after it. */
    unsigned long shown, held_open_at;
};

void run_output_init(struct run_output *r, FILE *out, FILE *err);
/* LINE and a newline to F, escaped as diagnostics are (util.h): printf text, map keys and
 * thread names come from bpftrace's output or a recording, and must not drive the terminal. */
void run_put_line(FILE *f, const char *line);
/* One line of report text, through the blank-line collapsing. */
void run_output_line(struct run_output *r, const char *line);
/* Thread TID's name: the first one seen (from /proc, or the recording), "" when gone. */
void run_thread_name(struct run_output *r, long tid, char *out, size_t n);
/* A name the recording holds, for replay. */
void run_thread_named(struct run_output *r, long tid, const char *name);

#endif
