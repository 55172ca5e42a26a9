// SPDX-License-Identifier: Apache-2.0
// Recording a run and replaying it (`ovstrace run RECIPE --record FILE`, then
// `ovstrace report RECIPE FILE`). The file is JSON lines: a header naming the recipe (with
// its source text, so the file stands alone), the parameters, the traced pid, the datapath
// ports looked up and the UTC offset; then bpftrace's JSON output as run read it, with the
// thread names run looked up in /proc interleaved. The report renders the same records
// through the same renderer, with the recorded names and time zone, so it is the run's
// report byte for byte.
#ifndef OVSTRACE_RUN_RECORD_H
#define OVSTRACE_RUN_RECORD_H

#include "util.h"

#include <stdio.h>

struct record_header {
    char *recipe;            /* the recipe's name */
    char *source;            /* its text */
    struct vec params;       /* char *: "name=value" as given */
    struct vec ports;        /* char *: "NAME=NUMBER" datapath ports looked up */
    int pid;
    long utc_offset;         /* seconds east of UTC when the run started */
    char *bpftrace;          /* the version of the bpftrace that printed it ("0.23.2"); NULL in
                              * recordings made before it was written: 0.17 */
};

/* Write the header line. */
void record_write_header(FILE *f, const struct record_header *h);
/* A thread name run looked up (NAME "" when the thread was gone). */
void record_write_thread(FILE *f, long tid, const char *name);

/* Read the header line; 0 on success, -1 with a message in ERR. */
int record_read_header(FILE *f, struct record_header *h, char *err, size_t errlen);
void record_header_free(struct record_header *h);

/* Is LINE a recorded thread name? Then 1, with *TID and NAME filled. */
int record_thread_line(const char *line, long *tid, char *name, size_t namelen);

/* The local time zone's offset from UTC now, and a TZ value that reproduces it. */
long record_utc_offset(void);
void record_set_utc_offset(long offset);

#endif
