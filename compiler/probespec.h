// SPDX-License-Identifier: Apache-2.0
// Probe kinds and specs: the table of probe kinds every pass reads (how each is written,
// attached, filtered and read), and probe specs as recipes and operators write them
// ("usdt:revalidate:flow_result", "u:udpif_revalidator:start_dump", "ur:bridge_run") in,
// kind + names out.
#ifndef OVSTRACE_PROBESPEC_H
#define OVSTRACE_PROBESPEC_H

#include "catalog.h"

#include <stddef.h>

/* How bpftrace reads a probe's values. */
enum probe_args {
    ARGS_REGISTERS,    /* arg0, arg1, ...: a USDT probe's arguments, a function's */
    ARGS_FIELDS,       /* args->NAME: a tracepoint's format fields */
    ARGS_RETVAL,       /* retval: what the function returned */
};

/* Whether the attach point names a binary. */
enum probe_binary {
    BINARY_NONE,       /* the kernel's: "kprobe:FUNCTION" */
    BINARY_OR_PID,     /* "usdt:BINARY:P:N", or "usdt::P:N" for the process bpftrace -p gives */
    BINARY_NEEDED,     /* "uprobe:BINARY:FUNCTION": a binary is needed */
};

/* One kind of probe. A new kind is one entry in probespec.c's table (and enum probe_kind). */
struct probe_kind_info {
    enum probe_kind kind;
    const char *name;          /* the long form, which is also bpftrace's: "usdt" */
    const char *aliases[3];    /* short forms: "u" */
    int parts;                 /* after KIND: 2 (PROVIDER:NAME, CATEGORY:NAME) or 1 (FUNCTION) */
    const char *parts_text;    /* what messages call them: "PROVIDER:NAME" */
    int kernel;                /* the kernel's: it fires in every task. bpftrace -p filters these by pid
                                * only from 0.24 (bt_dialect.h, pid_filters_all), so ovstrace filters
                                * them itself; -p filters the others on every version */
    enum probe_binary binary;  /* the attach form: KIND:[BINARY:][PROVIDER:]NAME (probespec_attach) */
    int cataloged;             /* only probes the catalog describes: their arguments are known there */
    enum probe_args args;
};

const struct probe_kind_info *probe_kind_info(enum probe_kind kind);
/* The kind of bpftrace attach point TEXT ("usdt:...", "kprobe:...": long forms only), or NULL
 * ("BEGIN", "interval:ms:10"). */
const struct probe_kind_info *probe_kind_of(const char *text);
/* "usdt", "tracepoint", ...: the long form. */
const char *probe_kind_name(enum probe_kind kind);

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
/* A probe's bpftrace attach point: "usdt:BINARY:PROVIDER:NAME", "tracepoint:CATEGORY:NAME",
 * "kprobe:NAME", "uprobe:BINARY:NAME" (BINARY NULL: empty; PROVIDER only for kinds of two parts). */
char *probespec_attach(enum probe_kind kind, const char *binary, const char *provider, const char *name);

#endif
