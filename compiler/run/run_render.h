// SPDX-License-Identifier: Apache-2.0
// `ovstrace run` renders what bpftrace -f json prints: the script's own text (printf,
// time) passes through, pieced together per CPU where an event was printed in pieces,
// with flow keys decoded to dump-flows text; maps, histograms and stats come out as
// sorted, aligned tables with thousands separators and thread names beside thread ids.
#ifndef OVSTRACE_RUN_RENDER_H
#define OVSTRACE_RUN_RENDER_H

struct run_output;
/* One line of bpftrace -f json output. */
void run_render_json(struct run_output *r, const char *line);
/* Print what is still held back (an event cut short by the end of the run). */
void run_render_flush(struct run_output *r);

#endif
