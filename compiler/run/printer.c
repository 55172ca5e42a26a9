// SPDX-License-Identifier: Apache-2.0
// The printer of run's report and the thread names it shows (see printer.h).
#include "printer.h"
#include "run_record.h"

#include <string.h>

void run_output_init(struct run_output *r, FILE *out, FILE *err)
{
    memset(r, 0, sizeof *r);
    r->out = out;
    r->err = err;
}

void run_put_line(FILE *f, const char *line)
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
    r->shown++;
    run_put_line(r->out, line);
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
