// SPDX-License-Identifier: Apache-2.0
// What `ovstrace run` does with bpftrace's output: its stdout and stderr in; out,
// the same text with blank-line runs collapsed, the harmless RLIMIT_MEMLOCK line
// dropped, and a closing line saying how many events bpftrace lost.
#ifndef OVSTRACE_RUN_OUTPUT_H
#define OVSTRACE_RUN_OUTPUT_H

#include <stdio.h>

struct run_output {
    FILE *out, *err;
    int blank_pending;      /* a blank line held back: printed only if text follows */
    int printed;            /* any text printed yet */
    unsigned long lost;     /* events bpftrace reported lost ("Lost N events") */
    char part[2][4096];     /* a partial line per stream */
    size_t plen[2];
};

void run_output_init(struct run_output *r, FILE *out, FILE *err);
/* Feed bytes read from bpftrace's stdout (stream 0) or stderr (stream 1). */
void run_output_feed(struct run_output *r, int stream, const char *buf, size_t len);
/* Flush partial lines and print the lost-events line. */
void run_output_finish(struct run_output *r);

#endif
