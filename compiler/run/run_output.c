// SPDX-License-Identifier: Apache-2.0
// Post-processing of bpftrace's output for `ovstrace run`: line by line, so the
// report reads cleanly and lost events are never silently missed.
#include "run_output.h"
#include "run_record.h"

#include <stdlib.h>
#include <string.h>

void run_output_init(struct run_output *r, FILE *out, FILE *err)
{
    memset(r, 0, sizeof *r);
    r->out = out;
    r->err = err;
}

void run_output_json(struct run_output *r, const struct render_plan *plan)
{
    r->plan = plan;
}

/* LINE and a newline, escaped as diagnostics are (util.h): printf text, map keys and thread
 * names come from bpftrace's output or a recording, and must not drive the terminal. */
static void put_line(FILE *f, const char *line)
{
    struct strbuf b = { 0 };
    sb_add_escaped(&b, line, strlen(line));
    sb_addc(&b, '\n');
    fwrite(b.s, 1, b.len, f);
    sb_free(&b);
    fflush(f);
}

void run_output_line(struct run_output *r, const char *line)
{
    /* bpftrace 0.17 prints runs of blank lines around map dumps: keep one, and none at the end. */
    if (!*line) {
        r->blank_pending = r->printed;
        return;
    }
    if (r->blank_pending)
        fputc('\n', r->out);
    r->blank_pending = 0;
    r->printed = 1;
    put_line(r->out, line);
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
        put_line(r->err, text);
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

void run_thread_named(struct run_output *r, long tid, const char *name)
{
    vec_push(&r->names, xasprintf("%ld %s", tid, name));
}

void run_thread_name(struct run_output *r, long tid, char *out, size_t n)
{
    char prefix[32];
    int plen = snprintf(prefix, sizeof prefix, "%ld ", tid);
    for (int i = 0; i < r->names.n; i++)
        if (!strncmp(r->names.v[i], prefix, (size_t)plen)) {
            snprintf(out, n, "%s", (const char *)r->names.v[i] + plen);
            return;
        }
    out[0] = '\0';
    if (!r->replay)
        proc_comm(r->plan ? r->plan->pid : 0, tid, out, n);
    run_thread_named(r, tid, out);
    if (r->record)
        record_write_thread(r->record, tid, out);
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
