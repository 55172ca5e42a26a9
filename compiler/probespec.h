// SPDX-License-Identifier: Apache-2.0
// Probe specs as recipes and operators write them ("usdt:revalidate:flow_result",
// "u:udpif_revalidator:start_dump", "ur:bridge_run") in, kind + names out.
#ifndef OVSTRACE_PROBESPEC_H
#define OVSTRACE_PROBESPEC_H

#include "catalog.h"

#include <stddef.h>

struct probe_spec {
    enum probe_kind kind;
    char *provider;    /* USDT provider or tracepoint category */
    char *name;        /* probe, tracepoint or function */
};

/* 0 on success; -1 with a message in err. Every part must be an identifier, so a
 * spec can never carry anything but a probe name into the generated script. */
int probespec_parse(const char *text, struct probe_spec *out, char *err, size_t errlen);
void probespec_release(struct probe_spec *s);
/* "usdt:revalidate:flow_result": the canonical spelling. */
char *probespec_canonical(const struct probe_spec *s);

#endif
