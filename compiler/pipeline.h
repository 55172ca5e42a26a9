// SPDX-License-Identifier: Apache-2.0
// The compiler pipeline: a list of named steps (resolve, host, load, bind, check, probes,
// layouts, lower, emit, build), each run only if the ones before left no errors. Shared
// by compile, check, run and report (pipeline.c).
#ifndef OVSTRACE_PIPELINE_H
#define OVSTRACE_PIPELINE_H

#include "bt_version.h"
#include "recipe.h"

#include <stdio.h>

/* What the pipeline is run for: which steps run, and what the script is shaped for. */
enum pipeline_mode {
    PIPELINE_COMPILE,         /* `compile`: the script, for bpftrace as the user runs it */
    PIPELINE_CHECK,           /* `check`: diagnostics only (a script only for bpftrace_build) */
    PIPELINE_RUN,             /* `run` on bpftrace 0.24 and later: attach points name /proc/PID/exe, a pid
                               * predicate filters; the output is read as -f json (pieces, held events) */
    PIPELINE_RUN_PID_ATTACH,  /* `run` before bpftrace 0.24: bpftrace -p attaches the USDT probes; the pid
                               * only filters kernel probes (cmd_run.c chooses) */
    PIPELINE_REPORT,          /* `report`: load and check a recording's recipe (its plan is the caller's);
                               * no script */
};

struct pipeline_options {
    enum pipeline_mode mode;
    const char *recipe_arg;       /* as the user gave it */
    char **params;                /* "name=value" */
    int nparams;
    const char *target_path;      /* --target */
    int pid;                      /* --pid (0: none) */
    const struct vec *known_ports;    /* char *: "NAME=NUMBER" for in_port(NAME), instead of asking
                                       * ovs-vswitchd (`ovstrace report`: the recorded ones) */
    /* For callers that hold the recipe in memory (the fuzzer): RECIPE_LEN bytes at RECIPE_TEXT
     * are the recipe, named recipe_arg in diagnostics; no file is looked up or read. */
    const char *recipe_text;
    size_t recipe_len;
    struct catalog *catalog;      /* NULL: load the bundled catalog; else borrowed (loading it costs
                                   * more than compiling most recipes). Without target_path and pid
                                   * only: a binary's DWARF layouts would change it */
    FILE *diag_out;               /* NULL: stderr */
    const char *bpftrace_build;   /* a bpftrace to build the script with (--emit-elf), refusals
                                   * reported on the recipe; NULL: not asked */
    struct bt_version bpftrace;   /* the bpftrace the script is for; { 0 }: the oldest supported */
    const char *layouts_release;  /* --layouts X.Y: that release's bundled struct layouts, whatever
                                   * the binary; NULL: chosen by layouts_apply (layouts.h) */
    /* Called with the recipe once it passed (and while it and the catalog are alive), for a
     * caller that needs more of it than the result holds: run's render plan (run/plan.h).
     * The compiler hands it over; it knows nothing of what is made of it. */
    void (*checked)(const struct recipe *r, const struct catalog *cat, void *ctx);
    void *checked_ctx;
};

struct pipeline_result {
    char *script;                 /* the bpftrace program (NULL for check) */
    char *recipe_path;
    char *recipe_name;
    char *summary;
    char *needs_ovs;
    int nprobes;
    int built_by_bpftrace;        /* bpftrace_build was asked and built it */
    struct vec ports;             /* char *: "NAME=NUMBER" datapath ports asked of ovs-vswitchd */
    struct vec kernel_probes;     /* char *: the script's tracepoint/kprobe/kretprobe attach points */
    long event_buffer_pages;      /* the recipe's event buffer over all CPUs (0: bpftrace's default) */
    long map_keys_max;            /* bpftrace must hold this many keys per map (0: its default will do) */
};

/* 0 on success; otherwise diagnostics are printed (to diag_out) and 1 is returned. */
int pipeline_run(const struct pipeline_options *o, struct pipeline_result *res);
void pipeline_result_free(struct pipeline_result *res);

#endif
