// SPDX-License-Identifier: Apache-2.0
// Lower pass: a checked recipe in, a bpftrace program (btir.h) out for the bpftrace of
// lower_options (its dialect, bt_dialect.h): probe blocks, span bookkeeping maps, printf
// formats, aggregations and reports.
#ifndef OVSTRACE_LOWER_H
#define OVSTRACE_LOWER_H

#include "btir.h"
#include "bt_version.h"
#include "check.h"
#include "recipe.h"

struct lower_options {
    const char *target_path;   /* USDT/uprobe binary; NULL: the process given to bpftrace -p */
    int pid;                   /* filter tracepoints/kprobes by this pid; 0: by $1 */
    const char *uprobe_path;   /* binary for uprobes when target_path is NULL (run: /proc/PID/exe) */
    const char *recipe_file;   /* for the header comment */
    const char *layouts;       /* where struct layouts came from (header comment); NULL: bundled */
    const char *layout_binary; /* the binary whose DWARF gave them, for messages */
    const char *needs_ovs;
    int for_run;               /* `ovstrace run` reads the output: mark pieces it reassembles (output_protocol.h) */
    struct bt_version bpftrace;   /* the bpftrace the script is for */
};

struct bt_program *lower_recipe(const struct recipe *r, const struct catalog *cat, const struct lower_options *opt,
                                struct diag *d);

#endif
