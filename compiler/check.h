// SPDX-License-Identifier: Apache-2.0
// Check pass: a loaded recipe (with bound parameters) and the catalog in; every
// probe, name and type resolved and every expression annotated, or errors out.
#ifndef OVSTRACE_CHECK_H
#define OVSTRACE_CHECK_H

#include "recipe.h"

/* What check is told of the script to be made; a NULL one tells nothing. */
struct check_options {
    int no_binary;            /* no --target or --pid: a uprobe has no binary to name */
    int for_run;              /* ovstrace run will read the output (lower_options.for_run) */
};

struct check_result {
    char *needs_ovs;          /* the newest `since` among the probes and fields used */
    const char *needs_ovs_for; /* what needs it */
};

int check_recipe(struct recipe *r, const struct catalog *cat, const struct check_options *opt, struct diag *d,
                 struct check_result *out);
void check_result_free(struct check_result *c);

/* What the parameters leave out of a checked recipe (a `where:` or `when:` false at compile
 * time): no script has it (check_script.c). */
int end_live(const struct span_end *e);
int span_live(const struct span *s);
int output_live(const struct output *o);
int column_shown(const struct column *c);
/* Is a column of FORMAT printed in pieces, after the event's other columns (a flow key, a
 * netlink message)? */
int format_in_pieces(const char *format);

/* Is the enum value's text what columns print (bit sets print as hex)? */
int enum_prints_text(const struct catalog *cat, const struct type *t);

#endif
