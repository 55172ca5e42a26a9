// SPDX-License-Identifier: Apache-2.0
// The one place where a bpftrace version becomes language choices (bt_dialect.h).
#include "bt_dialect.h"
#include "util.h"

static int at_least(struct bt_version v, int major, int minor, int patch)
{
    return bt_version_cmp(v, (struct bt_version){ major, minor, patch }) >= 0;
}

struct bt_dialect bt_dialect_of(struct bt_version v)
{
    bool small_strings = at_least(v, 0, 21, 0) && !at_least(v, 0, 24, 1);
    return (struct bt_dialect){
        .version = v,
        .scoped_vars = at_least(v, 0, 21, 0),
        .config_block = at_least(v, 0, 21, 0),
        .small_strings = small_strings,
        .on_stack_limit = small_strings ? 128 : 32,
        .delete_returns = at_least(v, 0, 24, 0),
        .signed_sub = at_least(v, 0, 26, 0),
        .same_cast_warns = at_least(v, 0, 27, 0),
        .strncmp_literals = at_least(v, 0, 21, 0) && !at_least(v, 0, 27, 0),
        .misreads_data_loc = at_least(v, 0, 23, 0) && !at_least(v, 0, 24, 0),
        .pid_filters_all = at_least(v, 0, 24, 0),
        .tp_field = "args->",
    };
}

/* The versions where the generated script changes form (a field above changes), newest
 * first, and the names of the ranges they start. */
const char *bt_dialect_range(struct bt_version v)
{
    static const struct {
        struct bt_version from;
        const char *range;
    } forms[] = {
        { { 0, 27, 0 }, "0.27 and later" }, { { 0, 26, 0 }, "0.26" },         { { 0, 24, 1 }, "0.24.1 to 0.25" },
        { { 0, 24, 0 }, "0.24.0" },         { { 0, 23, 0 }, "0.23" },           { { 0, 21, 0 }, "0.21 to 0.22" },
    };
    for (unsigned i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (bt_version_cmp(v, forms[i].from) >= 0)
            return forms[i].range;
    return "0.17 to 0.20";
}
