// SPDX-License-Identifier: Apache-2.0
// Check pass: a loaded recipe (with bound parameters) and the catalog in; every
// probe, name and type resolved and every expression annotated, or errors out.
#ifndef OVSTRACE_CHECK_H
#define OVSTRACE_CHECK_H

#include "recipe.h"

struct check_result {
    char *needs_ovs;          /* the newest `since` among the probes and fields used */
    const char *needs_ovs_for; /* what needs it */
};

int check_recipe(struct recipe *r, const struct catalog *cat, struct diag *d, struct check_result *out);
void check_result_free(struct check_result *c);

/* The probe an output, span end or counter attaches to (a span's `to`). */
const struct probe_use *probe_attach(const struct probe_use *u);
/* Do two uses attach to the same probe? */
int probe_same(const struct probe_use *a, const struct probe_use *b);

/* Is the enum value's text what columns print (bit sets print as hex)? */
int enum_prints_text(const struct catalog *cat, const struct type *t);

#endif
