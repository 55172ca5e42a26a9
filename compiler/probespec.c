// SPDX-License-Identifier: Apache-2.0
// Probe specs: parse the long and short forms (kernel_delay's u:, t:, k:, kr:,
// up:, ur: and the upr: its documentation uses) into a checked probe_spec.
#include "probespec.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *prefix;
    enum probe_kind kind;
} prefixes[] = {
    { "usdt", PK_USDT }, { "u", PK_USDT },
    { "tracepoint", PK_TRACEPOINT }, { "t", PK_TRACEPOINT },
    { "kprobe", PK_KPROBE }, { "k", PK_KPROBE },
    { "kretprobe", PK_KRETPROBE }, { "kr", PK_KRETPROBE },
    { "uprobe", PK_UPROBE }, { "up", PK_UPROBE },
    { "uretprobe", PK_URETPROBE }, { "ur", PK_URETPROBE }, { "upr", PK_URETPROBE },
};

int probespec_parse(const char *text, struct probe_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *colon = strchr(text, ':');
    if (!colon) {
        snprintf(err, errlen, "'%s' is not a probe: write KIND:..., e.g. usdt:main:run_start", text);
        return -1;
    }
    size_t pl = (size_t)(colon - text);
    int found = -1;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strlen(prefixes[i].prefix) == pl && strncmp(text, prefixes[i].prefix, pl) == 0)
            found = (int)i;
    if (found < 0) {
        snprintf(err, errlen, "unknown probe type '%.*s' (usdt/u, tracepoint/t, kprobe/k, kretprobe/kr, "
                 "uprobe/up, uretprobe/ur)", (int)pl, text);
        return -1;
    }
    out->kind = prefixes[found].kind;
    const char *rest = colon + 1;
    /* bpftrace's own spelling of a USDT probe on the -p process: usdt::prov:name */
    if (out->kind == PK_USDT && rest[0] == ':')
        rest++;
    int two_parts = out->kind == PK_USDT || out->kind == PK_TRACEPOINT;
    const char *sep = strchr(rest, ':');
    if (two_parts) {
        if (!sep || strchr(sep + 1, ':')) {
            snprintf(err, errlen, "'%s': expected %s:%s", text, prefixes[found].prefix,
                     out->kind == PK_USDT ? "PROVIDER:NAME" : "CATEGORY:NAME");
            return -1;
        }
        out->provider = xstrndup(rest, (size_t)(sep - rest));
        out->name = xstrdup(sep + 1);
    } else {
        if (sep) {
            snprintf(err, errlen, "'%s': expected %s:FUNCTION (a function of the traced binary%s)", text,
                     prefixes[found].prefix, out->kind == PK_KPROBE || out->kind == PK_KRETPROBE ? " or kernel" : "");
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
