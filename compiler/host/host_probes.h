// SPDX-License-Identifier: Apache-2.0
// Can this host attach a script's kernel probes? Tracepoints are looked up in tracefs,
// kprobe functions in /proc/kallsyms, and kprobes themselves in tracefs's kprobe_events,
// so `ovstrace check` and `run` can say which probes are missing before bpftrace runs.
#ifndef OVSTRACE_HOST_PROBES_H
#define OVSTRACE_HOST_PROBES_H

#include <stddef.h>
#include <stdio.h>

/* For a bpftrace attach point ("tracepoint:CAT:NAME", "kprobe:FN", "kretprobe:FN"; any
 * other kind is not the kernel's and is never missing): 1 and WHY when this host lacks it. */
int host_probe_missing(const char *attach, char *why, size_t whylen);

struct vec;
/* Print to OUT which of ATTACH (char *) this host lacks, under a line naming RECIPE, and
 * return how many (OUT NULL: only count them). */
int host_probes_report(const struct vec *attach, const char *recipe, FILE *out);

#endif
