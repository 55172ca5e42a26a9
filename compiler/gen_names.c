// SPDX-License-Identifier: Apache-2.0
// The names the lowering pass makes from a recipe's names (the namespace: gen_names.h).
#include "gen_names.h"

#include <assert.h>
#include <stdio.h>

static struct gen_name made(const char *sigil, const char *owner, const char *tag, const char *member)
{
    struct gen_name n;
    int len = snprintf(n.s, sizeof n.s, "%s%s_%s%s%s", sigil, owner, tag, member ? "_" : "", member ? member : "");
    assert(len > 0 && (size_t)len < sizeof n.s);    /* names are at most 48 characters */
    (void)len;
    return n;
}

struct gen_name span_var(const struct span *s, const char *tag) { return made("$", s->name, tag, NULL); }
struct gen_name span_map(const struct span *s, const char *tag) { return made("@_", s->name, tag, NULL); }
struct gen_name span_value_var(const struct span *s, const char *name) { return made("$", s->name, "V", name); }
struct gen_name span_value_map(const struct span *s, const char *name) { return made("@_", s->name, "V", name); }
struct gen_name watch_map(const struct watch *w, const char *tag) { return made("@_", w->name, tag, NULL); }
