// SPDX-License-Identifier: Apache-2.0
// Post-processing of bpftrace's output for `ovstrace run`: line by line, so the
// report reads cleanly and lost events are never silently missed.
#include "run_output.h"
#include "run_render.h"

#include <stdlib.h>
#include <string.h>

void run_output_json(struct run_output *r, const struct render_plan *plan)
{
    r->plan = plan;
}

static void line(struct run_output *r, int stream, const char *text)
{
    unsigned long n;
    if (stream == 1) {
        /* Printed on every run where CAP_SYS_RESOURCE is missing; harmless (maps load). */
        if (strstr(text, "couldn't set RLIMIT_MEMLOCK"))
            return;
        if (strstr(text, "BPF stack limit of 512 bytes"))
            r->stack_refused = 1;
        run_put_line(r->err, text);
        return;
    }
    if (r->record) {
        fputs(text, r->record);
        fputc('\n', r->record);
    }
    if (r->plan && text[0] == '{') {
        run_render_json(r, text);
        return;
    }
    if (sscanf(text, "Lost %lu events", &n) == 1)
        r->lost += n;
    /* text mode's "Attaching N probes..." (0.17, 0.23), "Attached N probes" (0.27) */
    if (!strncmp(text, "Attaching ", 10) || !strncmp(text, "Attached ", 9))
        r->attached = 1;
    run_output_line(r, text);
}

void run_output_feed(struct run_output *r, int stream, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n' || r->plen[stream] == sizeof r->part[stream] - 1) {
            r->part[stream][r->plen[stream]] = '\0';
            line(r, stream, r->part[stream]);
            r->plen[stream] = 0;
            if (c == '\n')
                continue;
        }
        r->part[stream][r->plen[stream]++] = c;
    }
}

void run_output_finish(struct run_output *r)
{
    for (int s = 0; s < 2; s++) {
        if (r->plen[s]) {
            r->part[s][r->plen[s]] = '\0';
            line(r, s, r->part[s]);
            r->plen[s] = 0;
        }
    }
    if (r->plan)
        run_render_flush(r);
    if ((r->lost || r->attached) && r->printed)
        fputc('\n', r->out);
    if (r->lost)
        fprintf(r->out, "Lost events: %lu (bpftrace's perf buffer was full; print less, or set "
                "BPFTRACE_PERF_RB_PAGES higher)\n", r->lost);
    else if (r->attached)
        fprintf(r->out, "Lost events: 0\n");
    fflush(r->out);
    vec_free_strings(&r->names);
}
