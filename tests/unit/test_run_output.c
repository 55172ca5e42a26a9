// SPDX-License-Identifier: Apache-2.0
// Unit test of run_output: bpftrace's output relayed with blank-line runs collapsed,
// the RLIMIT_MEMLOCK line dropped, and lost events summed into the closing line.
#include "run/run_output.h"
#include "unit.h"

static void relay(const char *out_text, const char *err_text, char **out, char **err)
{
    size_t ol, el;
    FILE *o = open_memstream(out, &ol), *e = open_memstream(err, &el);
    struct run_output r;
    run_output_init(&r, o, e);
    /* Feed in odd-sized pieces: lines may arrive split across reads. */
    size_t len = strlen(out_text);
    for (size_t i = 0; i < len; i += 3)
        run_output_feed(&r, 0, out_text + i, len - i < 3 ? len - i : 3);
    run_output_feed(&r, 1, err_text, strlen(err_text));
    run_output_finish(&r);
    fclose(o);
    fclose(e);
}

int main(void)
{
    char *out, *err;
    relay("Attaching 2 probes...\nrow 1\n\n\n\nLost 3 events\nrow 2\nLost 4 events\n\n\n", 
          "ERROR: Unknown error -1: couldn't set RLIMIT_MEMLOCK for bpftrace. ...\nWARNING: real\n", &out, &err);
    EXPECT_STR(out, "Attaching 2 probes...\nrow 1\n\nLost 3 events\nrow 2\nLost 4 events\n\nLost events: 7 "
               "(bpftrace's perf buffer was full; print less, or set BPFTRACE_PERF_RB_PAGES higher)\n",
               "blank runs collapse, trailing blanks go, lost events are summed");
    EXPECT_STR(err, "WARNING: real\n", "the RLIMIT_MEMLOCK line is dropped, other stderr kept");
    free(out);
    free(err);
    relay("no newline at the end", "", &out, &err);
    EXPECT_STR(out, "no newline at the end\n", "a partial last line is kept; no lost line when nothing attached");
    free(out);
    free(err);
    relay("Attaching 1 probe...\nrow", "", &out, &err);
    EXPECT_STR(out, "Attaching 1 probe...\nrow\n\nLost events: 0\n", "0 lost is said once tracing began");
    free(out);
    free(err);
    return unit_done();
}
