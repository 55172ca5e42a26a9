// SPDX-License-Identifier: Apache-2.0
// What `ovstrace run` does with bpftrace's output: its stdout and stderr in; out,
// the same text with blank-line runs collapsed, the harmless RLIMIT_MEMLOCK line
// dropped, and a closing line saying how many events bpftrace lost.
#ifndef OVSTRACE_RUN_OUTPUT_H
#define OVSTRACE_RUN_OUTPUT_H

#include "printer.h"

/* Read stdout as bpftrace -f json and render it with PLAN (kept by the caller). */
void run_output_json(struct run_output *r, const struct render_plan *plan);
/* Feed bytes read from bpftrace's stdout (stream 0) or stderr (stream 1). */
void run_output_feed(struct run_output *r, int stream, const char *buf, size_t len);
/* Flush partial lines and print the lost-events line (when tracing began: a bpftrace that
 * never attached lost nothing, and saying "Lost events: 0" would suggest it traced). */
void run_output_finish(struct run_output *r);

#endif
