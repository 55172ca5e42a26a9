// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for the whole front end: the input is a recipe's text, run through
// the pipeline `ovstrace compile` runs (YAML loader, expression parser, parameters,
// checker, lowering, emit), once for compile and once for run (marked output, render plan).
// Leading lines "#-p NAME=VALUE" (YAML comments) are also passed as -p parameters, so a
// seed can carry the parameters its golden test compiles it with.
#include "fuzz_harness.h"
#include "pipeline.h"
#include "run/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct catalog *cat;
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cat = fuzz_catalog_load();
    /* Diagnostics are still formatted (the caret printer is code under test), not shown. */
    sink = fopen("/dev/null", "w");
    if (!sink)
        abort();
    return 0;
}

#define MAX_PARAMS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char *params[MAX_PARAMS];
    int nparams = 0;
    size_t pos = 0;
    while (nparams < MAX_PARAMS && size - pos > 3 && !memcmp(text + pos, "#-p ", 4)) {
        size_t s = pos + 4, e = s;
        while (e < size && text[e] != '\n' && text[e] != '\0')
            e++;
        params[nparams++] = strndup(text + s, e - s);
        pos = e < size ? e + 1 : e;
    }
    for (int for_run = 0; for_run < 2; for_run++) {
        struct pipeline_options o = {
            .recipe_arg = "fuzz.recipe", .recipe_text = text, .recipe_len = size, .catalog = cat,
            .diag_out = sink, .params = params, .nparams = nparams,
            .mode = for_run ? PIPELINE_RUN : PIPELINE_COMPILE,
        };
        struct render_plan plan = { 0 };
        if (for_run) {
            o.checked = render_plan_build;
            o.checked_ctx = &plan;
        }
        struct pipeline_result res;
        pipeline_run(&o, &res);
        pipeline_result_free(&res);
        render_plan_free(&plan);
    }
    for (int i = 0; i < nparams; i++)
        free(params[i]);
    return 0;
}
