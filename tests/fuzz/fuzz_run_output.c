// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for what `ovstrace run` and `ovstrace report` read back: bpftrace's
// -f json output (and a recording's header and "thread" lines), rendered with the plan of
// a bundled recipe. The first byte picks the recipe; the rest is the output, fed in
// odd-sized pieces as reads deliver it. The JSON reader, the recording's header reader,
// the renderer and the table code are under test.
#include "fuzz_harness.h"
#include "pipeline.h"
#include "run/plan.h"
#include "run/run_output.h"
#include "run/run_record.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const recipes[] = { "reval_monitor", "upcall_monitor", "kernel_delay", "flow_reval_monitor",
                                       "bridge_loop" };
#define NRECIPES (sizeof recipes / sizeof recipes[0])
static struct render_plan plans[NRECIPES];
static FILE *sink;
static struct run_output r;    /* 128 KiB of line buffers: not on the stack */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < NRECIPES; i++) {
        struct pipeline_options o = { .recipe_arg = recipes[i], .mode = PIPELINE_REPORT,
                                      .checked = render_plan_build, .checked_ctx = &plans[i] };
        struct pipeline_result res;
        if (pipeline_run(&o, &res) != 0)
            abort();
        pipeline_result_free(&res);
    }
    sink = fopen("/dev/null", "w");
    if (!sink)
        abort();
    /* Times print in the recording's zone; fix it so runs do not depend on the host. */
    record_set_utc_offset(0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct render_plan *plan = &plans[data[0] % NRECIPES];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    /* A recording opens with its header line, read as report reads it (its recipe text is
     * fuzz_recipe's to fuzz); here, as any other line, it is then shown as it came. */
    FILE *rec = len ? fmemopen((void *)text, len, "r") : NULL;
    struct record_header h;
    char err[256];
    if (rec && record_read_header(rec, &h, err, sizeof err) == 0)
        record_header_free(&h);
    if (rec)
        fclose(rec);
    run_output_init(&r, sink, sink);
    run_output_json(&r, plan);
    r.replay = 1;    /* thread names from the input only, never from this host's /proc */
    /* Whole lines that are a recording's thread names name threads, as report does. */
    for (size_t s = 0; s < len;) {
        const char *nl = memchr(text + s, '\n', len - s);
        size_t e = nl ? (size_t)(nl - text) + 1 : len;
        char *line = strndup(text + s, e - s);
        long tid;
        char name[64];
        if (record_thread_line(line, &tid, name, sizeof name))
            run_thread_named(&r, tid, name);
        else    /* from the input, not the copy: a NUL byte ends the copy early */
            for (size_t i = s; i < e; i += 7)
                run_output_feed(&r, 0, text + i, e - i < 7 ? e - i : 7);
        free(line);
        s = e;
    }
    run_output_finish(&r);
    return 0;
}
