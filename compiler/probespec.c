// SPDX-License-Identifier: Apache-2.0
// Probe kinds and specs: the one table of probe kinds (probespec.h), and the long and short
// forms of a spec (kernel_delay's u:, t:, k:, kr:, up:, ur: and the upr: its documentation
// uses) parsed into a checked probe_spec.
#include "probespec.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In enum probe_kind's order. */
static const struct probe_kind_info kinds[] = {
    { PK_USDT, "usdt", { "u" }, 2, "PROVIDER:NAME", .binary = BINARY_OR_PID, .cataloged = 1, .args = ARGS_REGISTERS },
    { PK_TRACEPOINT, "tracepoint", { "t" }, 2, "CATEGORY:NAME", .kernel = 1, .cataloged = 1, .args = ARGS_FIELDS },
    { PK_KPROBE, "kprobe", { "k" }, 1, "FUNCTION", .kernel = 1, .args = ARGS_REGISTERS },
    { PK_KRETPROBE, "kretprobe", { "kr" }, 1, "FUNCTION", .kernel = 1, .args = ARGS_RETVAL },
    { PK_UPROBE, "uprobe", { "up" }, 1, "FUNCTION", .binary = BINARY_NEEDED, .args = ARGS_REGISTERS },
    { PK_URETPROBE, "uretprobe", { "ur", "upr" }, 1, "FUNCTION", .binary = BINARY_NEEDED, .args = ARGS_RETVAL },
};
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))
_Static_assert(NKINDS == PK_COUNT, "one entry in kinds[] per enum probe_kind");

const struct probe_kind_info *probe_kind_info(enum probe_kind kind)
{
    return &kinds[kind];
}

const char *probe_kind_name(enum probe_kind k)
{
    return kinds[k].name;
}

/* The kind written as the LEN bytes at TEXT (its name, or with ALIASES one of its short forms),
 * with *WRITTEN set to that spelling; NULL when there is none. */
static const struct probe_kind_info *kind_named(const char *text, size_t len, int aliases, const char **written)
{
    int nalias = aliases ? (int)(sizeof kinds[0].aliases / sizeof kinds[0].aliases[0]) : 0;
    for (int i = 0; i < NKINDS; i++)
        for (int a = -1; a < nalias; a++) {
            const char *n = a < 0 ? kinds[i].name : kinds[i].aliases[a];
            if (n && strlen(n) == len && strncmp(text, n, len) == 0) {
                if (written)
                    *written = n;
                return &kinds[i];
            }
        }
    return NULL;
}

const struct probe_kind_info *probe_kind_of(const char *text)
{
    const char *colon = strchr(text, ':');
    return colon ? kind_named(text, (size_t)(colon - text), 0, NULL) : NULL;
}

/* "usdt/u, tracepoint/t, ...": each kind's name and first short form. */
static void kinds_text(char *out, size_t n)
{
    size_t at = 0;
    for (int i = 0; i < NKINDS && at < n; i++)
        at += (size_t)snprintf(out + at, n - at, "%s%s/%s", i ? ", " : "", kinds[i].name, kinds[i].aliases[0]);
}

int probespec_parse(const char *text, struct probe_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *colon = strchr(text, ':');
    if (!colon) {
        snprintf(err, errlen, "'%s' is not a probe: write KIND:..., e.g. usdt:main:run_start", text);
        return -1;
    }
    size_t pl = (size_t)(colon - text);
    const char *written;
    const struct probe_kind_info *k = kind_named(text, pl, 1, &written);
    if (!k) {
        char known[160];
        kinds_text(known, sizeof known);
        snprintf(err, errlen, "unknown probe type '%.*s' (%s)", (int)pl, text, known);
        return -1;
    }
    out->kind = k->kind;
    const char *rest = colon + 1;
    /* bpftrace's own spelling of a USDT probe on the -p process: usdt::prov:name */
    if (k->binary == BINARY_OR_PID && rest[0] == ':')
        rest++;
    const char *sep = strchr(rest, ':');
    if (k->parts == 2) {
        if (!sep || strchr(sep + 1, ':')) {
            snprintf(err, errlen, "'%s': expected %s:%s", text, written, k->parts_text);
            return -1;
        }
        out->provider = xstrndup(rest, (size_t)(sep - rest));
        out->name = xstrdup(sep + 1);
    } else {
        if (sep) {
            snprintf(err, errlen, "'%s': expected %s:%s (a function of the traced binary%s)", text, written,
                     k->parts_text, k->kernel ? " or kernel" : "");
            return -1;
        }
        out->name = xstrdup(rest);
    }
    if ((out->provider && !is_identifier(out->provider, 64)) || !is_identifier(out->name, 128)) {
        snprintf(err, errlen, "'%s': probe names are identifiers (letters, digits, '_')", text);
        probespec_release(out);
        return -1;
    }
    return 0;
}

void probespec_release(struct probe_spec *s)
{
    free(s->provider);
    free(s->name);
    s->provider = s->name = NULL;
}

char *probespec_canonical(const struct probe_spec *s)
{
    if (s->provider)
        return xasprintf("%s:%s:%s", probe_kind_name(s->kind), s->provider, s->name);
    return xasprintf("%s:%s", probe_kind_name(s->kind), s->name);
}

char *probespec_attach(enum probe_kind kind, const char *binary, const char *provider, const char *name)
{
    const struct probe_kind_info *k = &kinds[kind];
    struct strbuf b = { 0 };
    sb_printf(&b, "%s:", k->name);
    if (k->binary != BINARY_NONE)
        sb_printf(&b, "%s:", binary ? binary : "");
    if (k->parts == 2)
        sb_printf(&b, "%s:", provider);
    sb_add(&b, name);
    return sb_steal(&b);
}
