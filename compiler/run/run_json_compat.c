// SPDX-License-Identifier: Apache-2.0
// bpftrace's JSON output made alike across versions (see run_json_compat.h).
#include "run_json_compat.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 0.23 escapes a key's strings once more than JSON needs: \" and \\ (and \n, \t) left in
 * the decoded text. Decoded once more, in place (the text only gets shorter). */
static void unescape_once(char *s)
{
    char *w = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\\' && p[1]) {
            char c = p[1];
            char out = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '"' || c == '\\' || c == '/' ? c : 0;
            if (out) {
                *w++ = out;
                p++;
                continue;
            }
        }
        *w++ = *p;
    }
    *w = '\0';
}

static int twice_escaped(struct bt_version v)
{
    return v.major == 0 && v.minor == 23;    /* measured on 0.23.2; 0.17 and 0.27 escape once */
}

/* Key KEY of map M with its unsigned 64-bit parts printed negative shown unsigned, and its
 * truth values as true or false. NULL: nothing to change. Parts are split as run_render.c
 * splits them (the last takes the rest). */
static char *alike_parts(const struct render_map *m, const char *key)
{
    if (!m || ((!m->u64_keys || !strchr(key, '-')) && !m->bool_keys))
        return NULL;
    struct strbuf out = { 0 };
    const char *p = key;
    for (int i = 0; i < m->nkeys && p; i++) {
        const char *comma = i + 1 < m->nkeys ? strchr(p, ',') : NULL;
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char *part = xstrndup(p, n), *end;
        long long v = strtoll(part, &end, 10);
        if (i < RENDER_MAX_KEYS && (m->u64_keys >> i & 1) && part[0] == '-' && end != part && !*end)
            sb_printf(&out, "%s%llu", i ? "," : "", (unsigned long long)v);
        else if (i < RENDER_MAX_KEYS && (m->bool_keys >> i & 1) && end != part && !*end)
            sb_printf(&out, "%s%s", i ? "," : "", v ? "true" : "false");
        else
            sb_printf(&out, "%s%s", i ? "," : "", part);
        free(part);
        p = comma ? comma + 1 : NULL;
    }
    return sb_steal(&out);
}

static const struct render_map *map_of(const struct render_plan *plan, const char *at_name)
{
    const char *name = at_name[0] == '@' ? at_name + 1 : at_name;
    for (int i = 0; i < plan->nmaps; i++)
        if (!strcmp(plan->maps[i].name, name))
            return &plan->maps[i];
    return NULL;
}

void run_json_compat_keys(const struct render_plan *plan, struct json *data)
{
    for (int i = 0; plan && data && data->kind == JSON_OBJECT && i < data->n; i++) {
        struct json *v = data->items[i];
        if (!v || v->kind != JSON_OBJECT)
            continue;    /* a keyless map: a number, a stats object's fields, a hist's array */
        const struct render_map *m = map_of(plan, data->keys[i]);
        if (!m || m->nkeys == 0)
            continue;
        for (int k = 0; k < v->n; k++) {
            if (twice_escaped(plan->bpftrace))
                unescape_once(v->keys[k]);
            char *shown = alike_parts(m, v->keys[k]);
            if (shown) {
                free(v->keys[k]);
                v->keys[k] = shown;
            }
        }
    }
}
