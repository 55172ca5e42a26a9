// SPDX-License-Identifier: Apache-2.0
// `ovstrace report RECIPE FILE`: print again the report of a run recorded with
// `ovstrace run RECIPE --record FILE`, offline: the recipe's text, parameters, thread names
// and time zone come from the recording, so the report is the run's, byte for byte.
#include "cli.h"
#include "pipeline.h"
#include "run/plan.h"
#include "run/run_output.h"
#include "run/run_record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The recorded recipe's text, as DIR/NAME.recipe, so diagnostics name it as the run did. */
static char *write_recipe(const struct record_header *h, char **dir)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    *dir = xasprintf("%s/ovstrace-report-XXXXXX", tmp);
    if (!mkdtemp(*dir)) {
        fprintf(stderr, "ovstrace: cannot create a directory in %s: %s\n", tmp, strerror(errno));
        free(*dir);
        *dir = NULL;
        return NULL;
    }
    char *path = xasprintf("%s/%s.recipe", *dir, h->recipe);
    FILE *f = fopen(path, "w");
    if (!f || fputs(h->source, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "ovstrace: cannot write %s\n", path);
        free(path);
        return NULL;
    }
    return path;
}

/* Does the recipe the user named match the recorded one (by name, or a path to NAME.recipe)? */
static int names_recipe(const char *arg, const char *name)
{
    const char *base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
    size_t n = strlen(name);
    return !strcmp(base, name) || (!strncmp(base, name, n) && !strcmp(base + n, ".recipe"));
}

/* The recorded recipe's name is the recording's text: escaped (util.h), as the paths are. */
static void wrong_recipe(const char *file, const char *recorded, const char *asked)
{
    char *f = text_escaped(file), *r = text_escaped(recorded), *a = text_escaped(asked);
    fprintf(stderr, "ovstrace: %s is a recording of %s, not of %s\n", f, r, a);
    free(f);
    free(r);
    free(a);
}

static void replay(FILE *f, const struct record_header *h, const struct render_plan *plan)
{
    /* Names first: run wrote each after the record that made it look the thread up. */
    long start = ftell(f);
    struct run_output r;
    run_output_init(&r, stdout, stderr);
    run_output_json(&r, plan);
    r.replay = 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long tid;
    char name[64];
    while ((n = getline(&line, &cap, f)) > 0)
        if (record_thread_line(line, &tid, name, sizeof name))
            run_thread_named(&r, tid, name);
    fseek(f, start, SEEK_SET);
    record_set_utc_offset(h->utc_offset);
    while ((n = getline(&line, &cap, f)) > 0)
        if (!record_thread_line(line, &tid, name, sizeof name))
            run_output_feed(&r, 0, line, (size_t)n);
    free(line);
    run_output_finish(&r);
}

int cmd_report(int argc, char **argv)
{
    struct compile_args a;
    int rc = compile_args_parse("report", argc, argv, &a);
    if (rc)
        return rc;
    if (a.recipes.n != 2 || a.params.n || a.pid || a.target) {
        compile_args_free(&a);
        return cli_usage("report", "give the recipe and the recording: ovstrace report RECIPE FILE");
    }
    const char *file = a.recipes.v[1];
    char err[512];
    FILE *f = fopen_regular(file, err, sizeof err);
    struct record_header h;
    if (!f || record_read_header(f, &h, err, sizeof err) != 0) {
        char *shown = text_escaped(file);
        fprintf(stderr, "ovstrace: %s: %s\n", shown, err);
        free(shown);
        if (f)
            fclose(f);
        compile_args_free(&a);
        return 1;
    }
    rc = 1;
    char *dir = NULL, *path = NULL;
    if (!names_recipe(a.recipes.v[0], h.recipe))
        wrong_recipe(file, h.recipe, a.recipes.v[0]);
    else
        path = write_recipe(&h, &dir);
    if (path) {
        struct render_plan plan = { .pid = h.pid };
        struct pipeline_options o = { .recipe_arg = path, .params = (char **)h.params.v, .nparams = h.params.n,
                                      .mode = PIPELINE_REPORT, .known_ports = &h.ports,
                                      .checked = render_plan_build, .checked_ctx = &plan };
        /* Rendered as run rendered it: the plan for, and the output of, the recorded bpftrace. */
        if (!h.bpftrace || bt_version_parse(h.bpftrace, &o.bpftrace) != 0)
            o.bpftrace = BT_VERSION_OLDEST;
        plan.bpftrace = o.bpftrace;
        struct pipeline_result res;
        if (pipeline_run(&o, &res) == 0) {
            replay(f, &h, &plan);
            rc = 0;
        }
        pipeline_result_free(&res);
        render_plan_free(&plan);
        unlink(path);
    }
    if (dir)
        rmdir(dir);
    free(path);
    free(dir);
    fclose(f);
    record_header_free(&h);
    compile_args_free(&a);
    return rc;
}

void help_report(void)
{
    printf("usage: ovstrace report RECIPE FILE\n"
           "\n"
           "Print again the report of a run recorded with\n"
           "  ovstrace run RECIPE --record FILE [-p ...]\n"
           "without tracing anything: on another machine, later, as often as needed. FILE holds\n"
           "bpftrace's output as run read it (JSON lines), the recipe's text and parameters, and\n"
           "the thread names and time zone the run saw, so the report is the run's, byte for byte.\n");
}
